package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Remote is an S3 location opened by a command: the store, and the local
// cache directory that holds a copy of its runs (a state directory like
// any other, read by everything that reads runs).
type Remote struct {
	Store *S3Store
	Cache string
	Me    Holder
	// TakeOver lets Begin take over a run whose lease expired.
	TakeOver bool
	Mirror   MirrorOptions

	mu    sync.Mutex
	ahead map[string]int // runs whose local journal has events S3 lacks: local count
}

// NewRemote opens loc's cache directory for store.
func NewRemote(store *S3Store) (*Remote, error) {
	cache, err := store.loc.CacheDir()
	if err != nil {
		return nil, err
	}
	return &Remote{Store: store, Cache: cache, Me: Me(), ahead: map[string]int{}}, nil
}

// Pull copies the runs that keep (nil: all) accepts from S3 into the
// cache: only the events the cache lacks are read. With logs, the logs
// the events name are fetched too (reports, the TUI's output pane). A
// cached run that S3 contradicts (someone else wrote where this machine
// went on locally) is moved aside into .diverged/ first.
func (r *Remote) Pull(ctx context.Context, keep func(run string) bool, logs bool) error {
	runs, err := r.Store.Runs(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.Cache, 0o700); err != nil {
		return fmt.Errorf("state cache %s: %w", r.Cache, err)
	}
	for _, run := range runs {
		if journal.CheckRunName(run) != nil || (keep != nil && !keep(run)) {
			continue
		}
		if err := r.pullRun(ctx, run, logs); err != nil {
			return err
		}
	}
	return nil
}

// localLines reads a cached run's journal lines (without newlines).
func localLines(dir string) ([][]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, journal.JournalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

func (r *Remote) pullRun(ctx context.Context, run string, logs bool) error {
	dir := journal.RunDir(r.Cache, run)
	if journal.LockHolder(dir) != nil {
		return nil // open by a runbook on this machine: it keeps it up to date
	}
	local, err := localLines(dir)
	if err != nil {
		return fmt.Errorf("state cache %s: %w", dir, err)
	}
	n := len(local)
	fresh, err := r.Store.Events(ctx, run, max(0, n-1))
	if err != nil {
		return err
	}
	switch {
	case n > 0 && len(fresh) == 0:
		// S3 has fewer events: the local tail was never pushed.
		if deliberate, err := r.dropCrashTail(ctx, run, dir, local); err != nil || !deliberate {
			return err // a crash tail gave way to S3: the run reads as S3 has it
		}
		r.mu.Lock()
		r.ahead[run] = n
		r.mu.Unlock()
		return nil
	case n > 0 && !bytes.Equal(fresh[0], local[n-1]):
		if err := r.setAside(run); err != nil {
			return err
		}
		local, n = nil, 0
		if fresh, err = r.Store.Events(ctx, run, 0); err != nil {
			return err
		}
	case n > 0:
		fresh = fresh[1:]
	}
	if err := appendLines(dir, fresh); err != nil {
		return fmt.Errorf("state cache %s: %w", dir, err)
	}
	if logs {
		return r.pullLogs(ctx, run, dir, append(local, fresh...))
	}
	return nil
}

// dropCrashTail handles a cached run with events S3 lacks. When they hold
// a state-local event, the run went on locally on purpose (S3 was
// unreachable) and they wait for `runbook sync`: deliberate is true. Else
// they are what a runbook killed before it could upload them appended:
// never shown (a shown event is in S3 first), so S3 is the run's truth. The
// tail is kept in .diverged/ and the cached journal cut back to S3's
// events, so the run resumes as any other machine sees it, instead of
// being stuck behind a sync that someone else's later events would refuse.
func (r *Remote) dropCrashTail(ctx context.Context, run, dir string, local [][]byte) (deliberate bool, err error) {
	remote, err := r.Store.Events(ctx, run, 0)
	if err != nil {
		return false, err
	}
	if len(remote) >= len(local) || diverged(local, remote) != "" {
		return true, nil // not a tail of S3's events: sync says why
	}
	for _, l := range local[len(remote):] {
		if e, err := journal.Decode(l); err == nil && e.Type == journal.StateLocal {
			return true, nil
		}
	}
	aside := filepath.Join(r.Cache, ".diverged")
	if err := os.MkdirAll(aside, 0o700); err != nil {
		return false, fmt.Errorf("state cache: %w", err)
	}
	tail := filepath.Join(aside, run+"-"+time.Now().UTC().Format("20060102T150405.000000000")+".unpushed.jsonl")
	if err := writeLines(tail, local[len(remote):]); err != nil {
		return false, fmt.Errorf("state cache: keep run %s's unpushed events: %w", run, err)
	}
	tmp := filepath.Join(dir, journal.JournalFile+".cut")
	os.Remove(tmp)
	if err := writeLines(tmp, local[:len(remote)]); err != nil {
		return false, fmt.Errorf("state cache %s: %w", dir, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, journal.JournalFile)); err != nil {
		return false, fmt.Errorf("state cache %s: %w", dir, err)
	}
	return false, nil
}

// setAside moves a cached run S3 contradicts out of the way, kept.
func (r *Remote) setAside(run string) error {
	aside := filepath.Join(r.Cache, ".diverged")
	if err := os.MkdirAll(aside, 0o700); err != nil {
		return err
	}
	to := filepath.Join(aside, run+"-"+time.Now().UTC().Format("20060102T150405.000000000"))
	if err := os.Rename(journal.RunDir(r.Cache, run), to); err != nil {
		return fmt.Errorf("state cache: set aside run %s: %w", run, err)
	}
	return nil
}

// appendLines appends lines to a cached run's journal, creating it, and
// syncs it.
func appendLines(dir string, lines [][]byte) error {
	if len(lines) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, journal.LogDir), 0o700); err != nil {
		return err
	}
	return writeLines(filepath.Join(dir, journal.JournalFile), lines)
}

