package journal

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

// viewDoc has one step of each kind that the rules treat differently.
func viewDoc() *runbook.Document {
	coe := &runbook.Step{ID: "coe", Kind: runbook.KindShell, Hash: "h-coe"}
	coe.Attrs.ContinueOnError = true
	skip := &runbook.Step{ID: "skip", Kind: runbook.KindShell, Hash: "h-skip"}
	skip.Attrs.Skip = true
	return &runbook.Document{
		Steps: []*runbook.Step{
			{ID: "a", Kind: runbook.KindShell, Hash: "h-a"},
			coe,
			{ID: "man", Kind: runbook.KindManual, Hash: "h-man"},
			{ID: "chk", Kind: runbook.KindCheck, Hash: "h-chk"},
			skip,
			{ID: "z", Kind: runbook.KindShell, Hash: "h-z"},
		},
		Questions: []*runbook.Question{{ID: "q1"}, {ID: "q2"}, {ID: "q3"}},
	}
}

// The rules of docs/run-model.md, one case per rule: the effective
// status, what counts, what is settled, the counts, what is next, complete
// and the run's status.
func TestRunViewRules(t *testing.T) {
	type step struct {
		status Status
		hash   string // "" → the doc's hash
	}
	for _, tc := range []struct {
		name     string
		steps    map[string]step
		live     bool
		finished Status // the run-finished status, "" for none
		// want: "id=status[*counted][+settled]" per step, in doc order
		want     string
		done     string // "done/total tolerated"
		next     string
		complete bool
		run      RunStatus
	}{
		{name: "nothing ran", want: "a=pending* coe=pending* man=pending* chk=pending skip=pending z=pending*",
			done: "0/4 0", next: "a", run: RunNotStarted},
		{name: "a check and a skip step count once run",
			steps: map[string]step{"chk": {OK, ""}, "skip": {Failed, ""}},
			want:  "a=pending* coe=pending* man=pending* chk=ok*+ skip=failed* z=pending*", done: "1/6 0", next: "a", run: RunStopped},
		{name: "a failed continue-on-error step is settled, counted as failed, tolerated",
			steps: map[string]step{"a": {OK, ""}, "coe": {Failed, ""}, "man": {DoneByHand, ""}, "z": {AlreadyDone, ""}},
			want:  "a=ok*+ coe=failed*+ man=done-by-hand*+ chk=pending skip=pending z=already-done*+", done: "3/4 1",
			complete: true, run: RunInProgress},
		{name: "a timed-out continue-on-error step too",
			steps: map[string]step{"a": {OK, ""}, "coe": {TimedOut, ""}, "man": {Skipped, ""}, "z": {OK, ""}},
			want:  "a=ok*+ coe=timed-out*+ man=skipped*+ chk=pending skip=pending z=ok*+", done: "3/4 1", complete: true, run: RunInProgress},
		{name: "an interrupted continue-on-error step is not settled",
			steps: map[string]step{"a": {OK, ""}, "coe": {Interrupted, ""}},
			want:  "a=ok*+ coe=interrupted* man=pending* chk=pending skip=pending z=pending*", done: "1/4 0", next: "coe", run: RunStopped},
		{name: "a finished step whose content changed is stale",
			steps: map[string]step{"a": {OK, "old"}, "coe": {Failed, "old"}},
			want:  "a=stale* coe=failed*+ man=pending* chk=pending skip=pending z=pending*", done: "0/4 1", next: "a", run: RunInProgress},
		{name: "running in a live run",
			steps: map[string]step{"a": {Running, ""}}, live: true,
			want: "a=running* coe=pending* man=pending* chk=pending skip=pending z=pending*", done: "0/4 0", next: "a", run: RunRunning},
		{name: "running when runbook stopped: interrupted",
			steps: map[string]step{"a": {Running, ""}},
			want:  "a=interrupted* coe=pending* man=pending* chk=pending skip=pending z=pending*", done: "0/4 0", next: "a", run: RunStopped},
		{name: "finished",
			steps:    map[string]step{"a": {OK, ""}, "coe": {OK, ""}, "man": {OK, ""}, "z": {OK, ""}},
			finished: OK,
			want:     "a=ok*+ coe=ok*+ man=ok*+ chk=pending skip=pending z=ok*+", done: "4/4 0", complete: true, run: RunOK},
		{name: "finished, then the doc changed: finished, not complete",
			steps:    map[string]step{"a": {OK, ""}, "coe": {OK, ""}, "man": {OK, ""}, "z": {OK, "old"}},
			finished: OK,
			want:     "a=ok*+ coe=ok*+ man=ok*+ chk=pending skip=pending z=stale*", done: "3/4 0", next: "z", run: RunOK},
		{name: "given up: finished failed",
			steps: map[string]step{"a": {Failed, ""}}, finished: Failed,
			want: "a=failed* coe=pending* man=pending* chk=pending skip=pending z=pending*", done: "0/4 0", next: "a", run: RunFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := viewDoc()
			st := NewState()
			for id, s := range tc.steps {
				h := s.hash
				if h == "" {
					h = doc.Step(id).Hash
				}
				st.Steps[id] = &StepState{Status: s.status, Hash: h}
			}
			if tc.finished != "" {
				st.Finished, st.Status = true, tc.finished
			}
			if len(tc.steps) > 0 {
				st.Seq = 1
			}
			v := NewView(doc, st, tc.live)
			var got []string
			for _, s := range v.Steps {
				g := s.ID + "=" + string(s.Status)
				if s.Counted {
					g += "*"
				}
				if s.Settled {
					g += "+"
				}
				got = append(got, g)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("steps\n got %s\nwant %s", g, tc.want)
			}
			if g := fmt.Sprintf("%d/%d %d", v.Counts.Done, v.Counts.Total, v.Counts.Tolerated); g != tc.done {
				t.Errorf("counts %s, want %s", g, tc.done)
			}
			if v.Next != tc.next || v.Complete != tc.complete || v.Status != tc.run {
				t.Errorf("next %q complete %v status %s; want %q %v %s", v.Next, v.Complete, v.Status, tc.next, tc.complete, tc.run)
			}
			// By status sums to the total, over counted steps only.
			n := 0
			for _, c := range v.Counts.By {
				n += c
			}
			if n != v.Counts.Total {
				t.Errorf("counts by status sum to %d, total %d", n, v.Counts.Total)
			}
		})
	}
}

