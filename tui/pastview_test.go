package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// A finished run picked with P opens read-only: its steps' final
// statuses, the selected step's output from its log; no key runs or
// writes anything; esc goes back to the run open now.
func TestPastRunReadOnly(t *testing.T) {
	state := t.TempDir()
	past := journal.RunDir(state, "acme-api-runbook.1")
	w, err := journal.Create(past)
	if err != nil {
		t.Fatal(err)
	}
	doc := demoDoc()
	code := 0
	for _, e := range []journal.Event{
		{Type: journal.RunStarted, Run: "acme-api-runbook.1", Doc: doc.Path, Who: "alice"},
		{Type: journal.StepStarted, Step: "workspace", Attempt: 1},
		{Type: journal.StepFinished, Step: "workspace", Attempt: 1, Status: journal.OK, ExitCode: &code, Log: journal.LogPath("workspace", 1)},
		{Type: journal.StepSkipped, Step: "ticket", Note: "no ticket for a demo"},
		{Type: journal.RunFinished, Status: journal.OK},
	} {
		if _, err := w.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	os.MkdirAll(filepath.Dir(filepath.Join(past, journal.LogPath("workspace", 1))), 0o755)
	os.WriteFile(filepath.Join(past, journal.LogPath("workspace", 1)), []byte("created acme-dev/\r\nworkspace ready\r\n"), 0o644)

	eng := newFakeEngine(doc)
	eng.runDir = journal.RunDir(state, "acme-api-runbook.2")
	opts := Options{NoColor: true, RunName: "acme-api-runbook.2", PastRuns: []PastRun{
		{Name: "acme-api-runbook.1", Status: "ok", Finished: true, Updated: testNow},
	}}
	h := newHarnessOpts(t, eng, eng.waiting, opts, 80, 24)
	h.press("P", "enter")
	if h.m.state != statePast {
		t.Fatalf("state %v, want the read-only view:\n%s", h.m.state, h.screen())
	}
	golden(t, "past_run_80x24", h.screen())
	s := h.screen()
	for _, want := range []string{"✓ workspace", "↷ ticket", "2/8 · ", "workspace ready", "read-only — esc goes back"} {
		if !strings.Contains(s, want) {
			t.Fatalf("no %q in the read-only view:\n%s", want, s)
		}
	}
	h.press("enter", "r", "R", "s", "d", "n", "w", "e", "E", "t")
	if h.m.state != statePast || len(eng.runs) > 0 || h.m.dialog != nil {
		t.Fatalf("a key acted in the read-only view: state %v, runs %v", h.m.state, eng.runs)
	}
	h.press("esc")
	if h.m.state != stateMain || strings.Contains(h.screen(), "read-only") {
		t.Fatalf("esc did not go back:\n%s", h.screen())
	}
}
