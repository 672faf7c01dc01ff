package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// DirStore is a state directory (.runbook/ beside the doc by default):
// a run is a directory holding journal.jsonl, its flock'ed lock and its
// logs (docs/journal.md). Runs and the engine use it through the journal
// package directly; DirStore gives it the Store interface for the
// commands and the conformance suite that hold both kinds to one contract.
type DirStore struct {
	Dir string
	mu  sync.Mutex // one Append at a time in this process; Lock excludes other processes
}

func (d *DirStore) String() string { return d.Dir }

func (d *DirStore) runDir(run string) string { return journal.RunDir(d.Dir, run) }

// Runs lists the run directories that have a journal.
func (d *DirStore) Runs(context.Context) ([]string, error) {
	if err := journal.CheckStateDir(d.Dir); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(d.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, e := range ents {
		if _, err := os.Lstat(filepath.Join(d.Dir, e.Name(), journal.JournalFile)); e.IsDir() && err == nil {
			runs = append(runs, e.Name())
		}
	}
	sort.Strings(runs)
	return runs, nil
}

// Events reads the journal's lines after seq `after`.
func (d *DirStore) Events(_ context.Context, run string, after int) ([][]byte, error) {
	lines, err := localLines(d.runDir(run))
	if err != nil || len(lines) <= after {
		return nil, err
	}
	return lines[after:], nil
}

// Append adds event seq to the journal when it is the next one.
func (d *DirStore) Append(_ context.Context, run string, seq int, line []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := d.runDir(run)
	lines, err := localLines(dir)
	if err != nil {
		return err
	}
	if seq <= len(lines) {
		if string(lines[seq-1]) == string(line) {
			return nil
		}
		return &ConflictError{Run: run, Seq: seq}
	}
	if seq != len(lines)+1 {
		return fmt.Errorf("run %s: event %d after event %d", run, seq, len(lines))
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	return appendLines(dir, [][]byte{line})
}

// Lock takes the run's flock; a directory's lock lives as long as its
// process, so there is no lease to expire or take over.
func (d *DirStore) Lock(_ context.Context, run string, me Holder, _ bool) (Lease, error) {
	f, err := journal.Acquire(d.runDir(run))
	var iu *journal.InUseError
	if errors.As(err, &iu) {
		h := LockInfo{Who: "unknown"}
		if iu.Holder != nil {
			h = LockInfo{Who: iu.Holder.User, Host: iu.Holder.Host, PID: iu.Holder.PID, Start: iu.Holder.Since}
		}
		return nil, &HeldError{Run: run, Holder: h, Now: time.Now()}
	}
	if err != nil {
		return nil, err
	}
	return &dirLease{f: f, info: LockInfo{Who: me.Who, Host: me.Host, PID: me.PID, Start: time.Now().UTC().Truncate(time.Second)}, lost: make(chan struct{})}, nil
}

// LockInfo says who holds the run's flock.
func (d *DirStore) LockInfo(_ context.Context, run string) (*LockInfo, error) {
	h := journal.LockHolder(d.runDir(run))
	if h == nil {
		return nil, nil
	}
	return &LockInfo{Who: h.User, Host: h.Host, PID: h.PID, Start: h.Since}, nil
}

// PutLog writes a log file.
func (d *DirStore) PutLog(_ context.Context, run, rel string, data []byte) error {
	p := filepath.Join(d.runDir(run), rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o600)
}

// GetLog reads a log file, never through a symlink.
func (d *DirStore) GetLog(_ context.Context, run, rel string) ([]byte, error) {
	return readLocal(d.runDir(run), rel)
}

type dirLease struct {
	f    io.Closer
	info LockInfo
	lost chan struct{}
	once sync.Once
}

func (l *dirLease) Info() LockInfo        { return l.info }
func (l *dirLease) Previous() *LockInfo   { return nil }
func (l *dirLease) Lost() <-chan struct{} { return l.lost }
func (l *dirLease) Err() error            { return nil }
func (l *dirLease) Release(context.Context) error {
	var err error
	l.once.Do(func() { err = l.f.Close() })
	return err
}
