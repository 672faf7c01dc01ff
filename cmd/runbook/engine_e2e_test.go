//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A step whose interpreter changed since it ran is stale on resume: the
// fence moved from sh to bash, or the front matter now runs sh blocks
// with another shell.
func TestE2EInterpreterChangeIsStale(t *testing.T) {
	base := "# T\n\n```sh {name=a}\necho a\n```\n\n```sh {name=b}\nexit 3\n```\n"
	for name, edit := range map[string]func(string) string{
		"fence sh to bash":   func(s string) string { return strings.Replace(s, "```sh {name=a}", "```bash {name=a}", 1) },
		"front matter shell": func(s string) string { return "---\nshell: sh\n---\n" + s },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			doc := filepath.Join(dir, "doc.md")
			if err := os.WriteFile(doc, []byte(base), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, out := runIn(t, dir, "run", "--no-tui", "--yes", doc); code != 1 {
				t.Fatalf("first run: exit %d\n%s", code, out)
			}
			if err := os.WriteFile(doc, []byte(edit(base)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := runIn(t, dir, "status", doc)
			if code != 0 || !strings.Contains(out, "0/2 done (1 failed, 1 stale)") {
				t.Errorf("status after the change: exit %d\n%s", code, out)
			}
		})
	}
}

// exitOf is the exit code of a program the pty harness ran to its end.
func (tm *ptyTerm) exitCode() int {
	tm.t.Helper()
	tm.wait()
	var ee *exec.ExitError
	if errors.As(tm.err, &ee) {
		return ee.ExitCode()
	}
	if tm.err != nil {
		tm.t.Fatalf("wait: %v", tm.err)
	}
	return 0
}

// Ctrl-C stops a line-mode run with exit 1 (docs/cli.md: interrupted is
// 1), whether it comes while a step runs or while runbook asks something,
// and the journal then says the run can be resumed.
func TestE2ELineModeCtrlCExitsOne(t *testing.T) {
	doc := "# T\n\n```sh {name=slow}\necho started-slow\nsleep 30\n```\n\n1. [ ] Call the on-call engineer.\n\n```sh {name=last}\necho last\n```\n"
	for _, at := range []string{"step", "prompt", "secret prompt"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			src := doc
			switch at {
			case "prompt":
				src = strings.Replace(doc, "sleep 30", "true", 1)
			case "secret prompt":
				src = strings.Replace(doc, "sleep 30", "echo <api-token>", 1)
			}
			path := filepath.Join(dir, "doc.md")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			tm := startTerm(t, dir, "run", "--no-tui", path)
			if at == "step" {
				tm.waitUntil("the step's output", func(s string) bool { return strings.Count(s, "started-slow") >= 2 })
			} else if at == "prompt" {
				tm.waitFor("Call the on-call engineer")
				tm.waitFor("[n]o, stop:")
			} else {
				tm.waitFor("api-token")
			}
			tm.press("ctrl+c")
			code := tm.exitCode()
			if code != 1 {
				t.Errorf("exit %d after Ctrl-C at a %s, want 1; screen:\n%s", code, at, tm.screen())
			}
			if !strings.Contains(tm.screen(), "run again to resume") && !strings.Contains(tm.screen(), "interrupted") {
				t.Errorf("no word of the interruption:\n%s", tm.screen())
			}
		})
	}
}
