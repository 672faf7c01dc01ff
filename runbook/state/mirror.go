package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Decision is what the engineer chose when the shared state stays
// unreachable before a step starts.
type Decision int

const (
	// Wait keeps trying (another Patience).
	Wait Decision = iota
	// GoLocal goes on with the local journal only; `runbook sync` pushes
	// the events later.
	GoLocal
	// Stop ends the run here (resumable).
	Stop
)

// MirrorOptions shape a run's upload to S3.
type MirrorOptions struct {
	// Patience is how long a step's start waits for S3 before the
	// engineer is asked (RUNBOOK_S3_PATIENCE, default 10s).
	Patience time.Duration
	// Unreachable asks the engineer what to do, told how long this wait
	// has lasted (nil: wait, then stop after 5 rounds).
	Unreachable func(err error, waited time.Duration) Decision
	// Who chose, for the journal.
	Who string
	// SnapshotEvery writes a compacted snapshot every that many events
	// (default 500), and at close.
	SnapshotEvery int
}

// mirror uploads a run's events, in order, one object each, and its logs.
// One goroutine uploads; a step's start waits for its event (and every
// event before it) to be stored.
type mirror struct {
	s     *S3Store
	run   string
	dir   string // the local run directory (logs, snapshot source)
	lease Lease
	opt   MirrorOptions

	mu       sync.Mutex
	cond     *sync.Cond
	queue    []upload
	stored   int   // last seq stored in S3
	lastErr  error // of the latest failed upload, cleared by a success
	fatal    error // a conflict or a lost lock: nothing more is uploaded
	local    bool  // the engineer chose to go on locally
	closing  bool
	done     chan struct{}
	lastSnap int
}

type upload struct {
	seq  int
	line []byte
	log  string // a log to upload instead of an event
}

func newMirror(s *S3Store, run, dir string, lease Lease, stored int, o MirrorOptions) *mirror {
	if o.Patience == 0 {
		o.Patience = 10 * time.Second
		if v, err := time.ParseDuration(os.Getenv("RUNBOOK_S3_PATIENCE")); err == nil && v > 0 {
			o.Patience = v
		}
	}
	if o.SnapshotEvery == 0 {
		o.SnapshotEvery = 500
	}
	m := &mirror{s: s, run: run, dir: dir, lease: lease, opt: o, stored: stored, lastSnap: stored, done: make(chan struct{})}
	m.cond = sync.NewCond(&m.mu)
	go m.loop()
	go func() {
		select {
		case <-lease.Lost():
			m.mu.Lock()
			if m.fatal == nil {
				m.fatal = lease.Err()
			}
			m.cond.Broadcast()
			m.mu.Unlock()
		case <-m.done:
		}
	}()
	return m
}

// Event queues an event; a durable one is waited for.
func (m *mirror) Event(e journal.Event, line []byte, durable bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fatal != nil {
		return m.fatal
	}
	if m.local {
		return nil
	}
	m.queue = append(m.queue, upload{seq: e.Seq, line: bytes.Clone(line)})
	m.cond.Broadcast()
	if !durable {
		return nil
	}
	return m.wait(e.Seq)
}

// Wait returns once every event up to seq is stored.
func (m *mirror) Wait(seq int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.wait(seq)
}

// wait waits for seq to be stored, asking the engineer what to do each
// time S3 stays unreachable for Patience; mu held.
func (m *mirror) wait(seq int) error {
	began := time.Now()
	for round := 0; ; round++ {
		if m.fatal != nil {
			return m.fatal
		}
		if m.local || m.stored >= seq {
			return nil
		}
		deadline := time.Now().Add(m.opt.Patience)
		for m.stored < seq && m.fatal == nil && time.Now().Before(deadline) {
			m.waitFor(time.Until(deadline))
		}
		switch {
		case m.fatal != nil:
			return m.fatal
		case m.stored >= seq:
			return nil
		}
		cause := m.lastErr
		if cause == nil {
			cause = fmt.Errorf("no answer within %s", m.opt.Patience)
		}
		d := Stop
		if m.opt.Unreachable != nil {
			m.mu.Unlock()
			d = m.opt.Unreachable(cause, time.Since(began))
			m.mu.Lock()
		} else if round < 4 {
			d = Wait
		}
		switch d {
		case GoLocal:
			m.local, m.queue = true, nil
			m.cond.Broadcast()
			return &journal.LocalError{Reason: oneLine(cause), Who: m.opt.Who}
		case Stop:
			return fmt.Errorf("state %s unreachable: %w; the step did not start (run again to resume)", m.s.loc, cause)
		}
		if m.stored >= seq {
			return nil
		}
	}
}