// Steps the journal has and the doc no longer has are orphans: shown, not
// counted. Without the doc, every step the journal touched counts.
func TestRunViewOrphansAndNoDoc(t *testing.T) {
	st := NewState()
	st.Steps["a"] = &StepState{Status: OK, Hash: "h-a"}
	st.Steps["gone"] = &StepState{Status: Failed, Hash: "x"}
	st.Answers["q1"] = Answer{Value: "yes"}
	st.Answers["q2"] = Answer{Skipped: true}
	v := NewView(viewDoc(), st, false)
	if len(v.Orphans) != 1 || v.Orphans[0].ID != "gone" || v.Counts.By[Failed] != 0 || v.Step("gone") == nil {
		t.Fatalf("orphans %+v, counts %+v", v.Orphans, v.Counts)
	}
	if q := v.Questions; q.Answered != 1 || q.Skipped != 1 || q.Open != 1 || q.Total != 3 {
		t.Errorf("questions %+v", q)
	}
	nv := NewView(nil, st, false)
	var ids []string
	for _, s := range nv.Steps {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	if strings.Join(ids, ",") != "a,gone" || nv.Counts.Done != 1 || nv.Counts.Total != 2 || nv.Next != "gone" {
		t.Fatalf("without the doc: %v %+v next %q", ids, nv.Counts, nv.Next)
	}
	if nv.StepStatus("nope") != Pending {
		t.Error("an unknown step is not pending")
	}
}

// A question this run answered and wrote back is no longer open in the doc
// (it is a **Verified:** line): it still counts as answered, and as written.
// One verified before the run (no answer in this run) counts for nothing.
func TestRunViewQuestionsWrittenBack(t *testing.T) {
	doc := viewDoc()
	doc.Questions = doc.Questions[1:] // q1 is in the doc as verified now
	doc.Verified = []*runbook.Verified{{ID: "q1", Answer: "yes"}, {ID: "old", Answer: "from last year"}}
	st := NewState()
	st.Answers["q1"] = Answer{Value: "yes", Written: true}
	v := NewView(doc, st, false)
	if want := (QuestionCounts{Answered: 1, Open: 2, Total: 3, Written: 1}); v.Questions != want {
		t.Errorf("questions %+v, want %+v", v.Questions, want)
	}
}
