package steps

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// A `background` step is started and the run moves on once it has
// started (ready-if polled until it succeeds, or ready-after waited), while
// it keeps running: a port-forward, a local server. It is journaled as
// running, its output goes to its own log (and to subscribers, under its
// step id), and it is stopped — its whole process group — when the run is
// complete (ok), when runbook stops (interrupted: a resumed run offers to
// start it again) or when the engineer stops it (ok). It never outlives
// runbook: the executor ties it to runbook's life (steps/shell).

// ReadyTimeout bounds the wait for a background step's ready-if when
// ready-after does not give the deadline.
const ReadyTimeout = time.Minute

// readyPoll is how often ready-if is tried.
const readyPoll = 250 * time.Millisecond

// earlyExit is how long a background step without ready-if or
// ready-after is watched before the run moves on, so that one that fails
// at once (a port in use) is reported as failed. Real programs take that
// long to fail: kubectl port-forward on a port in use gives up after
// 0.2–0.4 s, Python's http.server after ≈0.15 s (a tenth of a second,
// the first choice, let both pass for started, as it did a bare `exit 4`
// on a loaded machine).
const earlyExit = 500 * time.Millisecond

// background are the steps running in the background.
type background struct {
	mu    sync.Mutex
	steps map[string]*bgStep
}

// bgStep is one step running in the background.
type bgStep struct {
	id      string
	attempt int
	pid     int
	started time.Time
	stop    context.CancelCauseFunc
	done    chan struct{} // closed once its end is journaled
	// status and why are what its end is journaled as when runbook
	// stops it (set before stop).
	mu     sync.Mutex
	status journal.Status
	why    string
}

// BackgroundStep is a step running in the background, for frontends.
type BackgroundStep struct {
	ID      string
	Attempt int
	Pid     int // its process group
	Started time.Time
	Log     string // relative to the run directory
}