// waitFor waits on the cond at most d; mu held.
func (m *mirror) waitFor(d time.Duration) {
	t := time.AfterFunc(d, func() {
		m.mu.Lock()
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	m.cond.Wait()
	t.Stop()
}

// Log queues an attempt's log: it is uploaded before the event that
// names it.
func (m *mirror) Log(rel string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fatal != nil || m.local {
		return
	}
	m.queue = append(m.queue, upload{log: rel})
	m.cond.Broadcast()
}

// loop uploads the queue in order, retrying with backoff until it is
// stored, a conflict stops it, or the mirror closes.
func (m *mirror) loop() {
	backoff := 50 * time.Millisecond
	for {
		m.mu.Lock()
		for len(m.queue) == 0 && !m.closing && m.fatal == nil {
			m.cond.Wait()
		}
		if len(m.queue) == 0 || m.fatal != nil || (m.closing && m.local) {
			m.mu.Unlock()
			close(m.done)
			return
		}
		u := m.queue[0]
		m.mu.Unlock()

		limit := 20 * time.Second
		if u.log != "" {
			limit = 10 * time.Minute // a log may be hundreds of megabytes
		}
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		err := m.put(ctx, u)
		cancel()

		m.mu.Lock()
		switch {
		case err != nil && !Transient(err):
			m.fatal = err
		case err != nil:
			m.lastErr = err
		default:
			m.queue = m.queue[1:]
			m.lastErr = nil
			backoff = 50 * time.Millisecond
			if u.log == "" {
				m.stored = u.seq
			}
		}
		snap := err == nil && u.log == "" && m.stored-m.lastSnap >= m.opt.SnapshotEvery
		m.cond.Broadcast()
		m.mu.Unlock()
		if snap {
			m.snapshot()
		}
		if err != nil && Transient(err) {
			time.Sleep(backoff)
			backoff = min(backoff*2, 2*time.Second)
		}
	}
}

func (m *mirror) put(ctx context.Context, u upload) error {
	if u.log != "" {
		f, err := journal.OpenLog(filepath.Join(m.dir, u.log))
		if err != nil {
			return nil // nothing to upload (gone): not worth stopping a run
		}
		defer f.Close()
		return m.s.putLogFile(ctx, m.run, u.log, f)
	}
	return m.s.Append(ctx, m.run, u.seq, u.line)
}

func readLocal(dir, rel string) ([]byte, error) {
	f, err := journal.OpenLog(filepath.Join(dir, rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}

// snapshot stores the events stored so far as one object, read from the
// local journal (which holds them, synced).
func (m *mirror) snapshot() {
	m.mu.Lock()
	upto := m.stored
	m.mu.Unlock()
	if upto <= m.lastSnap {
		return
	}
	data, err := os.ReadFile(filepath.Join(m.dir, journal.JournalFile))
	if err != nil {
		return
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) < upto {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if m.s.PutSnapshot(ctx, m.run, upto, bytes.Join(lines[:upto], nil)) == nil {
		m.mu.Lock()
		m.lastSnap = max(m.lastSnap, upto)
		m.mu.Unlock()
	}
}

// closeWait bounds how long Close waits for pending uploads.
const closeWait = 20 * time.Second

// Close uploads what is queued (up to closeWait), writes a snapshot and
// releases the lock. Events it could not upload are in the local journal:
// the error says so, and `runbook sync` pushes them.
func (m *mirror) Close() error {
	m.mu.Lock()
	m.closing = true
	m.cond.Broadcast()
	deadline := time.Now().Add(closeWait)
	for len(m.queue) > 0 && m.fatal == nil && !m.local && time.Now().Before(deadline) {
		m.waitFor(time.Until(deadline))
	}
	pending, fatal, local := len(m.queue), m.fatal, m.local
	if pending > 0 {
		m.fatal = errors.New("closed")
	}
	m.cond.Broadcast()
	m.mu.Unlock()
	<-m.done
	if fatal == nil && !local && pending == 0 {
		m.snapshot()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if fatal != nil && !errors.Is(fatal, ErrLockLost) {
		var ce *ConflictError
		if !errors.As(fatal, &ce) {
			errs = append(errs, fatal)
		}
	}
	if pending > 0 {
		errs = append(errs, fmt.Errorf("state %s: %d event(s) of run %s are only in the local journal; `runbook sync` pushes them", m.s.loc, pending, m.run))
	}
	// Released also when events are left behind: whoever writes next
	// makes `runbook sync` refuse, which is the point.
	if rerr := m.lease.Release(ctx); !local && pending == 0 {
		errs = append(errs, rerr)
	}
	return errors.Join(errs...)
}

func oneLine(err error) string {
	s := err.Error()
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
