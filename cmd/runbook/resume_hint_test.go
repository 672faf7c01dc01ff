package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/tui"
)

// The line the TUI prints on leaving an unfinished run is a command the
// CLI accepts, and it resumes that run.
func TestResumeHintResumesTheRun(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	doc := "deploy.md"
	src := "# Deploy\n\n```bash {name=build}\necho built\n```\n\n```bash {name=ship}\ntest -f ok-to-ship\n```\n"
	if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runCLI(t, "run", doc, "--no-tui"); code != 1 {
		t.Fatalf("first run: exit %d, %s", code, errs)
	}
	abs, _ := filepath.Abs(doc)
	ref, ok, err := journal.FindRun(journal.DefaultStateDir(doc), journal.DefaultRunName(doc), abs)
	if err != nil || !ok {
		t.Fatalf("no run: %v", err)
	}
	hint := tui.ResumeHint(doc, ref.Name, "", false)
	args, ok := strings.CutPrefix(hint, "to resume: runbook ")
	if !ok {
		t.Fatalf("hint %q", hint)
	}
	if err := os.WriteFile("ok-to-ship", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, append(strings.Fields(args), "--no-tui")...)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s%s", hint, code, out, errs)
	}
	if !strings.Contains(out+errs, "resuming run "+ref.Name) || !strings.Contains(out, "build  ok earlier in this run") {
		t.Errorf("%s did not resume %s:\n%s%s", hint, ref.Name, out, errs)
	}
}
