package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/steps"
)

// A step waiting for input is said in the status bar and the output
// pane; i types into it (enter, backspace and ctrl+d as a terminal sends
// them), nothing typed is shown by runbook, esc leaves.
func TestStepWaitingForInput(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.block["fetch-deps"] = true
	h.eng.output["fetch-deps"] = []string{"Password: "}
	h.selectItem("fetch-deps")
	h.press("enter")
	h.eng.wait("fetch-deps", 1, steps.WaitingInput)
	h.settle()
	golden(t, "waiting_input_80x24", h.screen())
	s := h.screen()
	if !strings.Contains(s, "fetch-deps is waiting for input — press i to type into it") || !strings.Contains(s, "Output · ⏸ waiting for input — press i") {
		t.Fatalf("the wait is not said:\n%s", s)
	}
	h.press("i")
	h.typeText("s3crex")
	h.press("backspace")
	h.typeText("t")
	h.press("enter")
	h.send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	h.settle()
	h.typeText("q") // typed, not a command: no quit dialog
	if h.m.state != stateMain {
		t.Fatalf("a key typed into the step acted as a command (state %v)", h.m.state)
	}
	golden(t, "typing_input_80x24", h.screen())
	if got := string(h.eng.typed["fetch-deps"]); got != "s3crex\x7ft\r\x04q" {
		t.Fatalf("typed %q", got)
	}
	if strings.Contains(h.screen(), "s3cre") {
		t.Fatalf("runbook echoed what was typed:\n%s", h.screen())
	}
	h.press("esc")
	if h.m.in.typing != "" || !strings.Contains(h.screen(), "press i to type into it") {
		t.Fatalf("esc did not leave input mode:\n%s", h.screen())
	}
	h.eng.wait("fetch-deps", 1, steps.WaitOver)
	h.settle()
	if strings.Contains(h.screen(), "waiting for input") {
		t.Fatalf("the wait is still shown after it ended:\n%s", h.screen())
	}
	h.press("ctrl+c")
	if h.m.running != "" {
		t.Fatal("ctrl+c did not stop the step")
	}
}
