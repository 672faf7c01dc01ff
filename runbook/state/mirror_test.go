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
