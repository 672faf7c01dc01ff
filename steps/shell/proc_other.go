//go:build unix && !linux

package shell

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// lifeline is Linux only: elsewhere a NoPTY step has no terminal, and
// outlives runbook if runbook is killed.
func lifeline() (ptmx, tty *os.File) { return nil, nil }

// waitExited waits for the main process. Without waitid(WNOWAIT) it has to
// reap it; cmd.Wait afterwards still returns its ProcessState.
func waitExited(cmd *exec.Cmd) { _ = cmd.Wait() }

// groupAlive reports whether any process is left in the group.
func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) != syscall.ESRCH }

// killSession is not available without /proc: only the group is killed.
func killSession(sid int, timeout time.Duration) error { return nil }

// growPipe is Linux only: elsewhere a pipe keeps the system's size.
func growPipe(fd, size int) {}

// cloexecPipe is a pipe both of whose ends are close-on-exec, set under
// the fork lock so that no step started meanwhile inherits them (there is
// no pipe2 on macOS).
func cloexecPipe() (p [2]int, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err = syscall.Pipe(p[:]); err != nil {
		return p, err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	return p, nil
}
