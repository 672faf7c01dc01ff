package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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
// started from the TUI, the step does not start and the TUI says why;
// starting it again once S3 is back runs it.
func TestE2ES3UnreachableInTheTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	srv := s3test.Start(t)
	proxy := s3test.NewFaultProxy(t, srv.URL, 1)
	dir := t.TempDir()
	doc := filepath.Join(dir, "deploy.md")
	os.WriteFile(doc, []byte("# Deploy\n\n```bash {name=first}\necho first\n```\n\n```bash {name=second}\necho second\n```\n"), 0o644)
	var env []string
	for k, v := range srv.Env() {
		env = append(env, k+"="+v)
	}
	env = append(env, "AWS_ENDPOINT_URL_S3="+proxy.URL, "RUNBOOK_S3_PATIENCE=300ms", "RUNBOOK_HOST=laptop")
	tm := startTermEnv(t, dir, env, "run", "--state", srv.State("tui"), doc)
	tm.waitFor("Checklist")
	tm.moveTo("○ first")
	tm.press("enter")
	tm.waitFor("✓ first")
	proxy.Set(s3test.Faults{Down: true})
	tm.moveTo("○ second")
	tm.press("enter")
	tm.waitFor("unreachable")
	if strings.Contains(tm.screen(), "✓ second") {
		t.Fatalf("the step ran while S3 was unreachable:\n%s", tm.screen())
	}
	proxy.Set(s3test.Faults{})
	tm.press("enter")
	tm.waitFor("✓ second")
	tm.press("q")
	tm.wait()
	// the run reads back whole from S3 on another machine
	out, err := newMachine(t, srv, "ic-desk").command(runbookBinary(t), "status", "--state", srv.State("tui")).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^deploy\.1 +\S+ +2/2 done `).Match(out) {
		t.Fatalf("status: %v\n%s", err, out)
	}
}
