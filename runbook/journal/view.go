package journal

import (
	"sort"

	"github.com/runbook-sh/runbook/runbook"
)

// RunView is the one projection of a run that every frontend shows: the
// checklist and status bar of the TUI, line mode's summary, `runbook
// status` and every report format. It is built from the document and the
// replayed State, and it is the only place that decides a step's
// effective status, whether it counts toward the run, the counts, what is
// next and whether the run is complete (docs/run-model.md).
type RunView struct {
	Doc   *runbook.Document // nil when the doc could not be read
	State *State
	// Live says the statuses the journal has as running are real: the run
	// is open in a runbook process. Otherwise such a step was running when
	// runbook stopped, and shows as interrupted.
	Live bool

	Steps   []StepView // the doc's steps, in doc order
	Orphans []StepView // steps in the journal that the doc no longer has

	Counts    Counts
	Questions QuestionCounts
	// Next is the first counted step, in doc order, that is not settled;
	// "" when none is left.
	Next string
	// Complete is set when every counted step is settled: the run can be
	// finished.
	Complete bool
	// Finished is set when the journal records the run as finished.
	Finished bool
	Status   RunStatus

	index map[string]int
}

// StepView is one step as the run sees it.
type StepView struct {
	Step *runbook.Step // nil for an orphan, or when the doc is unknown
	ID   string
	// Status is the effective status: the journal's, except that a
	// finished step whose content changed since is Stale, and a step the
	// journal has running in a run that is not live is Interrupted.
	Status Status
	// Was is, for a Stale or a dead Running step, the journal's status.
	Was Status
	// Counted steps make the run's progress and decide whether it is
	// complete: every step of the doc except check steps and `skip` steps
	// that were never run.
	Counted bool
	// Settled steps need nothing more in this run: done (ok, skipped, done
	// by hand, already done), or failed or timed out with
	// continue-on-error.
	Settled bool
	// Tolerated is set for a settled failure (continue-on-error).
	Tolerated bool
	// Background is set for a step running in the background now (its
	// last attempt started so, in a live run).
	Background bool
	State      *StepState // nil when the run never touched the step
}

// Counts are over counted steps only.
type Counts struct {
	Done  int // ok, skipped, done by hand, already done
	Total int
	// Tolerated counts failures let through by continue-on-error.
	Tolerated int
	By        map[Status]int
}

// QuestionCounts are over the doc's open [VERIFY] questions and the ones
// this run answered and wrote back (no longer open in the doc: Written
// counts them, and Answered and Total include them).
type QuestionCounts struct {
	Answered, Skipped, Open, Total int
	Written                        int
}

// RunStatus is where a whole run stands.
type RunStatus string

const (
	RunNotStarted RunStatus = "not-started" // nothing recorded yet
	RunInProgress RunStatus = "in-progress"
	RunRunning    RunStatus = "running" // open in a runbook process now
	RunStopped    RunStatus = "stopped" // a counted step failed, timed out or was interrupted
	RunOK         RunStatus = "ok"      // finished
	RunFailed     RunStatus = "failed"  // finished by an older runbook with steps not done
)

// EffectiveStatus is a step's status in the run: Pending if the run never
// touched it; Stale if it finished but its content changed since it ran
// (until it runs again or is accepted); Interrupted if the journal has it
// running but the run is not live. was is the journal's status when it
// differs.
func EffectiveStatus(step *runbook.Step, ss *StepState, live bool) (status, was Status) {
	if ss == nil || ss.Status == "" {
		return Pending, ""
	}
	switch {
	case ss.Status == Running && !live:
		return Interrupted, Running
	case step != nil && ss.Status.Finished() && ss.Hash != "" && step.Hash != "" && ss.Hash != step.Hash:
		return Stale, ss.Status
	}
	return ss.Status, ""
}

// Counted reports whether a step of the doc counts toward the run: check
// steps and `skip` steps are optional, so they count only once run (or
// skipped, or done by hand) in this run.
func Counted(step *runbook.Step, ss *StepState) bool {
	if step == nil {
		return ss != nil
	}
	if step.Kind == runbook.KindCheck || step.Attrs.Skip {
		return ss != nil && ss.Status != "" && ss.Status != Pending
	}
	return true
}

