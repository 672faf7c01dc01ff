package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFitMessage(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"fits as it is", 20, "fits as it is"},
		// the run name loses its middle; what to do stays whole
		{"deploy-production-eu-west-1.7 is finished (ok): runbook report --run deploy-production-eu-west-1.7", 70,
			"deplo…-west-1.7 is finished (ok): runbook report --run deplo…-west-1.7"},
		// short words only: the message loses its middle, more of its end kept
		{"one two three four five six seven eight nine ten eleven twelve", 30, "one two thr… ten eleven twelve"},
		{"abc", 0, ""},
	} {
		got := fitMessage(c.in, c.w)
		if got != c.want || ansi.StringWidth(got) > c.w {
			t.Errorf("fitMessage(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

// Long messages at 80 columns keep what they say to do: the long run
// names and paths lose their middle, never the message its end.
func TestLongStatusMessages80x24(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.m.say("deploy-production-eu-west-1.7 is finished (ok): runbook report --run deploy-production-eu-west-1.7")
	golden(t, "status_long_run_80x24", h.screen())
	if s := h.screen(); !strings.Contains(s, "runbook report --run deploy-") {
		t.Fatalf("what to do was cut:\n%s", s)
	}
	h.m.failf("state s3://team-runbooks-production/platform/deploy-production-eu-west-1 unreachable: no answer within 10s; the step did not start (run again to resume)")
	golden(t, "status_long_error_80x24", h.screen())
	if s := h.screen(); !strings.Contains(s, "(run again to resume)") {
		t.Fatalf("what to do was cut:\n%s", s)
	}
}
