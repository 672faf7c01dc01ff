package journal

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Mirror copies a run's journal to a shared state (S3, runbook/state) as
// the Writer appends it. The local journal stays the first place an event
// goes: it is written (and synced, per Append) before the mirror sees it.
type Mirror interface {
	// Event is called with every event once it is written locally, with
	// its line as journaled (no newline). With durable set it returns only
	// once the event is stored remotely: a step never starts before its
	// step-started is in the shared state, so whoever resumes sees it at
	// least as interrupted. Otherwise the upload happens in the
	// background. An error stops the run (the event is only local); a
	// *LocalError says the engineer chose to go on locally.
	Event(e Event, line []byte, durable bool) error
	// Wait returns once every event up to seq is stored remotely: the
	// Writer calls it on every sync, so that nothing is shown that
	// another machine resuming the run would not see.
	Wait(seq int) error
	// Log is called when an attempt's log is complete (rel is relative to
	// the run directory), before the event that names it.
	Log(rel string)
	// Close uploads what is pending, within a bound, and releases the
	// shared run.
	Close() error
}

// LocalError is returned by Mirror.Event when the shared state is
// unreachable and the engineer chose to continue locally: the Writer
// journals that choice (a state-local event) and goes on.
type LocalError struct {
	Reason string // why the shared state was left
	Who    string // who chose
}

func (e *LocalError) Error() string { return "continuing locally: " + e.Reason }

// StateLocal is journaled when a run goes on locally because its shared
// state (S3) cannot be reached: its note says why, who chose, and that
// `runbook sync` pushes the events later.
const StateLocal Type = "state-local"

// TakenOver is journaled when an engineer takes over a run whose lock's
// lease expired (--take-over): its note names the previous holder.
const TakenOver Type = "taken-over"

// SetMirror makes every event appended from now on go to m too; Close
// closes it.
func (w *Writer) SetMirror(m Mirror) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mirror = m
}

// mirrorEvent hands an event to the mirror after it is written locally;
// w.mu held. Only a step's start waits for the shared state.
func (w *Writer) mirrorEvent(e Event, line []byte) error {
	if w.mirror == nil {
		return nil
	}
	return w.mirrorLocal(w.mirror.Event(e, line, e.Type == StepStarted))
}

// mirrorWait waits for the mirror to store every event so far; w.mu held.
func (w *Writer) mirrorWait() error {
	if w.mirror == nil {
		return nil
	}
	return w.mirrorLocal(w.mirror.Wait(w.seq))
}

// mirrorLocal journals the engineer's choice to go on locally when err
// is a *LocalError; w.mu held.
func (w *Writer) mirrorLocal(err error) error {
	var le *LocalError
	if !errors.As(err, &le) {
		return err
	}
	note := Event{Type: StateLocal, Who: le.Who,
		Note: fmt.Sprintf("the shared state is unreachable (%s): the run goes on locally; `runbook sync` pushes its events once it is back", le.Reason)}
	_, err = w.appendLocked(note, true)
	return err
}

// LocalPath is where a file of the run (rel, relative to the run
// directory) is on disk.
func (w *Writer) LocalPath(rel string) string { return filepath.Join(w.dir, rel) }
