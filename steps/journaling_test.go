package steps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Journaling order: nothing is shown before it is durable, and the
// syncs that make it so are shared where they can be.

func TestHoldSharesOneSyncAndShowsNothingEarly(t *testing.T) {
	doc := testDoc(t, step("a", "out:x"), step("b", ""))
	e, rec := open(t, doc, &fakeExec{})
	if s, err := e.Run(context.Background(), "a", RunOptions{Hold: true}); s != journal.OK || err != nil {
		t.Fatal(s, err)
	}
	// Written, but neither shown nor in the state yet.
	eq(t, rec.lines(), []string{"step-started a#1", `output a#1 "x"`})
	if e.StepStatus("a") != journal.Running {
		t.Fatalf("held event in the state: %v", e.StepStatus("a"))
	}
	evs, _ := journal.ReadFile(filepath.Join(e.RunDir(), journal.JournalFile))
	if last := evs[len(evs)-1]; last.Type != journal.StepFinished {
		t.Fatalf("held event not written: %+v", last)
	}
	// The next event brings it out first.
	e.Run(context.Background(), "b", RunOptions{Hold: true})
	eq(t, rec.lines(), []string{"step-started a#1", `output a#1 "x"`, "step-finished a#1 ok", "step-started b#1"})
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	eq(t, rec.lines()[4:], []string{"step-finished b#1 ok"})
	if e.StepStatus("b") != journal.OK {
		t.Fatal("flushed event not in the state")
	}
}

// RunAll overlaps a step's start-up with the sync of its start event; still
// no subscriber sees an event that is not in the journal file, nor a step's
// output before its start, nor a start before the previous step's end.
func TestRunAllShowsNothingBeforeItIsJournaled(t *testing.T) {
	var sts []*runbook.Step
	for i := range 30 {
		sts = append(sts, step(fmt.Sprintf("s%d", i), fmt.Sprintf("out:line %d\nout:more %d", i, i)))
	}
	e, _ := open(t, testDoc(t, sts...), &fakeExec{})
	journalPath := filepath.Join(e.RunDir(), "journal.jsonl")
	var (
		mu       sync.Mutex
		problems []string
		started  = map[string]bool{}
		open     string // the step started and not yet finished
	)
	e.Subscribe(func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Journal == nil {
			if !started[ev.Step] {
				problems = append(problems, fmt.Sprintf("output of %s shown before its start", ev.Step))
			}
			return
		}
		b, err := os.ReadFile(journalPath)
		if err != nil || !strings.Contains(string(b), fmt.Sprintf(`"seq":%d,`, ev.Journal.Seq)) {
			problems = append(problems, fmt.Sprintf("event %d (%s %s) shown before it is in the journal (%v)", ev.Journal.Seq, ev.Journal.Type, ev.Journal.Step, err))
		}
		switch ev.Journal.Type {
		case journal.StepStarted:
			if open != "" {
				problems = append(problems, fmt.Sprintf("%s started while %s was not shown finished", ev.Journal.Step, open))
			}
			started[ev.Journal.Step], open = true, ev.Journal.Step
		case journal.StepFinished:
			open = ""
		}
	})
	if status, err := runAll(e, ""); err != nil || status != journal.OK {
		t.Fatalf("RunAll = %s, %v", status, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("%d problems, first: %s", len(problems), strings.Join(problems[:min(len(problems), 5)], "; "))
	}
	if len(started) != 30 {
		t.Fatalf("saw %d steps start, want 30", len(started))
	}
}

// TestRunsEndSharesTheLastStepsSync: in a run of many steps each step's
// end shares a sync with the next step's start, and the last step's end
// shares one with the run's end (Engine.FinishHeld): three syncs after
// the journal's creation for two steps, and the events in order.
func TestRunsEndSharesTheLastStepsSync(t *testing.T) {
	doc := testDoc(t, step("a", "out:x"), step("b", ""))
	e, rec := open(t, doc, &fakeExec{})
	if s, err := runAll(e, ""); s != journal.OK || err != nil {
		t.Fatal(s, err)
	}
	if n := e.rec.w.Syncs(); n != 3 {
		t.Errorf("%d syncs for two steps and the run's end, want 3", n)
	}
	eq(t, rec.lines(), []string{"step-started a#1", `output a#1 "x"`, "step-finished a#1 ok", "step-started b#1",
		"step-finished b#1 ok", "run-finished ok"})
	evs, _ := journal.ReadFile(filepath.Join(e.RunDir(), journal.JournalFile))
	if last := evs[len(evs)-1]; last.Type != journal.RunFinished || evs[len(evs)-2].Type != journal.StepFinished {
		t.Fatalf("journal ends with %+v", evs[len(evs)-2:])
	}
	if !e.View().Finished {
		t.Fatal("the run is not finished")
	}
}

// TestRunLeftIncompleteIsNotFinishedEarly: when the last step's end does
// not complete the run (a step failed and stopped it), no run-finished is
// held with it.
func TestRunLeftIncompleteIsNotFinishedEarly(t *testing.T) {
	doc := testDoc(t, step("a", ""), step("b", "exit:1"), step("c", ""))
	e, _ := open(t, doc, &fakeExec{})
	if s, _ := runAll(e, ""); s != journal.Failed {
		t.Fatal(s)
	}
	evs, _ := journal.ReadFile(filepath.Join(e.RunDir(), journal.JournalFile))
	for _, ev := range evs {
		if ev.Type == journal.RunFinished {
			t.Fatalf("run finished: %+v", evs)
		}
	}
}
