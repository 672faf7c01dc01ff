package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

// TestE2ES3HeldRunReadOnlyThenTakeOver: bob opens, in the TUI, a run on
// S3 that alice is running: he sees it read-only, with who holds it.
// Alice's runbook is killed; once its lease expired, bob takes the run
// over from the TUI's dialog, which shows the holder, and the take-over
// is journaled.
func TestE2ES3HeldRunReadOnlyThenTakeOver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	dir := t.TempDir()
	doc := filepath.Join(dir, "deploy.md")
	flag := filepath.Join(dir, "go-on")
	os.WriteFile(doc, []byte("# Deploy\n\n```bash {name=build}\necho built\n```\n\n```bash {name=wait}\ntest -e "+flag+" || sleep 60\n```\n"), 0o644)
	st := srv.State("tui")
	lease := "RUNBOOK_S3_LEASE=1s"
	alice := startLive(t, newMachine(t, srv, "bastion-1", lease).command(bin, "run", "--no-tui", "--yes", "--state", st, doc))
	alice.waitOutput(t, "step wait", func(o, _ string) bool { return strings.Contains(o, "> wait") })

	var env []string
	for k, v := range srv.Env() {
		env = append(env, k+"="+v)
	}
	env = append(env, "RUNBOOK_HOST=laptop", lease)
	bobHome := t.TempDir()
	tm := startTermEnv(t, bobHome, env, "run", "--state", st, doc)
	tm.waitFor("read-only")
	tm.waitFor("lease live")
	tm.waitFor("1/2 done")
	if s := tm.screen(); !strings.Contains(s, "@bastion-1 since ") || strings.Contains(s, "t take over") {
		t.Fatalf("held view:\n%s", s)
	}
	tm.press("q")
	tm.wait()
	if code := tm.cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit %d after quitting the held view, want 2", code)
	}

	alice.cmd.Process.Kill()
	alice.wait(t)
	loc, _ := state.Parse(st, "")
	store, err := state.OpenS3(context.Background(), loc, state.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	waitLockFree(t, store, "deploy.1")

	tm = startTermEnv(t, bobHome, env, "run", "--state", st, doc)
	tm.waitFor("lease expired")
	tm.press("t")
	tm.waitFor("Take over run deploy.1?")
	tm.press("y")
	tm.waitFor("Checklist")
	os.WriteFile(flag, nil, 0o644)
	tm.moveTo("! wait")
	tm.press("enter")
	tm.waitFor("Run finished") // the end-of-run summary
	tm.press("esc")
	tm.waitFor("✓ wait")
	tm.press("q")
	tm.wait()
	var taken *journal.Event
	for _, e := range s3Events(t, store, "deploy.1") {
		if e.Type == journal.TakenOver {
			taken = &e
		}
	}
	if taken == nil || taken.Host != "laptop" || !strings.Contains(taken.Note, "@bastion-1") {
		t.Fatalf("take-over not journaled: %+v", taken)
	}
}

// TestE2ES3UnreachableInTheTUI: when S3 stays unreachable as a step is
// started from the TUI, the engineer gets line mode's choice in a dialog
// (issue 15 §5): waiting retries (and asks again while S3 stays down),
// stop leaves the step not started, continuing locally runs it and is
// journaled.
func TestE2ES3UnreachableInTheTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	srv := s3test.Start(t)
	proxy := s3test.NewFaultProxy(t, srv.URL, 1)
	dir := t.TempDir()
	doc := filepath.Join(dir, "deploy.md")
	os.WriteFile(doc, []byte("# Deploy\n\n```bash {name=first}\necho first\n```\n\n```bash {name=second}\necho second\n```\n\n```bash {name=third}\necho third\n```\n"), 0o644)
	var env []string
	for k, v := range srv.Env() {
		env = append(env, k+"="+v)
	}
	// Patience is how long S3 may take before the engineer is asked: 2s
	// keeps each outage below short, and a gateway slowed by a loaded
	// machine (300ms was once too little for the first step) is not an
	// outage.
	env = append(env, "AWS_ENDPOINT_URL_S3="+proxy.URL, "RUNBOOK_S3_PATIENCE=2s", "RUNBOOK_HOST=laptop")
	tm := startTermEnv(t, dir, env, "run", "--state", srv.State("tui"), doc)
	tm.waitFor("Checklist")
	tm.moveTo("○ first")
	tm.press("enter")
	tm.waitFor("✓ first")

	// wait and retry: asked again while S3 stays down; runs once it is back
	proxy.Set(s3test.Faults{Down: true})
	tm.moveTo("○ second")
	tm.press("enter")
	tm.waitFor("S3 unreachable:")
	tm.waitFor("Continue locally (sync later with `runbook sync`)")
	if strings.Contains(tm.screen(), "✓ second") {
		t.Fatalf("the step ran while S3 was unreachable:\n%s", tm.screen())
	}
	tm.press("enter") // Wait and retry
	tm.waitFor("waiting for S3 and retrying")
	tm.waitFor("S3 unreachable:")
	proxy.Set(s3test.Faults{})
	tm.press("enter")
	tm.waitFor("✓ second")

	// stop: the step does not start
	proxy.Set(s3test.Faults{Down: true})
	tm.moveTo("○ third")
	tm.press("enter")
	tm.waitFor("S3 unreachable:")
	tm.press("down", "down", "enter") // Stop
	tm.waitFor("the step did not start")
	if strings.Contains(tm.screen(), "✓ third") {
		t.Fatalf("the step ran after Stop:\n%s", tm.screen())
	}

	// continue locally: the step runs, the choice is journaled
	tm.press("enter")
	tm.waitFor("S3 unreachable:")
	tm.press("down", "enter")  // Continue locally
	tm.waitFor("Run finished") // the end-of-run summary
	tm.press("esc")
	tm.waitFor("✓ third")
	tm.press("q")
	tm.wait()
	var journaled bool
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == journal.JournalFile {
			b, _ := os.ReadFile(p)
			journaled = journaled || strings.Contains(string(b), `"state-local"`)
		}
		return nil
	})
	if !journaled {
		t.Fatal("going on locally was not journaled")
	}
}
