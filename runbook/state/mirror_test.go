package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

func newTestRemote(t *testing.T, lease time.Duration) *Remote {
	srv := s3test.Start(t)
	loc, _ := Parse(srv.State("mirror"), "")
	s, err := OpenS3(context.Background(), loc, S3Options{Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	return &Remote{Store: s, Cache: filepath.Join(t.TempDir(), "cache"), Me: alice, ahead: map[string]int{}}
}

// TestMirrorUploadsWhatTheWriterAppends drives a journal Writer with a
// mirror in process (for -race): every event and log reaches S3 in
// order, a shown (synced) event is there before Append returns, and
// another machine's pull rebuilds the same journal.
func TestMirrorUploadsWhatTheWriterAppends(t *testing.T) {
	r := newTestRemote(t, 3*time.Second)
	ctx := context.Background()
	m, evs, err := r.Begin("deploy.1", 0, "alice", "bastion-1")
	if err != nil || len(evs) != 0 {
		t.Fatalf("begin: %v %v", evs, err)
	}
	w, err := journal.Create(journal.RunDir(r.Cache, "deploy.1"))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMirror(m)
	must := func(_ journal.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.AppendUnsynced(journal.Event{Type: journal.RunStarted, Run: "deploy.1", Who: "alice"}))
	must(w.AppendUnsynced(journal.Event{Type: journal.StepStarted, Step: "build", Attempt: 1}))
	// a step's start is in S3 before the step may start
	if got, _ := r.Store.Events(ctx, "deploy.1", 0); len(got) != 2 {
		t.Fatalf("after step-started: %d events in S3, want 2", len(got))
	}
	l := w.Log("build", 1)
	l.Write([]byte("token is ****\n"))
	l.Close()
	must(w.AppendUnsynced(journal.Event{Type: journal.StepFinished, Step: "build", Attempt: 1, Status: journal.OK, Log: l.Path()}))
	must(w.Append(journal.Event{Type: journal.NoteAdded, Note: "shown"}))
	if got, _ := r.Store.Events(ctx, "deploy.1", 0); len(got) != 4 {
		t.Fatalf("after a synced append: %d events in S3, want 4", len(got))
	}
	for i := range 20 {
		must(w.AppendUnsynced(journal.Event{Type: journal.NoteAdded, Note: strings.Repeat("x", i)}))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if info, _ := r.Store.LockInfo(ctx, "deploy.1"); info != nil {
		t.Fatalf("lock left after close: %+v", info)
	}
	local, _ := os.ReadFile(filepath.Join(r.Cache, "deploy.1", journal.JournalFile))
	other := &Remote{Store: r.Store, Cache: filepath.Join(t.TempDir(), "other"), ahead: map[string]int{}}
	if err := other.Pull(ctx, nil, true); err != nil {
		t.Fatal(err)
	}
	pulled, _ := os.ReadFile(filepath.Join(other.Cache, "deploy.1", journal.JournalFile))
	if string(pulled) != string(local) || strings.Count(string(local), "\n") != 24 {
		t.Fatalf("pulled journal differs:\n%s\n---\n%s", pulled, local)
	}
	if b, err := os.ReadFile(filepath.Join(other.Cache, "deploy.1", "logs", "build.1.log")); err != nil || string(b) != "token is ****\n" {
		t.Fatalf("pulled log = %q, %v", b, err)
	}
}

// TestMirrorStopsWhenTakenOver: a writer whose lease was taken over
// (it stalled past its lease) cannot append another event.
func TestMirrorStopsWhenTakenOver(t *testing.T) {
	r := newTestRemote(t, 600*time.Millisecond)
	ctx := context.Background()
	m, _, err := r.Begin("deploy.1", 0, "alice", "bastion-1")
	if err != nil {
		t.Fatal(err)
	}
	w, err := journal.Create(journal.RunDir(r.Cache, "deploy.1"))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMirror(m)
	if _, err := w.Append(journal.Event{Type: journal.RunStarted, Run: "deploy.1"}); err != nil {
		t.Fatal(err)
	}
	// bob writes event 2 first, as a machine that took the run over would
	if err := r.Store.Append(ctx, "deploy.1", 2, []byte(`{"v":1,"seq":2,"type":"note","note":"bob"}`)); err != nil {
		t.Fatal(err)
	}
	_, err = w.Append(journal.Event{Type: journal.StepStarted, Step: "build", Attempt: 1})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Seq != 2 {
		t.Fatalf("append after someone else wrote: %v, want a conflict on event 2", err)
	}
	w.Close()
}

// TestPullDropsACrashTail: events a killed runbook appended locally but
// never uploaded were never shown (a shown event is in S3 first). When
// the run is opened again on that machine, S3 is the run's truth: the
// tail is kept aside and the run is not held behind `runbook sync`
// (which another machine's later events would refuse: the engineer was
// stuck). A tail that went on locally on purpose (state-local) still
// waits for sync.
func TestPullDropsACrashTail(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		tail      []string
		wantAhead bool
	}{
		{"crash", []string{`{"v":1,"seq":3,"type":"step-started","step":"b","attempt":1}`}, false},
		{"deliberate", []string{`{"v":1,"seq":3,"type":"state-local","note":"unreachable"}`, `{"v":1,"seq":4,"type":"step-started","step":"b","attempt":1}`}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestRemote(t, 3*time.Second)
			pushed := []string{`{"v":1,"seq":1,"type":"run-started","run":"deploy.1"}`, `{"v":1,"seq":2,"type":"step-started","step":"a","attempt":1}`}
			for i, l := range pushed {
				if err := r.Store.Append(ctx, "deploy.1", i+1, []byte(l)); err != nil {
					t.Fatal(err)
				}
			}
			dir := journal.RunDir(r.Cache, "deploy.1")
			os.MkdirAll(filepath.Join(dir, journal.LogDir), 0o700)
			all := strings.Join(append(pushed, tc.tail...), "\n") + "\n"
			if err := os.WriteFile(filepath.Join(dir, journal.JournalFile), []byte(all), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := r.Pull(ctx, nil, false); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(dir, journal.JournalFile))
			if ahead := r.Ahead("deploy.1") > 0; ahead != tc.wantAhead {
				t.Fatalf("ahead = %v, want %v", ahead, tc.wantAhead)
			}
			if tc.wantAhead {
				if string(got) != all {
					t.Fatalf("a deliberate local tail was changed:\n%s", got)
				}
				return
			}
			if want := strings.Join(pushed, "\n") + "\n"; string(got) != want {
				t.Fatalf("cached journal after pull:\n%s\nwant S3's events:\n%s", got, want)
			}
			kept, _ := filepath.Glob(filepath.Join(r.Cache, ".diverged", "deploy.1-*.unpushed.jsonl"))
			if len(kept) != 1 {
				t.Fatalf("the dropped tail was not kept: %v", kept)
			}
			if b, _ := os.ReadFile(kept[0]); string(b) != tc.tail[0]+"\n" {
				t.Fatalf("kept tail = %q", b)
			}
			if _, _, err := r.Begin("deploy.1", 2, "alice", "bastion-1"); err != nil {
				t.Fatalf("begin after the crash tail gave way: %v", err)
			}
		})
	}
}
