package steps_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// A background step that fails at once, or never becomes ready, fails:
// it is not left running.
func TestBackgroundStepThatFails(t *testing.T) {
	r := newRig(t, "# BG\n\n```bash {name=dies background}\nexit 4\n```\n\n```bash {name=never background ready-if=false ready-after=300ms}\nsleep 300\n```\n")
	e := r.open()
	defer e.Close()
	s := steps.NewSession(e, steps.Policy{Yes: true})
	s.RunAll(steps.Selection{Only: []string{"dies"}})
	out, _ := drive(t, e, s, nil)
	if out.Stopped == nil || e.StepStatus("dies") != journal.Failed {
		t.Errorf("dies: %s, outcome %+v", e.StepStatus("dies"), out)
	}
	s.RunAll(steps.Selection{Only: []string{"never"}})
	if out, _ = drive(t, e, s, nil); out.Stopped == nil {
		t.Errorf("never: the flow went on: %+v", out)
	}
	st := e.State().Steps["never"]
	if e.StepStatus("never") != journal.Failed || !strings.Contains(st.Attempts[0].Error, "not ready after 300ms") || e.BackgroundRunning("never") {
		t.Errorf("never: %s %+v", e.StepStatus("never"), st.Attempts)
	}
}

// A background step that fails while later steps run (a port-forward that
// dies) is dealt with before the next step, as a failed step is: with
// nobody to answer, the flow stops at it and the run exits 1; asked, the
// engineer can skip it (or run it again) and the run goes on.
func TestBackgroundStepFailingLater(t *testing.T) {
	const doc = "# BG\n\n```bash {name=srv background ready-if=\"test -f up\"}\ntouch up; until [ -f go ]; do sleep 0.02; done; exit 3\n```\n\n" +
		"```bash {name=next}\ntouch go; until grep -q '\"step\":\"srv\".*\"status\":\"failed\"' state/*/journal.jsonl; do sleep 0.02; done; sleep 0.1; echo next\n```\n\n" +
		"```bash {name=third}\necho third\n```\n"
	t.Run("nobody to answer", func(t *testing.T) {
		e := newRig(t, doc).open()
		defer e.Close()
		out, printed := runAllYes(t, e)
		if out.Stopped == nil || out.Stopped.ID != "srv" || out.Status != journal.Failed || out.ExitCode() != 1 {
			t.Fatalf("outcome %+v", out)
		}
		if e.StepStatus("next") != journal.OK || e.StepStatus("third") != journal.Pending || printed["third"] != "" {
			t.Fatalf("next %s, third %s %q", e.StepStatus("next"), e.StepStatus("third"), printed["third"])
		}
		if !strings.Contains(out.Reason, "background step srv failed") {
			t.Fatalf("reason %q", out.Reason)
		}
	})
	t.Run("asked", func(t *testing.T) {
		e := newRig(t, doc).open()
		defer e.Close()
		s := steps.NewSession(e, steps.Policy{Ask: true, Yes: true})
		if err := s.RunAll(steps.Selection{}); err != nil {
			t.Fatal(err)
		}
		var asked []string
		out, printed := drive(t, e, s, func(a steps.Action) steps.Choice {
			asked = append(asked, a.Kind.String()+" "+a.Step.ID)
			return steps.Choice{Kind: steps.ChooseSkip, Note: "not needed after all"}
		})
		if !slices.Equal(asked, []string{"failed srv"}) || out.ExitCode() != 0 || printed["third"] != "third\n" {
			t.Fatalf("asked %v, outcome %+v, third printed %q", asked, out, printed["third"])
		}
		if e.StepStatus("srv") != journal.Skipped {
			t.Fatalf("srv %s", e.StepStatus("srv"))
		}
	})
}
