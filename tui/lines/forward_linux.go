package lines

import (
	"context"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/runbook-sh/runbook/steps"
)

// forwarder types what the engineer types on runbook's terminal into the
// running step's terminal while the step waits for input (Event.Wait), so
// that a prompt of a step that is not interactive can be answered in line
// mode. Runbook's terminal is then in character mode without echo: the
// step's terminal echoes, or not (a password prompt), as a terminal of
// its own would. Ctrl-C still interrupts the run.
type forwarder struct {
	e   *steps.Engine
	tty *os.File

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

func newForwarder(e *steps.Engine, tty *os.File) *forwarder {
	if tty == nil {
		return nil
	}
	return &forwarder{e: e, tty: tty}
}

// handle starts forwarding when the step waits, stops when it no longer
// does. A subscriber: it never blocks on the terminal.
func (f *forwarder) handle(ev steps.Event) {
	switch {
	case ev.Journal == nil && ev.Wait == steps.WaitingInput:
		f.start(ev.Step)
	case ev.Journal == nil && ev.Wait == steps.WaitOver:
		// at once (the forwarding goroutine returns as soon as it is
		// cancelled): a wait that starts again must not be cancelled late
		f.stop()
	}
}

func (f *forwarder) start(step string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancel != nil {
		return
	}
	fd := int(f.tty.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return
	}
	raw := *old
	raw.Lflag &^= unix.ECHO | unix.ICANON
	raw.Lflag |= unix.ISIG
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	if unix.IoctlSetTermios(fd, unix.TCSETS, &raw) != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.cancel, f.done = cancel, done
	go func() {
		defer close(done)
		defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck // best effort: the terminal as it was
		buf := make([]byte, 256)
		for WaitInput(ctx, f.tty) == nil {
			n, err := unix.Read(fd, buf)
			if err != nil || n == 0 {
				return
			}
			if f.e.Input(step, buf[:n]) != nil {
				return
			}
		}
	}()
}

// stop ends forwarding and gives the terminal back as it was.
func (f *forwarder) stop() {
	if f == nil {
		return
	}
	f.mu.Lock()
	cancel, done := f.cancel, f.done
	f.cancel, f.done = nil, nil
	f.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
