package state

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

// stores are the Store implementations, each fresh and empty.
func stores(t *testing.T) map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"dir": func(t *testing.T) Store { return &DirStore{Dir: filepath.Join(t.TempDir(), ".runbook")} },
		"s3": func(t *testing.T) Store {
			srv := s3test.Start(t)
			loc, err := Parse(srv.State("team/a"), "")
			if err != nil {
				t.Fatal(err)
			}
			s, err := OpenS3(context.Background(), loc, S3Options{Lease: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
}

var alice = Holder{Who: "alice", Host: "bastion-1", PID: 42}

// TestConformance holds both stores to one contract: events numbered
// from 1 that only grow, one writer per event number, one lock holder
// who is named, logs kept.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := mk(t)
			line := func(n int) []byte { return fmt.Appendf(nil, `{"v":1,"seq":%d,"type":"note"}`, n) }
			for n := 1; n <= 3; n++ {
				if err := s.Append(ctx, "deploy.1", n, line(n)); err != nil {
					t.Fatalf("append %d: %v", n, err)
				}
			}
			got, err := s.Events(ctx, "deploy.1", 0)
			if err != nil || len(got) != 3 || string(got[2]) != string(line(3)) {
				t.Fatalf("events = %q, %v", got, err)
			}
			if got, _ := s.Events(ctx, "deploy.1", 2); len(got) != 1 || string(got[0]) != string(line(3)) {
				t.Fatalf("events after 2 = %q", got)
			}
			if got, _ := s.Events(ctx, "nope.1", 0); len(got) != 0 {
				t.Fatalf("events of a missing run = %q", got)
			}
			// a retried write of the same event is fine; another is a conflict
			if err := s.Append(ctx, "deploy.1", 2, line(2)); err != nil {
				t.Fatalf("same event again: %v", err)
			}
			var ce *ConflictError
			if err := s.Append(ctx, "deploy.1", 2, []byte(`{"other":1}`)); !errors.As(err, &ce) || ce.Seq != 2 {
				t.Fatalf("other event 2: %v, want a conflict", err)
			}
			// two writers racing for event 4: exactly one wins
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Append(ctx, "deploy.1", 4, fmt.Appendf(nil, `{"v":1,"seq":4,"writer":%d}`, i))
				}()
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("racing appends: %v / %v, want exactly one to win", errs[0], errs[1])
			}
			runs, err := s.Runs(ctx)
			if err != nil || len(runs) != 1 || runs[0] != "deploy.1" {
				t.Fatalf("runs = %q, %v", runs, err)
			}

			me := Me()
			lease, err := s.Lock(ctx, "deploy.1", me, false)
			if err != nil {
				t.Fatalf("lock: %v", err)
			}
			info, err := s.LockInfo(ctx, "deploy.1")
			if err != nil || info == nil || info.Who != me.Who || info.Host != me.Host || info.PID != me.PID {
				t.Fatalf("lock info = %+v, %v", info, err)
			}
			var he *HeldError
			if _, err := s.Lock(ctx, "deploy.1", Holder{Who: "bob", Host: "laptop", PID: 7}, true); !errors.As(err, &he) || he.Holder.Who != me.Who || he.Holder.PID != me.PID || he.Expired {
				t.Fatalf("second lock: %v, want held by %s", err, me.Who)
			}
			if err := lease.Release(ctx); err != nil {
				t.Fatalf("release: %v", err)
			}
			if info, err := s.LockInfo(ctx, "deploy.1"); err != nil || info != nil {
				t.Fatalf("lock info after release = %+v, %v", info, err)
			}
			l2, err := s.Lock(ctx, "deploy.1", Holder{Who: "bob", Host: "laptop", PID: 7}, false)
			if err != nil {
				t.Fatalf("lock after release: %v", err)
			}
			l2.Release(ctx)

			if err := s.PutLog(ctx, "deploy.1", "logs/build.1.log", []byte("building\n")); err != nil {
				t.Fatal(err)
			}
			if b, err := s.GetLog(ctx, "deploy.1", "logs/build.1.log"); err != nil || string(b) != "building\n" {
				t.Fatalf("log = %q, %v", b, err)
			}
		})
	}
}

// TestLeaseTakeOver: an expired lease is taken over only when asked; the
// holder that comes back finds its lease lost.
func TestLeaseTakeOver(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	loc, _ := Parse(srv.State("team"), "")
	s, err := OpenS3(ctx, loc, S3Options{Lease: 600 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l1, err := s.Lock(ctx, "deploy.1", alice, false)
	if err != nil {
		t.Fatal(err)
	}
	// renewed while alive: still held after three leases
	time.Sleep(3 * 600 * time.Millisecond)
	var he *HeldError
	if _, err := s.Lock(ctx, "deploy.1", Holder{Who: "bob", Host: "laptop"}, true); !errors.As(err, &he) || he.Expired {
		t.Fatalf("lock of a renewed lease: %v, want held, live", err)
	}
	if got := he.Error(); !regexpMatch(`^run deploy\.1 is held by alice@bastion-1 since \d\d:\d\d, lease live; `, got) {
		t.Fatalf("message = %q", got)
	}
	l1.(*s3Lease).abandon() // killed
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err = s.Lock(ctx, "deploy.1", Holder{Who: "bob", Host: "laptop"}, false)
		if errors.As(err, &he) && he.Expired || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !errors.As(err, &he) || !he.Expired {
		t.Fatalf("lock of an expired lease without take-over: %v", err)
	}
	l2, err := s.Lock(ctx, "deploy.1", Holder{Who: "bob", Host: "laptop"}, true)
	if err != nil {
		t.Fatalf("take over: %v", err)
	}
	if p := l2.Previous(); p == nil || p.Who != "alice" {
		t.Fatalf("previous = %+v", p)
	}
	// alice's runbook wakes up: its renewal finds the lock is bob's
	if err := l1.(*s3Lease).renew(); !errors.Is(err, ErrLockLost) {
		t.Fatalf("renew after take-over: %v", err)
	}
	l2.Release(ctx)
}
