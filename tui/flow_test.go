package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Enter (or t) on a step that already succeeded used to run it again at
// once; the session asks first, and the default is not to.
func TestEnterOnADoneStepAsks(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.vars["env"], h.eng.vars["account-id"] = "staging", "123456789012"
	h.selectItem("workspace")
	h.press("enter")
	if st := h.eng.StepStatus("workspace"); st != journal.OK || len(h.eng.runs) != 1 {
		t.Fatalf("first run: %s, runs %v", st, h.eng.runs)
	}
	h.press("enter")
	if h.m.dialog == nil || h.m.dialog.title != "Run again" {
		t.Fatalf("no question before running a done step again:\n%s", h.screen())
	}
	h.press("enter") // the default: cancel
	if len(h.eng.runs) != 1 || !strings.Contains(h.m.status.Message(), "workspace not run again") {
		t.Fatalf("runs %v, message %q", h.eng.runs, h.m.status.Message())
	}
	h.press("t", "y")
	if len(h.eng.runs) != 2 {
		t.Fatalf("confirmed: runs %v", h.eng.runs)
	}
}

// Run all used to stop after every manual step, even confirmed done;
// "Not yet" stopped it without a word.
func TestRunAllGoesOnAfterAManualStep(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.vars["env"], h.eng.vars["account-id"], h.eng.vars["db-password"] = "staging", "123456789012", "pw"
	first := h.m.doc.Steps[0].ID // a manual step
	h.selectItem(first)
	h.press("R")
	if h.m.dialog == nil || h.m.dialog.title != "Manual step" {
		t.Fatalf("no manual step dialog:\n%s", h.screen())
	}
	h.press("y")
	// Confirmed done: run all goes on to workspace and beyond.
	if len(h.eng.runs) == 0 || h.eng.runs[0] != "workspace" {
		t.Fatalf("run all stopped after the manual step: runs %v\n%s", h.eng.runs, h.screen())
	}

	h2 := newHarness(t, 80, 24)
	h2.selectItem(first)
	h2.press("R")
	h2.press("n")
	if len(h2.eng.runs) != 0 || !strings.Contains(h2.m.status.Message(), "is not done yet: stopped there (R continues)") {
		t.Fatalf("not yet: runs %v, message %q", h2.eng.runs, h2.m.status.Message())
	}
}

// "Interrupt and quit" interrupts the running step, and the TUI's result
// says so (the command exits 1).
func TestInterruptAndQuitReportsTheStep(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.eng.block["fetch-deps"] = true
	h.selectItem("fetch-deps")
	h.press("enter")
	h.press("q")
	h.press("y")
	if !h.quit.Load() || h.m.Result().Interrupted != "fetch-deps" {
		t.Fatalf("quit %v, result %+v", h.quit.Load(), h.m.Result())
	}
	if st := h.eng.StepStatus("fetch-deps"); st != journal.Interrupted {
		t.Fatalf("status %s", st)
	}
	if !slices.Equal(h.eng.runs, []string{"fetch-deps"}) {
		t.Fatalf("runs %v", h.eng.runs)
	}
}