// Settled reports whether a step with this effective status needs nothing
// more in this run.
func Settled(step *runbook.Step, status Status) bool {
	return status.Finished() || tolerated(step, status)
}

func tolerated(step *runbook.Step, status Status) bool {
	return step != nil && step.Attrs.ContinueOnError && (status == Failed || status == TimedOut)
}

// NewView projects a run of doc (nil when the doc cannot be read: then
// every step the journal knows counts, none is stale).
func NewView(doc *runbook.Document, st *State, live bool) *RunView {
	if st == nil {
		st = NewState()
	}
	v := &RunView{Doc: doc, State: st, Live: live, Finished: st.Finished,
		Counts: Counts{By: map[Status]int{}}, index: map[string]int{}}
	seen := map[string]bool{}
	if doc != nil {
		for _, s := range doc.Steps {
			seen[s.ID] = true
			v.add(s, s.ID, st.Steps[s.ID])
		}
	}
	for _, id := range sortedIDs(st.Steps, seen) {
		if doc == nil {
			v.add(nil, id, st.Steps[id])
			continue
		}
		sv := StepView{ID: id, State: st.Steps[id]}
		sv.Status, sv.Was = EffectiveStatus(nil, sv.State, live)
		v.Orphans = append(v.Orphans, sv)
	}
	v.Complete = v.Next == ""
	if doc != nil {
		for _, q := range doc.Questions {
			v.Questions.Total++
			switch a, ok := st.Answers[q.ID]; {
			case !ok:
				v.Questions.Open++
			case a.Skipped:
				v.Questions.Skipped++
			default:
				v.Questions.Answered++
			}
		}
		for _, vf := range doc.Verified {
			if a, ok := st.Answers[vf.ID]; ok && !a.Skipped {
				v.Questions.Total++
				v.Questions.Answered++
				v.Questions.Written++
			}
		}
	}
	v.Status = v.runStatus()
	return v
}

func (v *RunView) add(step *runbook.Step, id string, ss *StepState) {
	sv := StepView{Step: step, ID: id, State: ss}
	sv.Status, sv.Was = EffectiveStatus(step, ss, v.Live)
	sv.Counted = Counted(step, ss)
	sv.Settled = Settled(step, sv.Status)
	sv.Tolerated = tolerated(step, sv.Status)
	sv.Background = sv.Status == Running && ss != nil && len(ss.Attempts) > 0 && ss.Attempts[len(ss.Attempts)-1].Background
	v.index[id] = len(v.Steps)
	v.Steps = append(v.Steps, sv)
	if !sv.Counted {
		return
	}
	v.Counts.Total++
	v.Counts.By[sv.Status]++
	if sv.Status.Finished() {
		v.Counts.Done++
	}
	if sv.Tolerated {
		v.Counts.Tolerated++
	}
	if !sv.Settled && v.Next == "" {
		v.Next = id
	}
}

func (v *RunView) runStatus() RunStatus {
	st := v.State
	switch {
	case v.Finished && st.Status == Failed:
		return RunFailed
	case v.Finished:
		return RunOK
	case v.Live:
		return RunRunning
	}
	for _, s := range v.Steps {
		if s.Counted && !s.Settled {
			switch s.Status {
			case Failed, TimedOut, Interrupted:
				return RunStopped
			}
		}
	}
	if len(st.Steps) == 0 && len(st.Answers) == 0 && st.Seq == 0 {
		return RunNotStarted
	}
	return RunInProgress
}

// Step is the view of one step (of the doc or an orphan), or nil.
func (v *RunView) Step(id string) *StepView {
	if i, ok := v.index[id]; ok {
		return &v.Steps[i]
	}
	for i := range v.Orphans {
		if v.Orphans[i].ID == id {
			return &v.Orphans[i]
		}
	}
	return nil
}

// StepStatus is a step's effective status (Pending for an unknown id).
func (v *RunView) StepStatus(id string) Status {
	if s := v.Step(id); s != nil {
		return s.Status
	}
	return Pending
}

// Outcome is the status `run-finished` records for the run as it stands:
// ok when it is complete (continue-on-error failures included), failed
// otherwise.
func (v *RunView) Outcome() Status {
	if v.Complete {
		return OK
	}
	return Failed
}

func sortedIDs[V any](m map[string]V, skip map[string]bool) []string {
	var ids []string
	for id := range m {
		if !skip[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
