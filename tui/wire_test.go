package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// The root model with the components of wire.go: the values view, the
// background tab and the summary reached by keys, as whole screens (help
// bar included), at both sizes and under LANG=C; NO_COLOR throughout.

func wiredHarness(t *testing.T, opts Options, w, h int) (*harness, *fakeEngine) {
	t.Helper()
	eng := newFakeEngine(demoDoc())
	eng.session = sessionFixture()
	eng.background = []steps.BackgroundStep{{ID: "fetch-deps", Attempt: 1, Pid: 4242, Started: testNow.Add(-90 * time.Second)}}
	opts.NoColor = true
	return newHarnessOpts(t, eng, eng.waiting, opts, w, h), eng
}

func TestWiredViewsGolden(t *testing.T) {
	for _, v := range []struct {
		name  string
		ascii bool
		w, h  int
	}{{"80x24", false, 80, 24}, {"120x40", false, 120, 40}, {"ascii_80x24", true, 80, 24}} {
		t.Run(v.name, func(t *testing.T) {
			h, _ := wiredHarness(t, Options{ASCII: v.ascii}, v.w, v.h)
			for _, s := range []struct {
				key   string
				state viewState
			}{{"v", stateValues}, {"b", stateBackground}, {"S", stateSummary}} {
				h.press(s.key)
				if h.m.state != s.state {
					t.Fatalf("%s: state %v, want %v", s.key, h.m.state, s.state)
				}
				raw := h.m.Render()
				if v.ascii {
					if i := strings.IndexFunc(raw, func(r rune) bool { return r > unicode.MaxASCII }); i >= 0 {
						t.Fatalf("non-ASCII in the %v screen under LANG=C:\n%s", s.state, raw)
					}
				}
				golden(t, fmt.Sprintf("root_%s_%s", s.state, v.name), h.screen())
				h.press("esc")
				if h.m.state != stateMain {
					t.Fatalf("esc from %v: state %v", s.state, h.m.state)
				}
			}
		})
	}
}

// A value the session lacks is typed in the values view and given to the
// engine; a background step is stopped from its tab.
func TestWiredValuesAndBackgroundReachTheEngine(t *testing.T) {
	h, eng := wiredHarness(t, Options{}, 100, 30)
	h.press("v", "j", "enter") // API_TOKEN, DB_PASS (the fake has no outputs)
	if !h.m.values.Editing() {
		h.t.Fatalf("not typing; screen:\n%s", h.screen())
	}
	h.typeText("pw-typed")
	if strings.Contains(h.screen(), "pw-typed") {
		t.Fatal("a secret is echoed while typed")
	}
	h.press("q") // typed, not a command
	h.press("enter")
	if eng.given["DB_PASS"] != "pw-typedq" || !strings.Contains(h.screen(), "DB_PASS set for this run") {
		t.Fatalf("given %v; screen:\n%s", eng.given, h.screen())
	}
	h.press("esc", "b", "x")
	if !slices.Equal(eng.stopped, []string{"fetch-deps"}) {
		t.Fatalf("stopped %v", eng.stopped)
	}
}

// y copies the selected step's command as previewed (secrets masked)
// through OSC 52; shift+tab moves the focus back.
func TestWiredCopyAndFocusBack(t *testing.T) {
	h, eng := wiredHarness(t, Options{}, 100, 30)
	eng.vars["env"], eng.vars["account-id"] = "staging", "123456789012"
	h.selectItem("workspace")
	p, ok := h.m.detail.Preview("workspace")
	if !ok || p.command == "" {
		t.Fatal("no preview")
	}
	h.press("y")
	if want := fmt.Sprintf("copied command (%d bytes, OSC 52)", len(p.command)); h.m.status.Message() != want {
		t.Fatalf("status %q, want %q", h.m.status.Message(), want)
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if h.m.focus != focusOutput {
		t.Fatalf("shift+tab from the checklist: focus %v", h.m.focus)
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if h.m.focus != focusDetail {
		t.Fatalf("shift+tab again: focus %v", h.m.focus)
	}
}

// The wheel scrolls the pane under the pointer; a click selects a
// checklist row (the status bar is row 0, the border row 1).
func TestWiredMouse(t *testing.T) {
	h, _ := wiredHarness(t, Options{}, 100, 30)
	for i := range 60 {
		fmt.Fprintf(writerFunc(h.m.output.Write), "line %d\n", i)
	}
	l := h.m.layout()
	h.send(tea.MouseWheelMsg{X: l.Output.X + 5, Y: l.Output.Y + 2, Button: tea.MouseWheelUp})
	if h.m.output.Following() {
		t.Fatal("the wheel over the output did not scroll it")
	}
	h.send(tea.MouseClickMsg{X: 5, Y: l.Checklist.Y + 1 + 2, Button: tea.MouseLeft})
	it, _ := h.m.checklist.Selected()
	if it != h.m.checklist.items[h.m.checklist.visible[2]] || h.m.focus != focusChecklist {
		t.Fatalf("the click selected %+v", it)
	}
	if l.Checklist.Y != 1 {
		t.Fatalf("layout starts at row %d, below the status bar is 1", l.Checklist.Y)
	}
}

// A step's named outputs are confirmed in the values view: one edited,
// the secret one kept as the step wrote it, both taken.
func TestWiredOutputsConfirmed(t *testing.T) {
	h, eng := wiredHarness(t, Options{}, 80, 24)
	eng.vars["env"], eng.vars["account-id"] = "staging", "123456789012"
	eng.offers = map[string][]steps.OutputOffer{"workspace": {
		{Name: "endpoint", Shown: "db-1.internal", Step: "workspace", Attempt: 1},
		{Name: "secrets-arn", Shown: steps.Mask, Secret: true, Step: "workspace", Attempt: 1},
	}}
	h.selectItem("workspace")
	h.press("enter")
	if h.m.state != stateValues || h.m.confirming != "workspace" {
		t.Fatalf("state %v confirming %q; screen:\n%s", h.m.state, h.m.confirming, h.screen())
	}
	golden(t, "root_outputs_80x24", h.screen())
	h.press("enter")
	h.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}) // clear the field
	h.typeText("db-2.internal")
	h.press("enter", "a")
	want := map[string]string{"endpoint": "db-2.internal", "secrets-arn": ""}
	if got := eng.taken["workspace"]; fmt.Sprint(got) != fmt.Sprint(want) || h.m.state != stateMain {
		t.Fatalf("taken %v (want %v), state %v", got, want, h.m.state)
	}
}

