//go:build unix

package lines

import (
	"context"
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// WaitInput blocks until f (a terminal) has input to read, or ctx ends.
// A read(2) of a terminal cannot be cancelled: without this, Ctrl-C at a
// prompt (SIGINT, caught to stop the run) left runbook blocked in the
// read until the engineer pressed Enter. The read itself is not started
// before there is input, so nothing typed for a later interactive step
// is taken from it.
func WaitInput(ctx context.Context, f *os.File) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	var p [2]int
	// ForkLock: a step started meanwhile must not inherit the pipe (no
	// pipe2 everywhere; the standard library does the same).
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return err
	}
	defer unix.Close(p[0])
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			unix.Write(p[1], []byte{0}) //nolint:errcheck // wakes the poll; nothing to do on failure
		case <-done:
		}
		unix.Close(p[1])
	}()
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}, {Fd: int32(p[0]), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if fds[1].Revents != 0 {
			return context.Cause(ctx)
		}
		if fds[0].Revents != 0 {
			return nil // input, or a hang-up the read will report
		}
	}
}
