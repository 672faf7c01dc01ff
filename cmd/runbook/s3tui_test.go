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
