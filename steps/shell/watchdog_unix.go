//go:build unix

package shell

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// A background step runs while later steps run, for as long as the run
// does, and must never outlive runbook. Its terminal (or, with NoPTY, its
// lifeline terminal) is hung up by the kernel when runbook dies, which
// SIGHUPs its group; a process that ignores SIGHUP (nohup, a daemon)
// would survive that. So a background step also gets a watchdog: a tiny
// shell in a session of its own, blind to hang-ups and Ctrl-C, blocked
// reading a pipe whose only writer is runbook. When runbook dies, even by
// kill -9, the pipe's end is closed, the read returns, and the watchdog
// SIGKILLs the step's whole process group. When the step ends normally
// runbook kills the watchdog first, so it never signals a group id the
// system may have reused.

// watchdog is a background step's watchdog.
type watchdog struct {
	cmd *exec.Cmd
	w   *os.File
}

// startWatchdog starts the watchdog of process group pgid; nil when it
// cannot (the step still has the terminal's hang-up).
func startWatchdog(pgid int) *watchdog {
	r, w, err := os.Pipe()
	if err != nil {
		return nil
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", `trap '' HUP INT QUIT; read _ ; kill -KILL -- "-$1" 2>/dev/null`, "runbook-watchdog", strconv.Itoa(pgid))
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil
	}
	return &watchdog{cmd: cmd, w: w}
}

// stop ends the watchdog before the pipe closes, so it signals nothing.
func (d *watchdog) stop() {
	if d == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
	d.w.Close()
}
