package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

// liveRun is a runbook process whose output is read as it comes.
type liveRun struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	out, err bytes.Buffer
	done     chan struct{}
}

func startLive(t *testing.T, cmd *exec.Cmd) *liveRun {
	t.Helper()
	r := &liveRun{cmd: cmd, done: make(chan struct{})}
	so, _ := cmd.StdoutPipe()
	se, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, p := range []struct {
		rd  *bufio.Reader
		buf *bytes.Buffer
	}{{bufio.NewReader(so), &r.out}, {bufio.NewReader(se), &r.err}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				line, err := p.rd.ReadString('\n')
				r.mu.Lock()
				p.buf.WriteString(line)
				r.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); cmd.Wait(); close(r.done) }()
	return r
}

func (r *liveRun) text() (string, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String(), r.err.String()
}

// waitOutput polls until ok holds for stdout+stderr, with a deadline.
func (r *liveRun) waitOutput(t *testing.T, what string, ok func(out, errs string) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		o, e := r.text()
		if ok(o, e) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 30s:\n%s\n%s", what, o, e)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *liveRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		r.cmd.Process.Kill()
		t.Fatal("run did not end within 60s")
	}
	return r.cmd.ProcessState.ExitCode()
}

// sameEvents checks that S3 holds exactly the events of the machine's
// local journal of run, and that every event shown is among them.
func sameEvents(t *testing.T, store *state.S3Store, m machine, loc state.Location, run, shown string) int {
	t.Helper()
	cache, _ := loc.CacheDir()
	cache = strings.Replace(cache, os.Getenv("HOME"), m.home, 1)
	if !strings.HasPrefix(cache, m.home) {
		cache = filepath.Join(m.home, ".cache", "runbook", "s3", loc.Bucket, loc.Prefix)
	}
	local, err := os.ReadFile(filepath.Join(cache, run, journal.JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	remote, err := store.Events(context.Background(), run, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(local), "\n"), "\n")
	if len(remote) != len(want) {
		t.Fatalf("S3 holds %d events of %s, the local journal %d", len(remote), run, len(want))
	}
	for i := range want {
		if string(remote[i]) != want[i] {
			t.Fatalf("event %d differs:\nS3:    %s\nlocal: %s", i+1, remote[i], want[i])
		}
	}
	evs := s3Events(t, store, run)
	started := map[string]bool{}
	for _, e := range evs {
		if e.Type == journal.StepStarted {
			started[e.Step] = true
		}
	}
	for _, mm := range shownStarted.FindAllStringSubmatch(shown, -1) {
		if !started[mm[1]] {
			t.Fatalf("%s shown as started, not in S3", mm[1])
		}
	}
	return len(remote)
}

// TestS3Faults puts a loopback proxy between runbook and the server that
// drops requests (before and after forwarding them), delays them and
// answers 503: no event is lost, and when S3 stays unreachable the
// engineer is told before the next step, which waits, or goes on locally
// until `runbook sync` pushes the rest.
func TestS3Faults(t *testing.T) {
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	proxy := s3test.NewFaultProxy(t, srv.URL, uint64(time.Now().UnixNano()))
	st := srv.State("faults")
	loc, _ := state.Parse(st, "")
	store, err := state.OpenS3(context.Background(), loc, state.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_ENDPOINT_URL_S3=" + proxy.URL, "RUNBOOK_S3_PATIENCE=300ms", "RUNBOOK_S3_LEASE=3s"}
	m := newMachine(t, srv, "bastion-1", env...)
	// faults S3 recovers from within the default patience: nobody asked
	flakyM := newMachine(t, srv, "bastion-2", "AWS_ENDPOINT_URL_S3="+proxy.URL)
	doc := writeDoc(t, "faults.md", quickSteps(30, "echo step N"))

	t.Run("flaky", func(t *testing.T) {
		proxy.Set(s3test.Faults{Drop: 0.05, DropAfter: 0.05, Unavail: 0.1, Delay: 0.1, MaxDelay: 200 * time.Millisecond})
		defer proxy.Set(s3test.Faults{})
		out, err := flakyM.command(bin, "run", "--no-tui", "--yes", "--run", "flaky", "--state", st, doc).CombinedOutput()
		if err != nil {
			t.Fatalf("run through a flaky proxy: %v\n%s", err, out)
		}
		n := sameEvents(t, store, flakyM, loc, "flaky.1", string(out))
		t.Logf("flaky: %d events, none lost; proxy forwarded %d, dropped %d before and %d after forwarding, 503 %d, delayed %d",
			n, proxy.Forwarded.Load(), proxy.Dropped.Load(), proxy.DroppedAfter.Load(), proxy.Unavailable.Load(), proxy.Delayed.Load())
	})

	slow := writeDoc(t, "slow.md", quickSteps(12, "echo step N; sleep 0.05"))
	t.Run("outage-wait", func(t *testing.T) {
		r := startLive(t, m.command(bin, "run", "--no-tui", "--yes", "--run", "wait", "--if-unreachable", "wait", "--state", st, slow))
		r.waitOutput(t, "step s004", func(o, _ string) bool { return strings.Contains(o, "> s004") })
		proxy.Set(s3test.Faults{Down: true})
		r.waitOutput(t, "word that S3 is unreachable", func(_, e string) bool {
			return strings.Contains(e, "the shared state is unreachable before the next step") && strings.Contains(e, "waiting and retrying")
		})
		o, _ := r.text()
		held := shownStarted.FindAllString(o, -1)
		time.Sleep(500 * time.Millisecond) // the outage goes on; nothing starts
		if o2, _ := r.text(); len(shownStarted.FindAllString(o2, -1)) != len(held) {
			t.Fatalf("a step started while S3 was unreachable:\n%s", o2)
		}
		proxy.Set(s3test.Faults{})
		if code := r.wait(t); code != 0 {
			o, e := r.text()
			t.Fatalf("exit %d after the outage:\n%s\n%s", code, o, e)
		}
		o, _ = r.text()
		n := sameEvents(t, store, m, loc, "wait.1", o)
		t.Logf("outage, waited: told before step %d, %d events, none lost", len(held)+1, n)
	})

	t.Run("outage-local-then-sync", func(t *testing.T) {
		r := startLive(t, m.command(bin, "run", "--no-tui", "--yes", "--run", "local", "--if-unreachable", "local", "--state", st, slow))
		r.waitOutput(t, "step s004", func(o, _ string) bool { return strings.Contains(o, "> s004") })
		proxy.Set(s3test.Faults{Down: true})
		if code := r.wait(t); code != 0 {
			o, e := r.text()
			t.Fatalf("exit %d going on locally:\n%s\n%s", code, o, e)
		}
		_, e := r.text()
		if !strings.Contains(e, "going on locally (journaled)") {
			t.Fatalf("not told:\n%s", e)
		}
		// the choice is journaled
		cache := filepath.Join(m.home, ".cache", "runbook", "s3", loc.Bucket, loc.Prefix, "local.1")
		evs, err := journal.ReadFile(filepath.Join(cache, journal.JournalFile))
		if err != nil {
			t.Fatal(err)
		}
		if !hasType(evs, journal.StateLocal) {
			t.Fatalf("no state-local event in %v", evs)
		}
		// while S3 is down, sync cannot push
		if out, err := m.command(bin, "sync", "--state", st).CombinedOutput(); err == nil {
			t.Fatalf("sync while S3 is down succeeded:\n%s", out)
		}
		proxy.Set(s3test.Faults{})
		out, err := m.command(bin, "sync", "--state", st).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "run local.1: pushed ") {
			t.Fatalf("sync: %v\n%s", err, out)
		}
		n := sameEvents(t, store, m, loc, "local.1", "")
		t.Logf("outage, went on locally: sync pushed the tail, %d events in S3 as in the local journal: %s", n, strings.TrimSpace(string(out)))
	})

	t.Run("sync-refused", func(t *testing.T) {
		r := startLive(t, m.command(bin, "run", "--no-tui", "--yes", "--run", "refused", "--if-unreachable", "local", "--state", st, slow))
		r.waitOutput(t, "step s004", func(o, _ string) bool { return strings.Contains(o, "> s004") })
		proxy.Set(s3test.Faults{Down: true})
		r.wait(t)
		proxy.Set(s3test.Faults{})
		// bob takes the run over once the lease expired, and writes to it
		bob := newMachine(t, srv, "laptop", "RUNBOOK_S3_LEASE=3s")
		waitLockFree(t, store, "refused.1")
		if out, err := bob.command(bin, "run", "--no-tui", "--yes", "--run", "refused", "--take-over", "--state", st, slow).CombinedOutput(); err != nil {
			t.Fatalf("bob: %v\n%s", err, out)
		}
		out, err := m.command(bin, "sync", "--state", st).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "run refused.1: nothing pushed: S3 ") || !strings.Contains(string(out), "someone else wrote to the run") {
			t.Fatalf("sync after bob wrote: %v\n%s", err, out)
		}
		t.Logf("sync refused: %s", strings.TrimSpace(string(out)))
	})
}

func hasType(evs []journal.Event, typ journal.Type) bool {
	for _, e := range evs {
		if e.Type == typ {
			return true
		}
	}
	return false
}
