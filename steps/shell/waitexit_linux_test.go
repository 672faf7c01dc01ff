package shell

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// procState is the state letter of pid in /proc (Z for a zombie).
func procState(t *testing.T, pid int) byte {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndexByte(b, ')')
	return b[i+2]
}

// TestWaitExitedThroughThePoller: waitExited returns once the main
// process has exited — waiting on its pidfd in the network poller, not in
// a blocking waitid — and leaves it a zombie for cmd.Wait to reap, with
// its exit status; also for a process that exited before the call.
func TestWaitExitedThroughThePoller(t *testing.T) {
	for _, tc := range []struct {
		script string
		before bool
		code   int
	}{
		{"sleep 0.2; exit 3", false, 3},
		{"exit 5", true, 5},
	} {
		cmd := exec.Command("sh", "-c", tc.script)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		if tc.before {
			deadline := time.Now().Add(10 * time.Second)
			for procState(t, pid) != 'Z' {
				if time.Now().After(deadline) {
					t.Fatal("the process did not exit")
				}
				time.Sleep(time.Millisecond)
			}
		} else if s := procState(t, pid); s == 'Z' {
			t.Fatal("exited before the wait began; the test proves nothing")
		}
		if !pollExited(pid) {
			t.Fatalf("%q: pidfd wait unavailable on this kernel", tc.script)
		}
		if s := procState(t, pid); s != 'Z' {
			t.Fatalf("%q: state %c after the wait, want a zombie", tc.script, s)
		}
		waitExited(cmd) // the same through the entry point: returns at once
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != tc.code {
			t.Fatalf("%q: Wait: %v, want exit %d", tc.script, err, tc.code)
		}
	}
}
