//go:build unix

package shell

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
)

// syncBuffer is an output writer the test can read while the step runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func shellStep(code string) *runbook.Step {
	return &runbook.Step{ID: "t", Kind: runbook.KindShell, Lang: "bash", Code: code}
}

func run(t *testing.T, e *Executor, code string) (steps.Result, string) {
	t.Helper()
	var out syncBuffer
	res := e.Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: &out, Dir: t.TempDir()})
	return res, out.String()
}

var pgidRE = regexp.MustCompile(`pgid=(\d+)`)

// pgidFrom waits for the step to print "pgid=N" and returns N.
func pgidFrom(t *testing.T, out *syncBuffer) int {
	t.Helper()
	var pgid int
	waitFor(t, "the step to print its pgid", func() bool {
		m := pgidRE.FindStringSubmatch(out.String())
		if m == nil {
			return false
		}
		pgid, _ = strconv.Atoi(m[1])
		return true
	})
	return pgid
}

// assertGroupGone checks that no live process of the group is left: Run
// must not return before that, so there is no polling here.
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if err := syscall.Kill(-pgid, 0); err == syscall.ESRCH {
		return
	}
	if groupAlive(pgid) {
		t.Fatalf("process group %d still has live processes after Run returned", pgid)
	}
}

func TestExitCodes(t *testing.T) {
	e := New(Options{})
	tests := []struct {
		code string
		want int
		out  string
	}{
		{"true", 0, ""},
		{"exit 3", 3, ""},
		{"false; echo not-reached", 1, ""},        // errexit
		{"false | true; echo not-reached", 1, ""}, // pipefail
		{"echo a; kill -TERM $$", 128 + 15, "a\r\n"},
		{"printf 'x\\ny\\n'", 0, "x\r\ny\r\n"},
	}
	for _, tt := range tests {
		res, out := run(t, e, tt.code)
		if res.ExitCode != tt.want || res.Err != nil || res.TimedOut || res.Interrupted {
			t.Errorf("%q: result %+v, want exit %d", tt.code, res, tt.want)
		}
		if out != tt.out {
			t.Errorf("%q: output %q, want %q", tt.code, out, tt.out)
		}
		if res.OK() != (tt.want == 0) {
			t.Errorf("%q: OK() = %v", tt.code, res.OK())
		}
	}
}

func TestEnvDirAndTerminal(t *testing.T) {
	dir := t.TempDir()
	var out syncBuffer
	code := `printf '%s|%s|%s|' "$FOO" "$PWD" "$TERM"; [ -t 1 ] && printf tty; [ -t 0 ] || printf '|stdin-not-tty'`
	res := New(Options{}).Run(context.Background(), steps.Request{
		Step: shellStep(code), Command: code, Output: &out, Dir: dir,
		Env: []string{"FOO=bar baz", "PATH=" + os.Getenv("PATH")},
	})
	if !res.OK() {
		t.Fatalf("result %+v, output %q", res, out.String())
	}
	real, _ := filepath.EvalSymlinks(dir)
	want := "bar baz|" + real + "|xterm-256color|tty|stdin-not-tty"
	if got := out.String(); got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
}

func TestShellChoice(t *testing.T) {
	for _, tt := range []struct {
		step *runbook.Step
		want string
	}{
		{&runbook.Step{Kind: runbook.KindShell, Lang: "bash"}, "bash --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "shell"}, "bash --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "console"}, "bash --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "sh"}, "bash --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "SH"}, "bash --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "zsh"}, "zsh -f -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "sh", Attrs: runbook.Attrs{Shell: "sh"}}, "sh -e -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "sh", Attrs: runbook.Attrs{Shell: "dash"}}, "dash -e -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "bash", Attrs: runbook.Attrs{Shell: "/bin/bash -x"}}, "/bin/bash -x --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "bash", Attrs: runbook.Attrs{Shell: "/usr/bin/env bash"}}, "/usr/bin/env bash --noprofile --norc -e -o pipefail -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "text", Attrs: runbook.Attrs{Run: true, Shell: "frob"}}, "frob -c X"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "python", Attrs: runbook.Attrs{Run: true, Shell: "python3"}}, "python3 /dev/fd/3"},
		{&runbook.Step{Kind: runbook.KindShell, Lang: "js", Attrs: runbook.Attrs{Run: true, Shell: "node"}}, "node --preserve-symlinks-main /dev/fd/3"},
		{nil, "bash --noprofile --norc -e -o pipefail -c X"},
	} {
		if got := strings.Join(Argv(interpFor(tt.step), "X", "/dev/fd/3"), " "); got != tt.want {
			t.Errorf("Argv(%+v) = %q, want %q", tt.step, got, tt.want)
		}
	}
}

