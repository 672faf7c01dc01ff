package steps

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// A step that is not interactive runs on a terminal of its own that
// nobody types into. When its processes block reading that terminal (a
// password prompt, a question) the engine says so to its subscribers
// (Event.Wait), and a frontend may type into it (Input) or tell the
// engineer to stop it and mark the step interactive (docs/run-model.md,
// "A step waiting for input").

// WaitState is what an Event says about a running step's input.
type WaitState int

const (
	WaitNone     WaitState = iota // not about input
	WaitingInput                  // the step is blocked reading its terminal
	WaitOver                      // it no longer is (input came, or it ended)
)

// ErrNoInput is returned by Input when no step runs on a terminal runbook
// can type into (none runs, it is interactive, SQL, in line mode without
// a pty, or in the background).
var ErrNoInput = errors.New("no step is running on a terminal runbook can type into")

// stepInput is the running step's terminal input, while it runs.
type stepInput struct {
	mu      sync.Mutex
	step    string
	w       io.Writer
	waiting bool
}

// Input types p into the terminal of the running step id, as a person at
// that terminal would (a line ends with "\r"). Safe to call from any
// goroutine while the step runs.
func (e *Engine) Input(id string, p []byte) error {
	in := &e.input
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.w == nil || in.step != id {
		return fmt.Errorf("step %s: %w", id, ErrNoInput)
	}
	// A step that does not read lets its terminal's input fill up: give
	// up then rather than block the caller (a frontend's key handling).
	if d, ok := in.w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		_ = d.SetWriteDeadline(time.Now().Add(inputTimeout))
		defer d.SetWriteDeadline(time.Time{}) //nolint:errcheck // best effort
	}
	if _, err := in.w.Write(p); err != nil {
		return fmt.Errorf("step %s: input: %w", id, err)
	}
	return nil
}

// inputTimeout bounds a write of typed input into a step's terminal.
const inputTimeout = time.Second

// WaitingForInput is the step that is blocked reading its terminal now,
// if one is.
func (e *Engine) WaitingForInput() (string, bool) {
	in := &e.input
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.step, in.w != nil && in.waiting
}

// attachInput lets the attempt's executor hand over its terminal's input
// and report when the step waits on it; the returned func detaches it.
func (e *Engine) attachInput(req *Request, step string, attempt int) (detach func()) {
	in := &e.input
	req.Input = func(w io.Writer) {
		in.mu.Lock()
		in.step, in.w, in.waiting = step, w, false
		in.mu.Unlock()
	}
	req.Waiting = func(waiting bool) {
		in.mu.Lock()
		in.waiting = waiting
		in.mu.Unlock()
		s := WaitOver
		if waiting {
			s = WaitingInput
		}
		e.rec.waiting(step, attempt, s)
	}
	return func() {
		in.mu.Lock()
		in.step, in.w, in.waiting = "", nil, false
		in.mu.Unlock()
	}
}

// waiting tells subscribers that a step waits for input, or no longer
// does, in order with its output.
func (r *recorder) waiting(step string, attempt int, s WaitState) {
	r.lockEmit()
	defer r.emitMu.Unlock()
	r.bus.deliver(Event{Step: step, Attempt: attempt, Wait: s})
}
