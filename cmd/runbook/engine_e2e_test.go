//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// exitCode is the exit code of a program the pty harness ran to its end.
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

// killedMidStep runs doc in line mode until its step "slow" has printed
// its first line and pauses, then kills runbook with SIGKILL.
func killedMidStep(t *testing.T) (dir, doc string) {
	t.Helper()
	dir = t.TempDir()
	doc = filepath.Join(dir, "doc.md")
	src := "# T\n\n```sh {name=slow}\necho before-the-kill-1\necho before-the-kill-2\n[ -e " + dir + "/paused ] || { touch " + dir + "/paused; sleep 60; }\necho after-resume\n```\n\n```sh {name=two}\necho two\n```\n"
	if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l := startLine(t, dir, "run", "--no-tui", "--yes", doc)
	poll(t, "the step's output", 20*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "paused"))
		return err == nil && strings.Count(l.text(), "before-the-kill-2") >= 2
	})
	l.cmd.Process.Signal(syscall.SIGKILL)
	l.wait()
	return dir, doc
}

// After kill -9, what the interrupted attempt printed is in every report,
// before and after the resume, and the resumed line-mode run shows it
// under the line that records the step interrupted.
func TestE2EKilledAttemptKeepsItsOutput(t *testing.T) {
	dir, doc := killedMidStep(t)
	// Before the resume: the step is interrupted, with its output.
	if code, out := runIn(t, dir, "status", doc); code != 0 || !strings.Contains(out, "0/2 done (1 interrupted)") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	md := ", runbook stopped during it\n>\n> Error: runbook stopped while the step was running\n>\n> <details><summary>Output (2 lines)</summary>\n>\n> ```text\n> before-the-kill-1\n> before-the-kill-2\n> ```"
	if code, out := runIn(t, dir, "report", "--format", "md", doc); code != 0 || !strings.Contains(out, md) {
		t.Errorf("report before the resume: exit %d\n%s", code, out)
	}

	code, out := runIn(t, dir, "run", "--no-tui", "--yes", doc)
	want := "x slow  interrupted\n    error: runbook stopped while the step was running\n    output before runbook stopped (logs/slow.1.log):\n    before-the-kill-1\n    before-the-kill-2\n> slow  (attempt 2)\n"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("resume: exit %d\n%s\nwant %q", code, out, want)
	}
	// After the resume the step ran again: the interrupted attempt's
	// output is still in every report, said to be interrupted.
	for f, w := range map[string]string{
		"md":   "> <details><summary>Output of attempt 1, interrupted (2 lines)</summary>\n>\n> ```text\n> before-the-kill-1\n> before-the-kill-2\n> ```",
		"html": "<summary>Output of attempt 1, interrupted (2 lines)</summary>\n<pre>before-the-kill-1\nbefore-the-kill-2\n</pre>",
		"json": `"status": "interrupted",`,
	} {
		code, rep := runIn(t, dir, "report", "--format", f, doc)
		if code != 0 || !strings.Contains(rep, w) {
			t.Errorf("%s report after the resume: exit %d, lacks %q\n%s", f, code, w, rep)
		}
		if f == "json" && !strings.Contains(rep, `"log": "logs/slow.1.log"`) {
			t.Errorf("json report: no log for the interrupted attempt\n%s", rep)
		}
	}
}

// After kill -9, reopening the doc in the TUI and resuming shows the
// interrupted attempt's output in the output pane (a guard: the resume
// event names the log, journal.AttemptLog finds it before that).
func TestE2ETUIShowsKilledAttemptsOutput(t *testing.T) {
	dir, doc := killedMidStep(t)
	tm := startTerm(t, dir, doc)
	tm.waitFor("Resume run")
	tm.press("y")
	tm.moveTo("slow")
	tm.waitFor("before-the-kill-2")
	if s := tm.screen(); !strings.Contains(s, "before-the-kill-1") {
		t.Errorf("the pane lacks the first line:\n%s", s)
	}
	tm.press("q")
}

// A step that is not interactive and reads its standard input gets
// nothing (it is /dev/null): it fails, and says why rather than fail
// silently with empty output.
func TestE2EStepReadingStdinSaysWhy(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.md")
	src := "# T\n\n```bash {name=ask}\nread -r answer\necho \"answer=$answer\"\n```\n"
	if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runIn(t, dir, "run", "--no-tui", "--yes", doc)
	out = strings.ReplaceAll(out, "\r", "")
	want := "[runbook] `read` waits for a line typed on the terminal, but this step is not interactive: nobody can type into it and its input is empty. Mark it {interactive} to answer it, or give the input another way.\n"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d\n%s\nwant %q", code, out, want)
	}
	if _, rep := runIn(t, dir, "report", "--format", "md", doc); !strings.Contains(rep, "[runbook] `read` waits for a line") {
		t.Errorf("the report does not say why:\n%s", rep)
	}
}

// A step that is not interactive and waits for a password on its
// terminal is said to wait for input, on one line, at once (not after
// its timeout). In line mode at a terminal what the engineer types then
// goes to the step (not echoed: the step's terminal does not echo a
// password); Ctrl-C stops the run instead (exit 1).
func TestE2EStepWaitingForInputIsSaid(t *testing.T) {
	for _, how := range []string{"answer", "ctrl-c", "yes"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			doc := filepath.Join(dir, "doc.md")
			src := "# T\n\n```bash {name=login}\nprintf 'Password: '\nread -rs pw </dev/tty\necho \"got ${#pw} characters\"\n```\n"
			if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if how == "yes" {
				// --yes: nobody answers; the line says what to do
				tm := startTerm(t, dir, "run", "--no-tui", "--yes", doc)
				tm.waitFor("Mark it {interactive} to answer it; Ctrl-C stops it.")
				tm.press("ctrl+c")
				if code := tm.exitCode(); code != 1 {
					t.Errorf("exit %d, want 1; screen:\n%s", code, tm.screen())
				}
				return
			}
			tm := startTerm(t, dir, "run", "--no-tui", doc)
			tm.waitFor("login  is waiting for input")
			tm.waitFor("(the step is not interactive). Type the answer here")
			want := 1
			if how == "answer" {
				tm.press("hunter2", "enter")
				tm.waitFor("got 7 characters")
				want = 0
			} else {
				tm.press("ctrl+c")
			}
			if code := tm.exitCode(); code != want {
				t.Errorf("exit %d, want %d; screen:\n%s", code, want, tm.screen())
			}
			if s := tm.screen(); strings.Contains(s, "hunter2") {
				t.Errorf("the password was echoed:\n%s", s)
			}
			// read -s: a password whatever its name, never on disk
			if how == "answer" && (!strings.Contains(tm.screen(), "session: pw=****") || bytes.Contains(filesUnder(t, filepath.Join(dir, ".runbook")), []byte("hunter2"))) {
				t.Errorf("the password read with read -s is not kept secret:\n%s", tm.screen())
			}
		})
	}
}