// An sh block runs in bash (issue 13 §6): pushd, [[ ]], echo -e and
// process substitution behave as the author meant; shell=sh still gets
// POSIX sh.
func TestShBlockRunsInBash(t *testing.T) {
	var out syncBuffer
	code := `pushd / >/dev/null; [[ -n x ]] && echo -e 'a\tb'; cat <(echo ps); echo "$0"`
	st := &runbook.Step{Kind: runbook.KindShell, Lang: "SH", Code: code}
	res := New(Options{NoPTY: true}).Run(context.Background(), steps.Request{Step: st, Output: &out})
	if !res.OK() || out.String() != "a\tb\nps\nbash\n" {
		t.Fatalf("result %+v output %q", res, out.String())
	}
	out = syncBuffer{}
	st = &runbook.Step{Kind: runbook.KindShell, Lang: "sh", Attrs: runbook.Attrs{Shell: "sh"}, Code: `echo "$0"`}
	if res := New(Options{NoPTY: true}).Run(context.Background(), steps.Request{Step: st, Output: &out}); !res.OK() || out.String() != "sh\n" {
		t.Fatalf("shell=sh: result %+v output %q", res, out.String())
	}
}

func TestStartFailure(t *testing.T) {
	st := shellStep("true")
	st.Attrs.Shell = "/nonexistent/shell"
	res := New(Options{}).Run(context.Background(), steps.Request{Step: st, Output: io.Discard})
	if res.Err == nil || res.OK() {
		t.Fatalf("want a start error, got %+v", res)
	}
}

func TestOutputIsStreamed(t *testing.T) {
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	code := `echo first; while [ ! -e "$GATE" ]; do sleep 0.01; done; echo second`
	var out syncBuffer
	done := make(chan steps.Result)
	go func() {
		done <- New(Options{}).Run(context.Background(), steps.Request{
			Step: shellStep(code), Command: code, Output: &out,
			Env: append(os.Environ(), "GATE="+gate),
		})
	}()
	// The step cannot finish before the gate exists, so seeing "first"
	// here proves output arrives while it runs.
	waitFor(t, "the first line", func() bool { return out.String() == "first\r\n" })
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if !res.OK() || out.String() != "first\r\nsecond\r\n" {
		t.Fatalf("result %+v output %q", res, out.String())
	}
}

func TestInterruptSendsSIGINTToGroup(t *testing.T) {
	code := `trap 'echo got-int; exit 7' INT; sleep 100 & echo pgid=$$; while :; do sleep 0.01; done`
	var out syncBuffer
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan steps.Result)
	go func() {
		done <- New(Options{Grace: 5 * time.Second}).Run(ctx, steps.Request{Step: shellStep(code), Command: code, Output: &out})
	}()
	pgid := pgidFrom(t, &out)
	cancel(steps.ErrInterrupted)
	res := <-done
	if !res.Interrupted || res.TimedOut || res.Err != nil || res.ExitCode != 7 {
		t.Fatalf("result %+v, want interrupted with the trap's exit 7", res)
	}
	if !strings.Contains(out.String(), "got-int\r\n") {
		t.Fatalf("the trap did not run: %q", out.String())
	}
	if res.Duration > 4*time.Second {
		t.Fatalf("took %s: the step should have stopped at SIGINT, not at SIGKILL", res.Duration)
	}
	assertGroupGone(t, pgid)
}

func TestInterruptIgnoredIsKilledAfterGrace(t *testing.T) {
	code := `trap '' INT; echo pgid=$$; while :; do sleep 0.01; done`
	var out syncBuffer
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan steps.Result)
	grace := 200 * time.Millisecond
	go func() {
		done <- New(Options{Grace: grace}).Run(ctx, steps.Request{Step: shellStep(code), Command: code, Output: &out})
	}()
	pgid := pgidFrom(t, &out)
	start := time.Now()
	cancel(steps.ErrInterrupted)
	res := <-done
	if !res.Interrupted || res.ExitCode != 128+9 || res.Err != nil {
		t.Fatalf("result %+v, want interrupted and SIGKILLed (137)", res)
	}
	if el := time.Since(start); el < grace {
		t.Fatalf("killed after %s, before the %s grace", el, grace)
	}
	assertGroupGone(t, pgid)
}