// esc on outputs being confirmed takes none and stops the flow.
func TestWiredOutputsLeftStopTheFlow(t *testing.T) {
	h, eng := wiredHarness(t, Options{}, 80, 24)
	eng.vars["env"], eng.vars["account-id"] = "staging", "123456789012"
	eng.offers = map[string][]steps.OutputOffer{"workspace": {{Name: "endpoint", Shown: "db-1.internal", Step: "workspace", Attempt: 1}}}
	h.selectItem("workspace")
	h.press("enter")
	if h.m.state != stateValues {
		t.Fatalf("outputs not offered: state %v", h.m.state)
	}
	h.press("esc")
	if eng.taken != nil || h.m.state != stateMain || h.m.confirming != "" {
		t.Fatalf("taken %v, state %v; screen:\n%s", eng.taken, h.m.state, h.screen())
	}
}

// A resumed run lacking a session value asks: run its step again, type
// it, or go on; typed, it reaches the session and the step runs.
func TestWiredSessionValuesAsked(t *testing.T) {
	h, eng := wiredHarness(t, Options{}, 80, 24)
	eng.vars["env"], eng.vars["account-id"] = "staging", "123456789012"
	eng.lacking = []steps.MissingValue{{Name: "API_TOKEN", Step: "login", Secret: true}}
	h.selectItem("workspace")
	h.press("enter")
	golden(t, "root_session_values_80x24", h.screen())
	h.press("down", "enter")
	h.typeText("tok-typed")
	if strings.Contains(h.screen(), "tok-typed") {
		t.Fatalf("the secret is echoed:\n%s", h.screen())
	}
	h.press("enter")
	if eng.given["API_TOKEN"] != "tok-typed" || !slices.Contains(eng.runs, "workspace") {
		t.Fatalf("given %v, runs %v; screen:\n%s", eng.given, eng.runs, h.screen())
	}
}

// q quits from the values view and the background tab too (the summary
// has its own q); while a value is typed it is a letter.
func TestWiredQuitFromViews(t *testing.T) {
	for _, k := range []string{"v", "b"} {
		h, _ := wiredHarness(t, Options{}, 80, 24)
		h.press(k)
		if _, cmd := h.m.Update(keyMsg("q")); cmd == nil || h.m.state != stateMain {
			t.Fatalf("%s then q: state %v, no quit", k, h.m.state)
		}
	}
}

// Once the run is complete the help bar offers S, and still fits 80
// columns whole (the least useful entries go first).
func TestHelpBarFitsWithSummary(t *testing.T) {
	eng := newFakeEngine(demoDoc())
	h := newHarnessWith(t, eng, 80, 24)
	h.m.snap.view.Complete = true
	for _, f := range []focusPane{focusChecklist, focusDetail, focusOutput} {
		h.m.setFocus(f)
		bar := strings.TrimSpace(plain(h.m.helpView()))
		if !strings.HasSuffix(bar, "? help • q quit") || strings.Contains(bar, "…") || len([]rune(bar)) > 80 {
			t.Errorf("focus %v: help bar %q", f, bar)
		}
		if f == focusChecklist && !strings.Contains(bar, "S summary") {
			t.Errorf("no S on a complete run: %q", bar)
		}
	}
}

// The status bar's clock is the run's: zero until the run's first event
// (values being typed create it), then counting from the run's start, so
// it never jumps back when the run is created.
func TestStatusClockIsTheRuns(t *testing.T) {
	eng := newFakeEngine(demoDoc())
	eng.events = nil // no run yet
	hs := newHarnessWith(t, eng, 100, 30)
	now := testNow
	hs.m.common.Now = func() time.Time { return now }
	now = now.Add(90 * time.Second)
	hs.exec(hs.m.refresh())
	hs.settle()
	if in := hs.m.statusInfo(); in.elapsed != 0 {
		t.Fatalf("before the run exists the clock shows %v, want 0", in.elapsed)
	}
	eng.now = now.Add(-time.Second) // the run's first event at now
	eng.journal(journal.Event{Type: journal.RunStarted, Run: "acme-api-runbook", Doc: eng.doc.Path, Who: "alice"})
	hs.exec(hs.m.refresh())
	hs.settle()
	now = now.Add(5 * time.Second)
	if in := hs.m.statusInfo(); in.elapsed != 5*time.Second {
		t.Fatalf("5 s into the run the clock shows %v", in.elapsed)
	}
	if !strings.Contains(hs.screen(), "00:00:05") {
		t.Fatalf("status bar lacks the run's 00:00:05:\n%s", hs.screen())
	}
}
