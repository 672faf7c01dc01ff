//go:build unix

package shell

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNoPTYOutputWholeAndInOrder: a flood bigger than the pipe and the
// read buffer, then output that trickles, arrive byte for byte.
func TestNoPTYOutputWholeAndInOrder(t *testing.T) {
	res, out := run(t, New(Options{NoPTY: true}), "seq 1 400000; for i in 1 2 3; do sleep 0.01; echo tick $i; done")
	if !res.OK() {
		t.Fatalf("result %+v", res)
	}
	var want strings.Builder
	for i := 1; i <= 400000; i++ {
		fmt.Fprintf(&want, "%d\n", i)
	}
	want.WriteString("tick 1\ntick 2\ntick 3\n")
	if out != want.String() {
		t.Fatalf("output differs: %d bytes, want %d", len(out), want.Len())
	}
}

// TestNoPTYEscapedProcessDoesNotBlockRun: a process that left the session
// holds the step's pipe; Run stops reading it after DrainTimeout.
func TestNoPTYEscapedProcessDoesNotBlockRun(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	if _, err := exec.LookPath("ps"); err != nil {
		t.Skip("no ps")
	}
	// The step waits until sleep has left its session, else the group
	// kill at its end would take it too.
	code := `setsid sleep 30 & echo esc=$!; while [ "$(ps -o sid= -p $! | tr -d ' ')" != "$!" ]; do sleep 0.01; done`
	res, out := run(t, New(Options{NoPTY: true, DrainTimeout: 200 * time.Millisecond}), code)
	if m := regexp.MustCompile(`esc=(\d+)`).FindStringSubmatch(out); m != nil {
		pid, _ := strconv.Atoi(m[1])
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	// Run waited for the pipe, then gave up: DrainTimeout, not 30 s.
	if !res.OK() || res.Duration < 200*time.Millisecond || res.Duration > 5*time.Second || !strings.HasPrefix(out, "esc=") {
		t.Fatalf("result %+v, output %q", res, out)
	}
}