func TestOtherCancellationIsReported(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := New(Options{}).Run(ctx, steps.Request{Step: shellStep("true"), Command: "true"})
	if !res.Interrupted || res.Err == nil {
		t.Fatalf("result %+v, want interrupted with the cancellation as Err", res)
	}
}

func TestTimeoutKillsWholeGroup(t *testing.T) {
	code := `echo pgid=$$; trap '' TERM; sleep 100 & sleep 100; wait`
	var out syncBuffer
	res := New(Options{Grace: 100 * time.Millisecond}).Run(context.Background(), steps.Request{
		Step: shellStep(code), Command: code, Output: &out, Timeout: 300 * time.Millisecond,
	})
	if !res.TimedOut || res.Interrupted || res.OK() {
		t.Fatalf("result %+v, want timed out", res)
	}
	if res.Duration > 5*time.Second {
		t.Fatalf("took %s", res.Duration)
	}
	assertGroupGone(t, pgidFrom(t, &out))
}

func TestTimeoutSIGTERM(t *testing.T) {
	code := `echo pgid=$$; sleep 100 & sleep 100; wait`
	var out syncBuffer
	res := New(Options{Grace: 10 * time.Second}).Run(context.Background(), steps.Request{
		Step: shellStep(code), Command: code, Output: &out, Timeout: 200 * time.Millisecond,
	})
	if !res.TimedOut || res.ExitCode != 128+15 {
		t.Fatalf("result %+v, want timed out by SIGTERM (143)", res)
	}
	if res.Duration > 5*time.Second {
		t.Fatalf("took %s: SIGTERM should have been enough", res.Duration)
	}
	assertGroupGone(t, pgidFrom(t, &out))
}