// writeLines appends lines to the file at path, creating it (0600), and
// syncs it.
func writeLines(path string, lines [][]byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	_, err = f.Write(b.Bytes())
	return errors.Join(err, f.Sync(), f.Close())
}

func (r *Remote) pullLogs(ctx context.Context, run, dir string, lines [][]byte) error {
	for _, l := range lines {
		e, err := journal.Decode(l)
		if err != nil || e.Log == "" {
			continue
		}
		p := filepath.Join(dir, e.Log)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		data, err := r.Store.GetLog(ctx, run, e.Log)
		if isNotFound(errors.Unwrap(err)) || isNotFound(err) {
			continue // an interrupted attempt's log never reached S3
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			return fmt.Errorf("state cache %s: %w", p, err)
		}
	}
	return nil
}

// Ahead reports how many events of a cached run are only local (0: none).
func (r *Remote) Ahead(run string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ahead[run]
}

// Begin takes the run's lock on S3 before the first event of this
// process is written, checks that nobody wrote since the run was read
// (seq, its last event then), and returns the mirror that uploads what
// the Writer appends, and the events to journal first (the take-over of
// an expired lease).
func (r *Remote) Begin(run string, seq int, who, host string) (journal.Mirror, []journal.Event, error) {
	if n := r.Ahead(run); n > 0 {
		return nil, nil, fmt.Errorf("run %s has events this machine recorded while %s was unreachable: `runbook sync --state %s` pushes them first", run, r.Store.loc, r.Store.loc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	me := r.Me
	me.Who, me.Host = who, host
	var lease Lease
	var err error
	began := time.Now()
	for {
		lease, err = r.Store.Lock(ctx, run, me, r.TakeOver)
		if err == nil || !Transient(err) || r.Mirror.Unreachable == nil {
			break
		}
		switch r.Mirror.Unreachable(err, time.Since(began)) {
		case GoLocal:
			return nil, []journal.Event{{Type: journal.StateLocal, Who: who,
				Note: fmt.Sprintf("the shared state is unreachable (%s): the run goes on locally; `runbook sync` pushes its events once it is back", oneLine(err))}}, nil
		case Stop:
			return nil, nil, err
		}
		ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
	}
	if err != nil {
		return nil, nil, err
	}
	newer, err := r.Store.Events(ctx, run, seq)
	if err == nil && len(newer) > 0 {
		err = fmt.Errorf("run %s changed in %s since it was read (%d new event(s)): open it again", run, r.Store.loc, len(newer))
	}
	if err != nil {
		lease.Release(ctx)
		return nil, nil, err
	}
	o := r.Mirror
	if o.Who == "" {
		o.Who = who
	}
	m := newMirror(r.Store, run, journal.RunDir(r.Cache, run), lease, seq, o)
	var evs []journal.Event
	if p := lease.Previous(); p != nil {
		evs = append(evs, journal.Event{Type: journal.TakenOver, Who: who, Host: host,
			Note: fmt.Sprintf("took the run over from %s (pid %d), whose lease expired at %s", p.Who+"@"+p.Host, p.PID, p.Expires.UTC().Format(time.RFC3339))})
	}
	return m, evs, nil
}
