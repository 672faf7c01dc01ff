package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// The binary is built once per test process, the first time a test needs
// it (a TestMain would be shared with every other test of this package).
var binary struct {
	once sync.Once
	path string
	err  error
	dir  string
}

func runbookBinary(tb testing.TB) string {
	tb.Helper()
	binary.once.Do(func() {
		removeStaleBinaries()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("runbook-test-bin-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			binary.err = err
			return
		}
		binary.dir = dir
		binary.path = filepath.Join(dir, "runbook")
		out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		tb.Fatal(binary.err)
	}
	return binary.path
}

// removeStaleBinaries deletes the binaries of earlier test processes that
// are gone: without a TestMain nothing removes them at exit.
func removeStaleBinaries() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "runbook-test-bin-*"))
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "runbook-test-bin-%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// quickSteps is a runbook of n quick shell steps, each printing its number.
func quickSteps(n int, code string) string {
	var b strings.Builder
	b.WriteString("# Many steps\n\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "## Step %d\n\n```bash {name=s%03d}\n%s\n```\n\n", i, i, strings.ReplaceAll(code, "N", fmt.Sprint(i)))
	}
	return b.String()
}

func writeDoc(t testing.TB, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lineEnv makes line mode print plain ASCII without colours.
func lineEnv() []string {
	return append(os.Environ(), "LANG=C", "LC_ALL=C", "NO_COLOR=1")
}

var (
	shownStarted  = regexp.MustCompile(`(?m)^> (\S+)`)
	shownFinished = regexp.MustCompile(`(?m)^\+ (\S+)  ok  `)
)

// TestKill9LosesNothingShown kills a real run at random moments; after
// each kill the journal parses and holds every step the run had shown as
// started or finished, and the next run resumes it.
func TestKill9LosesNothingShown(t *testing.T) {
	bin := runbookBinary(t)
	doc := writeDoc(t, "many.md", quickSteps(40, "echo step N"))
	state := filepath.Join(t.TempDir(), "state")
	// The run of lane "kill" the last command worked on: kill.1, or a
	// later one when a run got to its end before its kill.
	latestRun := func() string {
		abs, _ := filepath.Abs(doc)
		if refs, _ := journal.LaneRuns(state, "kill", abs); len(refs) > 0 {
			return refs[0].Dir
		}
		return journal.RunDir(state, "kill.1")
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("seed %d", seed)
	deadline := time.Now().Add(20 * time.Second)
	kills, checked := 0, 0
	for kills < 20 && time.Now().Before(deadline) {
		cmd := exec.Command(bin, "run", "--no-tui", "--yes", "--run", "kill", "--state-dir", state, doc)
		cmd.Env = lineEnv()
		var stdout, stderr bytes.Buffer
		var mu sync.Mutex
		cmd.Stderr = &stderr
		pipe, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		copied := make(chan struct{})
		go func() {
			sc := bufio.NewReader(pipe)
			for {
				line, err := sc.ReadString('\n')
				mu.Lock()
				stdout.WriteString(line)
				mu.Unlock()
				if err != nil {
					close(copied)
					return
				}
			}
		}()
		time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-copied
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			// The run got to its end before the kill: fine, a finished
			// run stays as it is and the next one starts afresh.
			if err != nil {
				t.Fatalf("run ended on its own with %v:\n%s%s", err, stdout.String(), stderr.String())
			}
			continue
		}
		kills++
		mu.Lock()
		shown := stdout.String()
		mu.Unlock()
		events, err := journal.ReadFile(filepath.Join(latestRun(), journal.JournalFile))
		if err != nil {
			if strings.Contains(err.Error(), "no journal") && !shownStarted.MatchString(shown) {
				continue // killed before the journal existed, nothing shown
			}
			t.Fatalf("kill %d: journal unreadable: %v", kills, err)
		}
		started, finished := map[string]bool{}, map[string]bool{}
		for _, e := range events {
			switch {
			case e.Type == journal.StepStarted:
				started[e.Step] = true
			case e.Type == journal.StepFinished && e.Status == journal.OK:
				finished[e.Step] = true
			}
		}
		checked += len(shownStarted.FindAllString(shown, -1)) + len(shownFinished.FindAllString(shown, -1))
		for _, m := range shownStarted.FindAllStringSubmatch(shown, -1) {
			if !started[m[1]] {
				t.Fatalf("kill %d: %s was shown as started but is not in the journal\nshown:\n%s", kills, m[1], shown)
			}
		}
		for _, m := range shownFinished.FindAllStringSubmatch(shown, -1) {
			if !finished[m[1]] {
				t.Fatalf("kill %d: %s was shown as finished but is not in the journal\nshown:\n%s", kills, m[1], shown)
			}
		}
	}
	t.Logf("%d kills, %d shown lines found in the journal", kills, checked)
	if kills < 10 {
		t.Fatalf("only %d kills landed", kills)
	}
	// The last resume runs to the end.
	cmd := exec.Command(bin, "run", "--no-tui", "--yes", "--run", "kill", "--state-dir", state, doc)
	cmd.Env = lineEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("final resume: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("summary: 40 ok")) {
		t.Fatalf("final resume did not complete:\n%s", out)
	}
	// It showed what earlier runs did and ran only the rest.
	earlier := strings.Count(string(out), "  ok earlier in this run\n")
	ran := len(shownFinished.FindAll(out, -1))
	if earlier+ran != 40 {
		t.Fatalf("resume showed %d earlier + %d run:\n%s", earlier, ran, out)
	}
}

// TestCtrlCInterruptsTheStepAndStopsTheRun sends SIGINT to a line-mode run
// in the middle of a long step.
func TestCtrlCInterruptsTheStepAndStopsTheRun(t *testing.T) {
	bin := runbookBinary(t)
	doc := writeDoc(t, "slow.md", "# Slow\n\n```bash {name=slow}\necho started; sleep 30\n```\n\n```bash {name=after}\necho never\n```\n")
	cmd := exec.Command(bin, "run", "--no-tui", "--yes", doc)
	cmd.Env = lineEnv()
	var out bytes.Buffer
	var mu sync.Mutex
	pipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			mu.Lock()
			out.WriteString(line)
			mu.Unlock()
			if err != nil {
				close(done)
				return
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		started := strings.Contains(out.String(), "    started\n")
		mu.Unlock()
		if started {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("step never started:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	t0 := time.Now()
	cmd.Process.Signal(os.Interrupt)
	<-done
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out.String())
	}
	if d := time.Since(t0); d > 8*time.Second {
		t.Fatalf("took %v to stop", d)
	}
	if !strings.Contains(out.String(), "x slow  interrupted  ") || strings.Contains(out.String(), "> after") {
		t.Fatalf("output:\n%s", out.String())
	}
	_, st, err := journal.Load(journal.RunDir(filepath.Join(filepath.Dir(doc), ".runbook"), "slow.1"))
	if err != nil || st.Steps["slow"].Status != journal.Interrupted || st.Finished {
		t.Fatalf("journal: %v %+v", err, st)
	}
}

// BenchmarkLineMode100 is one `runbook run --no-tui --yes` of 100 `true`
// steps (fresh state each time); compare with BenchmarkBashLoop100.
func BenchmarkLineMode100(b *testing.B) {
	bin := runbookBinary(b)
	doc := writeDoc(b, "hundred.md", quickSteps(100, "true"))
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cmd := exec.Command(bin, "run", "--no-tui", "--yes", "--state-dir", filepath.Join(dir, fmt.Sprint(i)), doc)
		cmd.Env = lineEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}

// BenchmarkBashLoop100 is the floor: 100 `bash -c true` one after another.
func BenchmarkBashLoop100(b *testing.B) {
	for b.Loop() {
		for range 100 {
			if err := exec.Command("bash", "-c", "true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLineModeRatio alternates the two above, so that both see the
// same machine load, and reports line mode / bash loop for the fastest and
// the median iteration (target: ≤ 1.10 on a quiet machine). It measures
// the release build (CGO off, as .goreleaser.yaml builds it: a static
// binary, no dynamic loader at start), or RUNBOOK_LINE_BIN.
func BenchmarkLineModeRatio(b *testing.B) { lineModeRatio(b, "true") }

// BenchmarkLineModeSessionRatio is the same with steps that each set a
// variable: the shell session lists each step's state before and after
// it and carries the variable on (issue 14).
func BenchmarkLineModeSessionRatio(b *testing.B) { lineModeRatio(b, "S_N=N") }

func lineModeRatio(b *testing.B, code string) {
	bin := os.Getenv("RUNBOOK_LINE_BIN")
	if bin == "" {
		bin = releaseBinary(b, b.TempDir())
	}
	doc := writeDoc(b, "hundred.md", quickSteps(100, code))
	dir := b.TempDir()
	var line, bash []time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		cmd := exec.Command(bin, "run", "--no-tui", "--yes", "--state-dir", filepath.Join(dir, fmt.Sprint(i)), doc)
		cmd.Env = lineEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		line = append(line, time.Since(t0))
		t0 = time.Now()
		for range 100 {
			if err := exec.Command("bash", "-c", "true").Run(); err != nil {
				b.Fatal(err)
			}
		}
		bash = append(bash, time.Since(t0))
	}
	slices.Sort(line)
	slices.Sort(bash)
	b.ReportMetric(float64(line[0])/float64(bash[0]), "ratio-min")
	b.ReportMetric(float64(line[len(line)/2])/float64(bash[len(bash)/2]), "ratio-median")
	b.ReportMetric(float64(line[0].Milliseconds()), "line-min-ms")
	b.ReportMetric(float64(bash[0].Milliseconds()), "bash-min-ms")
}
