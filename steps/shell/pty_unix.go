//go:build unix

package shell

import (
	"fmt"
	"os"
	"strings"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// The pseudo-terminal a step's output goes through (not with NoPTY).

// openStepPty opens a step's pseudo-terminal at its size: the master
// pollable (r), the terminal (w).
func openStepPty(cols, rows uint16) (r, w *os.File, err error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open pseudo-terminal: %w", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		ptmx.Close()
		tty.Close()
		return nil, nil, fmt.Errorf("size pseudo-terminal: %w", err)
	}
	if r, err = pollable(ptmx); err != nil {
		tty.Close()
		return nil, nil, err
	}
	return r, tty, nil
}

// pollable returns the pty master as a non-blocking file registered with
// the runtime poller, so that reads can be given a deadline. (creack/pty
// opens it blocking.)
func pollable(ptmx *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(ptmx.Fd()))
	ptmx.Close()
	if err != nil {
		return nil, fmt.Errorf("dup pseudo-terminal: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pseudo-terminal: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}

// withDefaultTerm adds TERM when the environment has none: the step runs in
// a terminal, and programs only colour their output when they know its type.
func withDefaultTerm(env []string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "TERM=") {
			return env
		}
	}
	return append(env[:len(env):len(env)], "TERM=xterm-256color")
}
