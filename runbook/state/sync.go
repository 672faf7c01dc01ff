package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// SyncRefused says why `runbook sync` pushed nothing.
type SyncRefused struct {
	Run, Why string
}

func (e *SyncRefused) Error() string { return fmt.Sprintf("run %s: nothing pushed: %s", e.Run, e.Why) }

// LocalRuns lists the runs in the cache.
func (r *Remote) LocalRuns(ctx context.Context) ([]string, error) {
	return (&DirStore{Dir: r.Cache}).Runs(ctx)
}

// Sync pushes the events of a cached run that S3 lacks (recorded while S3
// was unreachable), when S3 still holds exactly the events before them:
// if anyone else wrote to the run since, nothing is pushed and the
// refusal says who and what (*SyncRefused). It returns how many events
// it pushed.
func (r *Remote) Sync(ctx context.Context, run string) (int, error) {
	dir := journal.RunDir(r.Cache, run)
	if h := journal.LockHolder(dir); h != nil {
		return 0, &SyncRefused{Run: run, Why: fmt.Sprintf("it is open on this machine by %s", h)}
	}
	local, err := localLines(dir)
	if err != nil {
		return 0, err
	}
	remote, err := r.Store.Events(ctx, run, 0)
	if err != nil {
		return 0, err
	}
	if why := diverged(local, remote); why != "" {
		return 0, &SyncRefused{Run: run, Why: why + fmt.Sprintf("; this machine's events stay in %s", dir)}
	}
	if len(local) == len(remote) {
		return 0, nil
	}
	// This machine's own lock (same engineer, same host), left behind by
	// the session that went on locally, is replaced even while its lease
	// lasts: no runbook here has the run open (checked above).
	lease, err := r.Store.lock(ctx, run, r.Me, func(cur *LockInfo) bool {
		return cur.Who == r.Me.Who && cur.Host == r.Me.Host
	})
	var he *HeldError
	if err != nil {
		if errors.As(err, &he) {
			return 0, &SyncRefused{Run: run, Why: he.Error()}
		}
		return 0, err
	}
	defer lease.Release(ctx)
	if newer, err := r.Store.Events(ctx, run, len(remote)); err != nil {
		return 0, err
	} else if len(newer) > 0 {
		return 0, &SyncRefused{Run: run, Why: fmt.Sprintf("%d event(s) were written to S3 meanwhile", len(newer))}
	}
	for i := len(remote); i < len(local); i++ {
		if e, err := journal.Decode(local[i]); err == nil && e.Log != "" {
			if data, err := readLocal(dir, e.Log); err == nil {
				if err := r.Store.PutLog(ctx, run, e.Log, data); err != nil {
					return i - len(remote), err
				}
			}
		}
		if err := r.Store.Append(ctx, run, i+1, local[i]); err != nil {
			var ce *ConflictError
			if errors.As(err, &ce) {
				return i - len(remote), &SyncRefused{Run: run, Why: ce.Error()}
			}
			return i - len(remote), err
		}
	}
	r.mu.Lock()
	delete(r.ahead, run)
	r.mu.Unlock()
	return len(local) - len(remote), nil
}

// diverged says how S3's events contradict the local ones, or "".
func diverged(local, remote [][]byte) string {
	for i := range min(len(local), len(remote)) {
		if !bytes.Equal(local[i], remote[i]) {
			who := ""
			if e, err := journal.Decode(remote[i]); err == nil && e.Who != "" {
				who = " (by " + e.Who + ")"
			}
			return fmt.Sprintf("S3 holds another event %d%s than this machine: someone else wrote to the run", i+1, who)
		}
	}
	if len(remote) > len(local) {
		who := ""
		for _, l := range remote[len(local):] {
			if e, err := journal.Decode(l); err == nil && e.Who != "" {
				who = fmt.Sprintf(" (%s@%s)", e.Who, e.Host)
			}
		}
		return fmt.Sprintf("S3 has %d event(s) this machine lacks%s: someone else wrote to the run", len(remote)-len(local), who)
	}
	return ""
}
