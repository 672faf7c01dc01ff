package tui

import (
	"fmt"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
)

func TestScreenMain(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h := newHarness(t, sz[0], sz[1])
			golden(t, fmt.Sprintf("main_%dx%d", sz[0], sz[1]), h.screen())
		})
	}
}

func TestRunStepAsksPlaceholdersThenStreamsOutput(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.output["workspace"] = []string{"creating dirs\r\n", "workspace for account 123456789012 ready: /tmp/demo/acme-staging\r\n"}
	h.selectItem("workspace")
	golden(t, "step_selected_80x24", h.screen())
	h.press("enter")
	if h.m.state != stateDialog {
		t.Fatalf("state = %v, want the placeholder dialog", h.m.state)
	}
	golden(t, "placeholders_80x24", h.screen())
	// env has a default; account-id must match 12 digits.
	h.press("enter") // accept env=staging
	h.typeText("12345")
	h.press("enter")
	if h.m.state != stateDialog {
		t.Fatalf("a bad account id was accepted")
	}
	h.typeText("6789012")
	h.press("enter")
	if h.m.state != stateMain {
		t.Fatalf("state = %v after filling placeholders, want main\n%s", h.m.state, h.screen())
	}
	if got := h.eng.vars["account-id"]; got != "123456789012" {
		t.Fatalf("account-id = %q", got)
	}
	if got := h.eng.runs; len(got) != 1 || got[0] != "workspace" {
		t.Fatalf("runs = %v, want [workspace]", got)
	}
	golden(t, "step_done_80x24", h.screen())
}

func TestQuestionAccept(t *testing.T) {
	h := newHarness(t, 80, 24)
	q := h.m.doc.Questions[1]
	h.selectItem(q.ID)
	h.press("enter")
	golden(t, "question_80x24", h.screen())
	h.press("enter")
	if a := h.eng.State().Answers[q.ID]; a.Value != q.Suggested {
		t.Fatalf("answer = %+v, want the suggestion %q", a, q.Suggested)
	}
	h.press("w")
	if h.m.state != stateDiff {
		t.Fatalf("state = %v, want the diff", h.m.state)
	}
	golden(t, "writeback_diff_80x24", h.screen())
	h.press("y")
	if a := h.eng.State().Answers[q.ID]; !a.Written {
		t.Fatalf("answer not written back: %+v", a)
	}
}

func TestQuestionTypeAnswer(t *testing.T) {
	h := newHarness(t, 80, 24)
	q := h.m.doc.Questions[0]
	h.selectItem(q.ID)
	h.press("enter", "down", "enter")
	h.typeText(" + SRE")
	h.press("enter")
	want := q.Suggested + " + SRE"
	if a := h.eng.State().Answers[q.ID]; a.Value != want {
		t.Fatalf("answer = %q, want %q\n%s", a.Value, want, h.screen())
	}
}

func TestFailThenRetry(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.vars["env"] = "staging"
	h.eng.results["deploy"] = []journal.Status{journal.Failed, journal.OK}
	h.eng.output["deploy"] = []string{"error: release cache is cold (warming it up now); retry this step\r\n"}
	h.selectItem("deploy")
	h.press("enter")
	golden(t, "confirm_80x24", h.screen())
	h.press("y")
	if st := h.eng.StepStatus("deploy"); st != journal.Failed {
		t.Fatalf("status = %v, want failed", st)
	}
	golden(t, "step_failed_80x24", h.screen())
	h.press("t", "y")
	if st := h.eng.StepStatus("deploy"); st != journal.OK {
		t.Fatalf("status after retry = %v, want ok", st)
	}
}

func TestFullHelp(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.press("?")
	golden(t, "help_80x24", h.screen())
}
