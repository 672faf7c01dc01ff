package state

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

// thousandSteps is the journal of a 1,000-step run: run-started, then a
// start and an end per step.
func thousandSteps() [][]byte {
	t0 := time.Date(2026, 12, 1, 14, 2, 0, 0, time.UTC)
	evs := []journal.Event{{Type: journal.RunStarted, Run: "big.1", Doc: "/work/big.md", DocHash: "ab", Who: "alice", Host: "bastion-1"}}
	for i := 1; i <= 1000; i++ {
		id := fmt.Sprintf("s%04d", i)
		code := 0
		evs = append(evs, journal.Event{Type: journal.StepStarted, Step: id, Attempt: 1, Hash: "5582e9fab549", Command: "echo step " + id},
			journal.Event{Type: journal.StepFinished, Step: id, Attempt: 1, Status: journal.OK, ExitCode: &code, DurationMS: 7, Log: "logs/" + id + ".1.log"})
	}
	var lines [][]byte
	for i, e := range evs {
		e.V, e.Seq, e.Time = 1, i+1, t0.Add(time.Duration(i)*time.Second)
		b, _ := json.Marshal(e)
		lines = append(lines, b)
	}
	return lines
}

func uploadAll(b *testing.B, s *S3Store, run string, lines [][]byte) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, l := range lines {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.Append(context.Background(), run, i+1, l); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkS3Resume1000Steps is what resuming a 1,000-step run costs on
// a machine that never saw it: list and read its events from S3 into an
// empty cache and replay them — with the compacted snapshot the mirror
// writes at close, and without (one object per event).
func BenchmarkS3Resume1000Steps(b *testing.B) {
	srv := s3test.Start(b)
	loc, _ := Parse(srv.State("bench"), "")
	s, err := OpenS3(context.Background(), loc, S3Options{})
	if err != nil {
		b.Fatal(err)
	}
	lines := thousandSteps()
	uploadAll(b, s, "big.1", lines)
	uploadAll(b, s, "raw.1", lines)
	var data []byte
	for _, l := range lines {
		data = append(append(data, l...), '\n')
	}
	if err := s.PutSnapshot(context.Background(), "big.1", len(lines), data); err != nil {
		b.Fatal(err)
	}
	resume := func(run string) time.Duration {
		t0 := time.Now()
		r := &Remote{Store: s, Cache: filepath.Join(b.TempDir(), "cache"), ahead: map[string]int{}}
		if err := r.Pull(context.Background(), func(n string) bool { return n == run }, false); err != nil {
			b.Fatal(err)
		}
		_, st, err := journal.Load(journal.RunDir(r.Cache, run))
		if err != nil || len(st.Steps) != 1000 {
			b.Fatalf("replay: %v", err)
		}
		return time.Since(t0)
	}
	var snap, raw time.Duration
	for b.Loop() {
		snap += resume("big.1")
		raw += resume("raw.1")
	}
	b.ReportMetric(float64(snap.Milliseconds())/float64(b.N), "snapshot-ms")
	b.ReportMetric(float64(raw.Milliseconds())/float64(b.N), "per-event-ms")
}