func TestBackgroundChildIsKilled(t *testing.T) {
	code := `sleep 100 & echo pgid=$$ child=$!`
	res, out := run(t, New(Options{}), code)
	if !res.OK() {
		t.Fatalf("result %+v", res)
	}
	m := regexp.MustCompile(`pgid=(\d+) child=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	pgid, _ := strconv.Atoi(m[1])
	assertGroupGone(t, pgid)
}

func TestEscapedProcessDoesNotBlockRun(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	// A process that leaves the group still holds the terminal; Run gives
	// up draining after DrainTimeout instead of waiting for it.
	code := `setsid sleep 30 & echo esc=$!`
	res, out := run(t, New(Options{DrainTimeout: 200 * time.Millisecond}), code)
	if m := regexp.MustCompile(`esc=(\d+)`).FindStringSubmatch(out); m != nil {
		pid, _ := strconv.Atoi(m[1])
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if !res.OK() || res.Duration > 5*time.Second {
		t.Fatalf("result %+v", res)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	e := New(Options{Grace: 50 * time.Millisecond})
	run(t, e, "true") // warm up lazily started runtime goroutines
	before := runtime.NumGoroutine()
	for range 3 {
		run(t, e, "echo x; sleep 100 &")
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		e.Run(ctx, steps.Request{Step: shellStep("sleep 100"), Command: "sleep 100"})
		cancel()
		e.Run(context.Background(), steps.Request{Step: shellStep("sleep 100"), Command: "sleep 100", Timeout: 50 * time.Millisecond})
	}
	waitFor(t, "goroutines to settle", func() bool { return runtime.NumGoroutine() <= before })
}

func TestConsoleComparesOutput(t *testing.T) {
	e := New(Options{})
	st := &runbook.Step{Lang: "console", Console: true, Code: "echo hello\necho world", Expected: "hello\r\nworld   \n\n"}
	var out syncBuffer
	res := e.Run(context.Background(), steps.Request{Step: st, Command: st.Code, Output: &out})
	if !res.OK() || out.String() != "hello\r\nworld\r\n" {
		t.Fatalf("matching transcript: result %+v output %q", res, out.String())
	}

	st.Expected = "hello\nmars\n"
	out = syncBuffer{}
	res = e.Run(context.Background(), steps.Request{Step: st, Command: st.Code, Output: &out})
	want := "hello\r\nworld\r\n" +
		"\r\n[runbook] the output differs from the output documented in the runbook (not a failure):\r\n" +
		"--- documented\r\n+++ actual\r\n hello\r\n-mars\r\n+world\r\n"
	if !res.OK() || out.String() != want {
		t.Fatalf("differing transcript: result %+v\noutput %q\nwant   %q", res, out.String(), want)
	}
}

func TestLineDiff(t *testing.T) {
	a := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	b := []string{"1", "2", "3", "4", "X", "6", "7", "8"}
	got := strings.Join(lineDiff(a, b), "\n")
	want := "@@ … @@\n 3\n 4\n-5\n+X\n 6\n 7\n@@ … @@"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if n := normalizeTranscript("\x1b[32mok\x1b[0m  \r\n10%\r50%\r100%\r\n\r\n"); strings.Join(n, "|") != "ok|100%" {
		t.Fatalf("normalize: %q", n)
	}
}

func TestInteractiveGetsTheTerminal(t *testing.T) {
	master, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer master.Close()
	defer tty.Close()
	code := `read -r x; echo "got:$x"; [ -t 0 ] && echo stdin-tty`
	var out syncBuffer
	go func() { _, _ = bytesCopy(&out, master) }()
	done := make(chan steps.Result)
	capture := &syncBuffer{}
	go func() {
		done <- New(Options{}).Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Terminal: tty, Output: capture})
	}()
	if _, err := master.Write([]byte("abc\n")); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if !res.OK() {
		t.Fatalf("result %+v", res)
	}
	waitFor(t, "the step's answer on the terminal", func() bool {
		return strings.Contains(out.String(), "got:abc\r\nstdin-tty\r\n")
	})
	if capture.String() != "" {
		t.Fatalf("an interactive step's output was captured: %q", capture.String())
	}
}

func bytesCopy(w *syncBuffer, r *os.File) (int, error) {
	buf := make([]byte, 1024)
	n := 0
	for {
		k, err := r.Read(buf)
		n += k
		_, _ = w.Write(buf[:k])
		if err != nil {
			return n, err
		}
	}
}

func TestNoPTY(t *testing.T) {
	code := `printf 'a\nb\n'; [ -t 1 ] || echo not-a-tty; echo pgid=$$; sleep 100 &`
	var out syncBuffer
	res := New(Options{NoPTY: true}).Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: &out})
	if !res.OK() || !strings.HasPrefix(out.String(), "a\nb\nnot-a-tty\npgid=") {
		t.Fatalf("result %+v output %q", res, out.String())
	}
	assertGroupGone(t, pgidFrom(t, &out))
}

// TestInteractiveForeground runs a child process in its own session with a
// pty as controlling terminal (as the engineer's shell would run runbook),
// which runs an interactive step: the step must be the terminal's
// foreground group (so that it can read the keyboard), and afterwards the
// child must get the terminal back without being stopped by SIGTTOU.
func TestInteractiveForeground(t *testing.T) {
	if os.Getenv("RUNBOOK_FG_HELPER") != "" {
		code := `read -r x; echo "got:$x"; [ "$(ps -o tpgid= -p $$ | tr -d ' ')" = "$(ps -o pgid= -p $$ | tr -d ' ')" ] && echo step-foreground`
		res := New(Options{}).Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Terminal: os.Stdin})
		fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		fmt.Printf("result ok=%v err=%v\n", res.OK(), res.Err)
		if err == nil && fg == unix.Getpgrp() {
			fmt.Println("fg-restored")
		}
		return
	}
	if _, err := exec.LookPath("ps"); err != nil {
		t.Skip("no ps")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInteractiveForeground$")
	cmd.Env = append(os.Environ(), "RUNBOOK_FG_HELPER=1")
	master, err := pty.Start(cmd)
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer master.Close()
	timer := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	if _, err := master.Write([]byte("abc\n")); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	_, _ = bytesCopy(&out, master) // until the child exits (EIO)
	_ = cmd.Wait()
	for _, want := range []string{"got:abc", "step-foreground", "result ok=true err=<nil>", "fg-restored"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("missing %q in the child's terminal output:\n%s", want, out.String())
		}
	}
}

// TestRunnerKilledStepGoesToo: when runbook itself dies (kill -9), the
// step's terminal is hung up and the kernel sends SIGHUP to the step's
// group, so nothing is left running.
func TestRunnerKilledStepGoesToo(t *testing.T) {
	if os.Getenv("RUNBOOK_DEATH_HELPER") != "" {
		code := `echo pgid=$$; sleep 100 & sleep 100`
		New(Options{}).Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: os.Stdout})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunnerKilledStepGoesToo$")
	cmd.Env = append(os.Environ(), "RUNBOOK_DEATH_HELPER=1")
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := pgidFrom(t, &out)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	waitFor(t, "the step's group to be gone", func() bool { return !groupAlive(pgid) })
}

func TestNoFileDescriptorLeak(t *testing.T) {
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(ents)
	}
	e := New(Options{Grace: 50 * time.Millisecond})
	pipes := New(Options{NoPTY: true})
	run(t, e, "true")
	// An executor keeps /dev/null open for its steps' stdin; a NoPTY one
	// also keeps a lifeline terminal ready for its next step (two
	// descriptors) and the last step's master until the next step starts
	// (one), never more.
	run(t, pipes, "true")
	before := count()
	for range 5 {
		run(t, e, "echo hi; sleep 100 &")
		run(t, pipes, "echo hi; sleep 100 &")
		e.Run(context.Background(), steps.Request{Step: shellStep("sleep 100"), Command: "sleep 100", Timeout: 10 * time.Millisecond})
	}
	if after := count(); after > before {
		t.Fatalf("%d file descriptors open before, %d after", before, after)
	}
}

// TestOutputComplete: every byte the step wrote arrives, in order, up to
// the last one written just before it exits.
func TestOutputComplete(t *testing.T) {
	var want strings.Builder
	for i := 1; i <= 50000; i++ {
		want.WriteString(strconv.Itoa(i))
		want.WriteString("\n")
	}
	for _, opt := range []Options{{}, {NoPTY: true}} {
		res, out := run(t, New(opt), "seq 1 50000; printf end")
		w := want.String()
		if !opt.NoPTY {
			w = strings.ReplaceAll(w, "\n", "\r\n")
		}
		if !res.OK() || out != w+"end" {
			t.Fatalf("NoPTY=%v: result %+v, %d bytes of output, want %d (tail %q)", opt.NoPTY, res, len(out), len(w)+3, out[max(0, len(out)-20):])
		}
	}
}

// TestShellLookedUpOnce: the shell is found in $PATH once per Executor and
// still runs under its own name; when the remembered program is gone the
// step fails to start and the next one looks it up again.
func TestShellLookedUpOnce(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	first, second := t.TempDir(), t.TempDir()
	if err := os.Symlink(bash, filepath.Join(first, "mysh")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", first+string(os.PathListSeparator)+second+string(os.PathListSeparator)+os.Getenv("PATH"))
	e := New(Options{NoPTY: true})
	run := func(t *testing.T, e *Executor, code string) (steps.Result, string) {
		var out syncBuffer
		st := shellStep(code)
		st.Attrs.Shell = "mysh"
		res := e.Run(context.Background(), steps.Request{Step: st, Output: &out, Dir: t.TempDir()})
		return res, out.String()
	}
	if res, out := run(t, e, "echo $0"); !res.OK() || out != "mysh\n" {
		t.Fatalf("result %+v output %q", res, out)
	}
	if got := e.paths["mysh"]; got != filepath.Join(first, "mysh") {
		t.Fatalf("remembered %q", got)
	}
	if err := os.Remove(filepath.Join(first, "mysh")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bash, filepath.Join(second, "mysh")); err != nil {
		t.Fatal(err)
	}
	if res, _ := run(t, e, "true"); res.Err == nil || res.OK() {
		t.Fatalf("want a start error for the removed program, got %+v", res)
	}
	if res, out := run(t, e, "echo $0"); !res.OK() || out != "mysh\n" || e.paths["mysh"] != filepath.Join(second, "mysh") {
		t.Fatalf("result %+v output %q remembered %q", res, out, e.paths["mysh"])
	}
}
