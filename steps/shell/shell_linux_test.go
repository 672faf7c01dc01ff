package shell

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/steps"
)

func TestJobControlBackgroundJobIsKilled(t *testing.T) {
	// With job control on, a background job gets its own process group:
	// the group kill misses it, the session sweep does not.
	code := `set -m; sleep 100 & echo pgid=$$ job=$!`
	res, out := run(t, New(Options{}), code)
	if !res.OK() {
		t.Fatalf("result %+v output %q", res, out)
	}
	m := regexp.MustCompile(`job=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	job, _ := strconv.Atoi(m[1])
	b, err := os.ReadFile("/proc/" + m[1] + "/stat")
	if err == nil {
		if state, _, _, ok := parseStat(b); ok && state != 'Z' && state != 'X' {
			_ = syscall.Kill(job, syscall.SIGKILL)
			t.Fatalf("background job %d still running (state %c) after Run returned", job, state)
		}
	}
}

// TestRunnerKilledNoPTYStepGoesToo: a step run on pipes (line mode in CI)
// has a terminal of its own too, only as its controlling terminal, so that
// kill -9 of runbook hangs it up and SIGHUPs the step's group. Without it
// the step ran on, and the resumed run started it a second time beside it.
func TestRunnerKilledNoPTYStepGoesToo(t *testing.T) {
	if mode := os.Getenv("RUNBOOK_DEATH_HELPER_NOPTY"); mode != "" {
		e := New(Options{NoPTY: true})
		if mode == "spare" {
			// The killed step gets the terminal stocked while this one ran.
			e.Run(context.Background(), steps.Request{Step: shellStep("true"), Command: "true"})
		}
		code := `echo pgid=$$; sleep 100 & sleep 100`
		e.Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: os.Stdout})
		return
	}
	for _, mode := range []string{"fresh", "spare"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRunnerKilledNoPTYStepGoesToo$")
		cmd.Env = append(os.Environ(), "RUNBOOK_DEATH_HELPER_NOPTY="+mode)
		var out syncBuffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pgid := pgidFrom(t, &out)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		waitFor(t, mode+" terminal: the step's group to be gone", func() bool { return !groupAlive(pgid) })
	}
}

// TestNoPTYStepsShareNoTerminal: each NoPTY step of an executor gets a
// working terminal of its own (the one stocked while the previous step
// ran), never one a previous step had.
func TestNoPTYStepsShareNoTerminal(t *testing.T) {
	e := New(Options{NoPTY: true})
	prev := ""
	for i := range 4 {
		code := `echo to-tty >/dev/tty; readlink /proc/$$/fd/3`
		var out syncBuffer
		res := e.Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: &out, Timeout: 20 * time.Second})
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		slices.Sort(lines)
		if !res.OK() || len(lines) != 2 || lines[1] != "to-tty" || !strings.HasPrefix(lines[0], "/dev/pts/") {
			t.Fatalf("step %d: result %+v output %q", i, res, out.String())
		}
		// Terminal numbers are reused once closed, so only the previous
		// step's must differ: it was still open when this one was stocked.
		if lines[0] == prev {
			t.Fatalf("step %d got the previous step's terminal %s", i, prev)
		}
		prev = lines[0]
	}
}

// TestNoPTYTerminalReadsNothing: the NoPTY step's terminal gives nothing to
// read, at once (a prompt on /dev/tty fails instead of hanging until the
// timeout); what is written to it is part of the step's output; stdin and
// stdout are still not terminals.
func TestNoPTYTerminalReadsNothing(t *testing.T) {
	code := `[ -t 0 ] || echo in-not-tty; [ -t 1 ] || echo out-not-tty; echo to-tty >/dev/tty; sleep 0.1; if read -r x </dev/tty; then echo read; else echo eof; fi`
	var out syncBuffer
	res := New(Options{NoPTY: true}).Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: &out, Timeout: 20 * time.Second})
	// The pipe and the terminal are read apart: only the lines are certain,
	// not how they interleave.
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	slices.Sort(lines)
	if !res.OK() || res.TimedOut || strings.Join(lines, ",") != "eof,in-not-tty,out-not-tty,to-tty" {
		t.Fatalf("result %+v output %q", res, out.String())
	}
}
