package tui

import (
	"strings"
	"testing"
	"time"
)

// `/` filters by title; the letters typed never act as commands; esc
// clears the filter.
func TestFilterChecklist(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.press("/")
	h.typeText("depl")
	s := h.screen()
	if !strings.Contains(s, "/depl_") || !strings.Contains(s, "○ deploy") || strings.Contains(s, "workspace") {
		t.Fatalf("filter not applied:\n%s", s)
	}
	if h.m.state != stateMain || len(h.eng.runs) != 0 {
		t.Fatalf("filter letters acted as commands: state %v, runs %v", h.m.state, h.eng.runs)
	}
	h.press("enter")
	if it, ok := h.m.checklist.Selected(); !ok || h.m.filter.Typing() || it.kind == itemStep && it.step.ID != "deploy" && !strings.Contains(strings.ToLower(it.step.Title), "depl") {
		t.Fatalf("enter did not keep the filter: typing %v", h.m.filter.Typing())
	}
	h.press("esc")
	if s := h.screen(); !strings.Contains(s, "workspace") || strings.Contains(s, "/depl") {
		t.Fatalf("esc did not clear the filter:\n%s", s)
	}
}

// `]` and `[` jump between the steps still to do.
func TestJumpToDo(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.press("g")
	for _, c := range []struct{ key, want string }{
		{"]", "1-decide-the-target/1"}, // a manual step not done yet is to do
		{"]", "workspace"},
		{"]", "ticket"},
		{"[", "workspace"},
	} {
		h.press(c.key)
		if s := h.m.selectedStep(); s == nil || s.ID != c.want {
			t.Fatalf("%s: want %s, cursor on %v", c.key, c.want, s)
		}
	}
}

// Screens of the new keys, for the user guide.
func TestScreenFilterAndPastRuns(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.press("/")
	h.typeText("dep")
	golden(t, "filter_80x24", h.screen())

	eng := newFakeEngine(demoDoc())
	upd := testNow.Add(-26 * time.Hour)
	opts := Options{NoColor: true, RunName: "acme-api-runbook.3", PastRuns: []PastRun{
		{Name: "acme-api-runbook.2", Status: "stopped", Updated: upd},
		{Name: "acme-api-runbook.1", Status: "ok", Finished: true, Updated: upd.Add(-48 * time.Hour)},
	}, Previous: &PastRun{Name: "acme-api-runbook.2", Status: "stopped", Updated: upd}}
	h = newHarnessOpts(t, eng, eng.waiting, opts, 80, 24)
	golden(t, "new_run_80x24", h.screen())
	h.press("P")
	golden(t, "past_runs_80x24", h.screen())
}
