package steps

import (
	"slices"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Event is what subscribers receive, in order.
type Event struct {
	// Journal is set for a persisted event: it is already on disk (fsynced).
	Journal *journal.Event
	// For output: a masked chunk of a running step's output (not journaled;
	// already written to the attempt's log file when delivered). Output is
	// only valid during the subscriber's call: the engine reuses its
	// buffer, so a subscriber that keeps it copies it.
	Step    string
	Attempt int
	Output  []byte
	// Wait, when set, says that the running step Step waits for input on
	// its terminal, or no longer does (input.go); Output is then empty.
	Wait WaitState
}

// recorder journals a run's events and shows them to subscribers. Every
// event is on disk (synced) before any subscriber sees it or it enters the
// state, and subscribers see events and output in the order they happened.
//
// The journal is opened by the first event recorded (begin), not before:
// opening a run has no side effects, so a run refused for a missing value
// leaves nothing behind.
type recorder struct {
	now func() time.Time
	// begin opens the journal and returns the events that begin this
	// process's part of the run (run-started or run-resumed, the steps
	// that were running when runbook died, --set answers) and the state
	// they apply to, if the journal changed since it was read.
	begin func() (*journal.Writer, *journal.State, []journal.Event, error)
	// reopen is the run-resumed event put before a step event when the run
	// was finished: a finished run that goes on is open again.
	reopen func() journal.Event

	mu      sync.Mutex // guards state, preview, started (and w, see below)
	state   *journal.State
	preview []journal.Event // what begin will record, shown in State until it does
	started bool

	// emitMu lets one emitter at a time write and show, so that events
	// and output reach subscribers in order. Take it with lockEmit.
	emitMu sync.Mutex
	w      *journal.Writer // set once by begin, under emitMu and mu
	held   []journal.Event // written, not yet synced nor shown
	// gate is set while an overlapped sync (recordOverlapped) holds events
	// back; it is closed once they are shown. Emitters wait for it, so
	// nothing is shown before them.
	gate chan struct{}

	bus bus
}

func newRecorder(st *journal.State, now func() time.Time) *recorder {
	return &recorder{state: st, now: now}
}

// lockEmit takes emitMu once no overlapped sync holds events back.
func (r *recorder) lockEmit() {
	for {
		r.emitMu.Lock()
		g := r.gate
		if g == nil {
			return
		}
		r.emitMu.Unlock()
		<-g
	}
}

// ensureBegun opens the journal on the first event; emitMu held. The
// begin events are written (not synced) and held: the caller's own event
// syncs and shows them with it.
func (r *recorder) ensureBegun() error {
	if r.w != nil {
		return nil
	}
	w, st, evs, err := r.begin()
	if err != nil {
		return err
	}
	w.SetClock(r.now)
	r.mu.Lock()
	r.w = w // under both locks: read under either
	if st != nil {
		r.state = st
	}
	r.preview, r.started = nil, true
	r.mu.Unlock()
	for _, ev := range evs {
		ev, err := r.write(ev, false)
		if err != nil {
			return err
		}
		r.held = append(r.held, ev)
	}
	return nil
}

// reopens lists the events that change a step: recorded in a finished
// run, they reopen it.
func reopens(t journal.Type) bool {
	switch t {
	case journal.StepStarted, journal.StepFinished, journal.StepSkipped, journal.StepMarked,
		journal.StepAccepted, journal.StepEdited:
		return true
	}
	return false
}

// append writes ev after the begin events and, in a finished run, a
// run-resumed; emitMu held. The events written are held until shown.
func (r *recorder) append(ev journal.Event, sync bool) (journal.Event, error) {
	if err := r.ensureBegun(); err != nil {
		return ev, err
	}
	r.mu.Lock()
	finished := r.state.Finished
	r.mu.Unlock()
	if finished && reopens(ev.Type) && r.reopen != nil && !heldReopen(r.held) {
		re, err := r.write(r.reopen(), false)
		if err != nil {
			return ev, err
		}
		r.held = append(r.held, re)
	}
	ev, err := r.write(ev, sync)
	if err != nil {
		return ev, err
	}
	r.held = append(r.held, ev)
	return ev, nil
}

func heldReopen(held []journal.Event) bool {
	return slices.ContainsFunc(held, func(e journal.Event) bool { return e.Type == journal.RunResumed })
}

func (r *recorder) write(ev journal.Event, sync bool) (journal.Event, error) {
	if ev.Time.IsZero() {
		ev.Time = r.now()
	}
	if sync {
		return r.w.Append(ev)
	}
	return r.w.AppendUnsynced(ev)
}

// record journals an event (written and synced), folds it into the state,
// then shows it to subscribers: nothing is shown that is not on disk.
// Events held by recordHeld are synced with it and shown first.
func (r *recorder) record(ev journal.Event) (journal.Event, error) {
	r.lockEmit()
	defer r.emitMu.Unlock()
	ev, err := r.append(ev, true)
	if err != nil {
		return ev, err
	}
	r.showHeld()
	return ev, nil
}

// recordHeld writes an event without syncing it and holds it back: it is
// shown (and enters the state) with the next recorded event, or at flush.
// A step's end and the next step's start then cost one disk sync.
func (r *recorder) recordHeld(ev journal.Event) (journal.Event, error) {
	r.lockEmit()
	defer r.emitMu.Unlock()
	return r.append(ev, false)
}

// recordHeldIf holds back the event next gives for the state as it will
// be once the held events are shown, if it gives one — the decision and
// the write under one emitter lock, so that nothing comes between. It
// does nothing when no event is held: the caller's ordinary path applies.
func (r *recorder) recordHeldIf(next func(st *journal.State) (journal.Event, bool)) error {
	r.lockEmit()
	defer r.emitMu.Unlock()
	if r.w == nil || len(r.held) == 0 {
		return nil
	}
	r.mu.Lock()
	st := r.state.Clone()
	r.mu.Unlock()
	for _, ev := range r.held {
		st.Apply(ev)
	}
	ev, ok := next(st)
	if !ok {
		return nil
	}
	_, err := r.append(ev, false)
	return err
}

// recordOverlapped writes ev after the held events and syncs them all in
// the background, showing them once the sync is done. Until then the gate
// keeps every other emitter waiting, so nothing — a step's output above
// all — is shown before them. The caller starts the step's process
// meanwhile, overlapping the sync with the process start-up: the event is
// already written, so a kill -9 of runbook cannot lose it, and nothing is
// shown that is not on disk. The returned channel gives the sync's outcome.
func (r *recorder) recordOverlapped(ev journal.Event) (<-chan error, error) {
	r.lockEmit()
	if _, err := r.append(ev, false); err != nil {
		r.emitMu.Unlock()
		return nil, err
	}
	held := r.held
	r.held = nil
	gate := make(chan struct{})
	r.gate = gate
	w := r.w
	r.emitMu.Unlock()
	synced := make(chan error, 1)
	go func() {
		err := w.Sync()
		r.emitMu.Lock()
		if err == nil {
			r.show(held...)
		}
		r.gate = nil
		r.emitMu.Unlock()
		close(gate)
		synced <- err
	}()
	return synced, nil
}

// flush syncs and shows the held events.
func (r *recorder) flush() error {
	r.lockEmit()
	defer r.emitMu.Unlock()
	if len(r.held) == 0 {
		return nil
	}
	if err := r.w.Sync(); err != nil {
		return err
	}
	r.showHeld()
	return nil
}

// showHeld shows the held events, all synced by now; emitMu held.
func (r *recorder) showHeld() {
	held := r.held
	r.held = nil
	r.show(held...)
}

// show folds synced events into the state and delivers them; emitMu held.
func (r *recorder) show(evs ...journal.Event) {
	r.mu.Lock()
	for _, ev := range evs {
		r.state.Apply(ev)
	}
	r.mu.Unlock()
	for i := range evs {
		r.bus.deliver(Event{Journal: &evs[i]})
	}
}

// output shows a chunk of a step's output, after every event before it.
func (r *recorder) output(step string, attempt int, chunk []byte) {
	r.lockEmit()
	defer r.emitMu.Unlock()
	r.bus.deliver(Event{Step: step, Attempt: attempt, Output: chunk})
}

// log is the log file of an attempt; the journal is open by then (the
// attempt's start was recorded). It does not wait for an overlapped sync.
func (r *recorder) log(step string, attempt int) *journal.Log {
	r.mu.Lock()
	w := r.w
	r.mu.Unlock()
	return w.Log(step, attempt)
}

// snapshot is a copy of the state, safe to keep, and whether the journal
// is open. Before it is, the events begin will record are applied to the
// copy, so that what frontends show does not change when it opens.
func (r *recorder) snapshot() (*journal.State, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state.Clone()
	if !r.started {
		for _, ev := range r.preview {
			st.Apply(ev)
		}
	}
	return st, r.started
}

// read calls fn with the state under the lock; fn must not keep it.
func (r *recorder) read(fn func(st *journal.State, begun bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.state, r.started)
}

// close shows what is held and releases the journal.
func (r *recorder) close() error {
	err := r.flush()
	r.lockEmit()
	defer r.emitMu.Unlock()
	if r.w == nil {
		return err
	}
	if cerr := r.w.Close(); err == nil {
		err = cerr
	}
	return err
}

// bus delivers events to subscribers, synchronously and in order (the
// recorder's emitMu orders deliveries).
type bus struct {
	mu   sync.Mutex
	subs map[int]func(Event)
	next int
}

func (b *bus) subscribe(fn func(Event)) (unsubscribe func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[int]func(Event){}
	}
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

func (b *bus) deliver(ev Event) {
	b.mu.Lock()
	ids := make([]int, 0, len(b.subs))
	for id := range b.subs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	fns := make([]func(Event), 0, len(ids))
	for _, id := range ids {
		fns = append(fns, b.subs[id])
	}
	b.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}