// Background lists the steps running in the background, in start order.
func (e *Engine) Background() []BackgroundStep {
	e.bg.mu.Lock()
	defer e.bg.mu.Unlock()
	var out []BackgroundStep
	for _, b := range e.bg.steps {
		out = append(out, BackgroundStep{ID: b.id, Attempt: b.attempt, Pid: b.pid, Started: b.started, Log: journal.LogPath(b.id, b.attempt)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// BackgroundRunning reports whether a step is running in the background
// in this process.
func (e *Engine) BackgroundRunning(id string) bool {
	e.bg.mu.Lock()
	defer e.bg.mu.Unlock()
	_, ok := e.bg.steps[id]
	return ok
}

// StopBackground stops a step running in the background (the engineer
// is done with it): its whole process group, SIGINT then SIGKILL after
// the grace period. Its end is journaled ok. It returns once it is gone.
func (e *Engine) StopBackground(id string) error {
	e.bg.mu.Lock()
	b := e.bg.steps[id]
	e.bg.mu.Unlock()
	if b == nil {
		return fmt.Errorf("step %s is not running in the background", id)
	}
	b.halt(journal.OK, "")
	return nil
}

// stopBackground stops every step running in the background, journaling
// each end as status (ok when the run is complete, interrupted when
// runbook stops before), and waits until they are gone.
func (e *Engine) stopBackground(status journal.Status, why string) {
	e.bg.mu.Lock()
	var all []*bgStep
	for _, b := range e.bg.steps {
		all = append(all, b)
	}
	e.bg.mu.Unlock()
	var wg sync.WaitGroup
	for _, b := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.halt(status, why)
		}()
	}
	wg.Wait()
}

// StopBackgroundSteps stops every step running in the background: the
// run is complete (status ok) or runbook stops (interrupted).
func (e *Engine) StopBackgroundSteps(status journal.Status) {
	why := ""
	if status == journal.Interrupted {
		why = "runbook stopped: the background step was stopped with it"
	}
	e.stopBackground(status, why)
}

func (b *bgStep) halt(status journal.Status, why string) {
	b.mu.Lock()
	if b.status == "" {
		b.status, b.why = status, why
	}
	b.mu.Unlock()
	b.stop(ErrInterrupted)
	<-b.done
}

// runBackground starts the step of attempt a in the background and
// returns once it is ready: journal.Running. A step that ends before
// (it failed at once, or never became ready) is journaled as it ended.
func (e *Engine) runBackground(ctx context.Context, ex Executor, a *attempt, req Request) (journal.Status, error) {
	bctx, stop := context.WithCancelCause(context.Background())
	b := &bgStep{id: a.st.ID, attempt: a.n, started: time.Now(), stop: stop, done: make(chan struct{})}
	started := make(chan int, 1)
	req.Background = true
	req.Started = func(pid int) { started <- pid }
	m := a.masks.Writer(req.Output)
	req.Output = m
	ended := make(chan Result, 1)
	go func() {
		res := ex.Run(bctx, req)
		m.Close()
		ended <- res
	}()
	select {
	case b.pid = <-started:
	case res := <-ended:
		// It could not start.
		stop(nil)
		return e.finish(a, res, statusOf(ctx, res))
	}
	e.bg.mu.Lock()
	if e.bg.steps == nil {
		e.bg.steps = map[string]*bgStep{}
	}
	e.bg.steps[b.id] = b
	e.bg.mu.Unlock()
	final := make(chan Result, 1)
	go func() {
		res := <-ended
		final <- res
		b.mu.Lock()
		status, why := b.status, b.why
		b.mu.Unlock()
		if status == "" {
			status = statusOf(context.Background(), res)
		} else if why != "" && res.Err == nil {
			// Stopped by runbook: say why, and no exit code (it is the
			// signal's).
			res.Err = errors.New(why)
		}
		e.finish(a, res, status) //nolint:errcheck // a journal that fails is reported by the next event
		// Out of the list only once its end is journaled: closing the
		// engine waits for what is in it.
		e.bg.mu.Lock()
		delete(e.bg.steps, b.id)
		e.bg.mu.Unlock()
		close(b.done)
	}()
	endedEarly, err := e.waitReady(ctx, ex, a, final)
	if err != nil {
		status := journal.Failed
		if ctx.Err() != nil {
			status = journal.Interrupted
		}
		b.halt(status, err.Error())
		return e.StepStatus(a.st.ID), nil
	}
	if endedEarly {
		// It ended while becoming ready (an exit 0 is a daemon that
		// went on by itself: ok): its end is journaled as it ended.
		<-b.done
		return e.StepStatus(a.st.ID), nil
	}
	return journal.Running, nil
}

// waitReady waits until a background step is ready: its ready-if
// succeeds (tried every readyPoll until ready-after, or ReadyTimeout),
// ready-after has passed, or, with neither, it has not ended at once.
// ended says it ended meanwhile; an error says why it is not ready (it is
// then stopped).
func (e *Engine) waitReady(ctx context.Context, ex Executor, a *attempt, final <-chan Result) (ended bool, err error) {
	attrs := a.st.Attrs
	if attrs.ReadyIf == "" {
		wait := earlyExit
		if attrs.ReadyAfter > 0 {
			wait = attrs.ReadyAfter
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-final:
			return true, nil
		case <-ctx.Done():
			return false, errors.New("interrupted before it was ready")
		case <-t.C:
			return false, nil
		}
	}
	deadline := ReadyTimeout
	if attrs.ReadyAfter > 0 {
		deadline = attrs.ReadyAfter
	}
	until := time.Now().Add(deadline)
	check := *DoneIfStep(a.st)
	check.Code, check.Console, check.Expected, check.Attrs.Interactive = attrs.ReadyIf, false, "", false
	check.Attrs.Background = false
	req := a.req
	req.Step, req.Command, req.Binds, req.Output = &check, a.readyIf.Run, a.readyIf.Binds, discard{}
	req.Timeout = min(10*time.Second, deadline)
	req.Outputs = false
	if req.Session != nil {
		req.Session = e.sessionFor(a.st, false)
	}
	for {
		if res := ex.Run(ctx, req); res.OK() {
			return false, nil
		}
		if ctx.Err() != nil {
			return false, errors.New("interrupted before it was ready")
		}
		if time.Now().After(until) {
			return false, fmt.Errorf("not ready after %s: ready-if kept failing", deadline)
		}
		t := time.NewTimer(readyPoll)
		select {
		case <-final:
			t.Stop()
			return true, nil
		case <-ctx.Done():
			t.Stop()
			return false, errors.New("interrupted before it was ready")
		case <-t.C:
		}
	}
}

// discard is an output that keeps nothing (ready-if's tries).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// RunsInBackground reports whether a step runs in the background: a
// shell step marked so, not interactive (that one has the terminal).
func RunsInBackground(st *runbook.Step) bool {
	return st.Attrs.Background && st.Kind == runbook.KindShell && !st.Attrs.Interactive
}

func runsInBackground(st *runbook.Step) bool { return RunsInBackground(st) }
