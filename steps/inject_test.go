package steps

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps/internal/fuzzexec"
)

// The injection property test (issue 11 §1): every context of
// testdata/inject/contexts.txt, with every hostile value, is either
// refused by Substitute or, run under the real shell with the stand-ins of
// testdata/inject/bin for the programs that would reach a server (ssh,
// kubectl, mysql, sudo …, which run what they receive as bash), creates
// no file PWNED. A refusal is always safe; the point is that nothing
// accepted ever runs as code.

// hostileValues try to create PWNED in the working directory from every
// kind of context: shell separators and substitutions, quotes of every
// kind, newlines, options, interpreter and SQL-client syntax, unicode,
// invalid UTF-8 and NUL.
var hostileValues = []string{
	"; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "'; touch PWNED; '", "\"; touch PWNED; \"",
	"\ntouch PWNED\n", "x' ; touch PWNED #", "'\"$(touch PWNED)\"'", "a[$(touch PWNED)]",
	"');import os;os.system('touch PWNED')#", "\");import os;os.system(\"touch PWNED\")#",
	"\"; system(\"touch PWNED\"); \"", "@{[system \"touch PWNED\"]}",
	"{__import__('os').system('touch PWNED')}", "\");require('child_process').execSync('touch PWNED');(\"",
	"\\! touch PWNED", "x\n.shell touch PWNED", "x;e touch PWNED", "!touch PWNED", "|touch PWNED",
	"touch PWNED|", "' OR 1=1; -- \n\\! touch PWNED", "é\u202e; touch PWNED", "a\x00; touch PWNED",
	"${IFS}touch${IFS}PWNED", "$'\\x3b'touch PWNED", "\\\"; touch PWNED; \\\"", "EOF\ntouch PWNED\nEOF",
	"}; touch PWNED; {", "<(touch PWNED)", "&& touch PWNED", "\xff\xfe; touch PWNED", "\r\ntouch PWNED",
	"--output=PWNED", "-oPWNED", "-oProxyCommand=touch PWNED", "--to-command=touch PWNED", "-e", "*",
	"touch PWNED", "PWNED", "", "safe-value_1.2:3@4%5+6=7,8~9/x", "\\",
}

// posixValues are the values the POSIX sh pass uses: those that end or
// open a quote or start code, where bash's and dash's grammars differ
// ($'…', backslashes in quotes). An ```sh block escaped as bash but run by
// dash printed INJECTED.
var posixValues = []string{
	"; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "'; touch PWNED; '", "\"; touch PWNED; \"",
	"\ntouch PWNED\n", "x' ; touch PWNED #", "'\"$(touch PWNED)\"'", "a[$(touch PWNED)]", "$'\\x3b'touch PWNED",
	"\\\"; touch PWNED; \\\"", "\\'; touch PWNED; '", "EOF\ntouch PWNED\nEOF", "-oPWNED", "--output=PWNED", "\xff\xfe; touch PWNED",
}

// injectionContext is one line of the corpus.
type injectionContext struct {
	line int
	code string
}

func loadContexts(t testing.TB) []injectionContext {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "inject", "contexts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []injectionContext
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		l = strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(l)
		out = append(out, injectionContext{line: n, code: l})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// injectionEnv is the environment the trials run in: the stand-ins first
// on PATH, a private HOME, and $REPO, a git repository with one commit.
func injectionEnv(t testing.TB) []string {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join("testdata", "inject", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	path := bin + string(os.PathListSeparator) + os.Getenv("PATH")
	if py := realPython(); py != "" {
		path = bin + string(os.PathListSeparator) + py + string(os.PathListSeparator) + os.Getenv("PATH")
	}
	home := t.TempDir()
	env := []string{
		"PATH=" + path, "HOME=" + home, "LC_ALL=C.UTF-8", "REPO=" + filepath.Join(home, "repo", ".git"),
		"SHELL=/bin/bash", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t", "GIT_TERMINAL_PROMPT=0",
	}
	repo := exec.Command("sh", "-c", "git init -q repo && git -C repo commit -q --allow-empty -m m")
	repo.Dir, repo.Env = home, env
	if out, err := repo.CombinedOutput(); err != nil {
		t.Fatalf("make $REPO: %v\n%s", err, out)
	}
	return env
}

// realPython is the directory of the python3 that python3 runs, found
// once: a version manager's shim (pyenv) costs 0.4 s a start here.
var realPython = sync.OnceValue(func() string {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return ""
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
})

// trialStep is the step a context runs as: a bash block, or a block that
// asks for POSIX sh.
func trialStep(code string, posix bool) *runbook.Step {
	st := &runbook.Step{Kind: runbook.KindShell, Lang: "bash", Code: code}
	if posix {
		st.Lang, st.Attrs.Shell = "sh", "sh"
	}
	return st
}

// trial is one accepted substitution to run.
type trial struct {
	ctx   injectionContext
	value string
	run   string
}

func TestInjectionProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real shells")
	}
	for _, sh := range []struct {
		name  string
		posix bool
	}{{"bash", false}, {"sh", true}} {
		prog, err := exec.LookPath(sh.name)
		if err != nil {
			t.Logf("no %s: skipped", sh.name)
			continue
		}
		t.Run(sh.name, func(t *testing.T) {
			contexts := loadContexts(t)
			var batches [][]trial
			trials, refused := 0, 0
			values := hostileValues
			if sh.posix {
				values = posixValues
			}
			for _, v := range values {
				var batch []trial
				for _, c := range contexts {
					trials++
					run, _, err := Substitute(trialStep(c.code, sh.posix), c.code, map[string]Value{"x": {Text: v}})
					switch {
					case err != nil:
						refused++
					case strings.IndexByte(v, 0) >= 0 && run != c.code:
						// (a placeholder in a comment is not filled in at all)
						t.Fatalf("contexts.txt:%d accepted a value with a NUL byte", c.line)
					default:
						batch = append(batch, trial{ctx: c, value: v, run: run})
					}
				}
				batches = append(batches, batch)
			}
			ran := runBatches(t, prog, sh.posix, injectionEnv(t), batches)
			t.Logf("%s: %d contexts × %d values = %d trials: %d refused, %d ran, no marker", sh.name, len(contexts), len(values), trials, refused, ran)
		})
	}
}

// runBatches runs each batch (the accepted trials of one value) as one
// shell script, each trial in a subshell in a directory of its own, on as
// many workers as there are CPUs, and fails on any marker found.
func runBatches(t *testing.T, prog string, posix bool, env []string, batches [][]trial) int {
	work := make(chan []trial)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran := 0
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				n := runBatch(t, prog, posix, env, b)
				mu.Lock()
				ran += n
				mu.Unlock()
			}
		}()
	}
	for _, b := range batches {
		work <- b
	}
	close(work)
	wg.Wait()
	return ran
}

func runBatch(t *testing.T, prog string, posix bool, env []string, batch []trial) int {
	if len(batch) == 0 {
		return 0
	}
	dir := t.TempDir()
	var script strings.Builder
	for i, tr := range batch {
		d := filepath.Join(dir, fmt.Sprint(i))
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Error(err)
			return 0
		}
		// eval: a trial that does not parse fails alone, not the batch
		fmt.Fprintf(&script, "( set -e; cd %s && eval %s; wait ) </dev/null >/dev/null 2>&1\n", ShellQuote(d), ShellQuote(tr.run))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, "-c", script.String())
	if !posix {
		cmd.Args = []string{prog, "--noprofile", "--norc", "-c", script.String()}
	}
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := cmd.Run()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // stragglers of the trials
	if ctx.Err() != nil {
		t.Errorf("a batch of value %q did not finish in 60s (%v)", batch[0].value, err)
	}
	for i, tr := range batch {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprint(i), "PWNED")); err == nil {
			t.Errorf("contexts.txt:%d: value %q ran as code\ncontext: %s\nran:     %s", tr.ctx.line, tr.value, tr.ctx.code, tr.run)
		}
	}
	return len(batch)
}

// FuzzInjection is the property test's fuzz target for CI's short
// fuzzing (scripts/fuzz): any value, in any context of the corpus, is
// refused or creates no PWNED.
func FuzzInjection(f *testing.F) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		f.Skip("no bash")
	}
	fuzzexec.KeepPipesFromChildren(f)
	contexts := loadContexts(f)
	env := injectionEnv(f)
	for i, v := range hostileValues {
		f.Add(uint16(i*7%len(contexts)), v)
	}
	f.Fuzz(func(t *testing.T, at uint16, v string) {
		c := contexts[int(at)%len(contexts)]
		run, _, err := Substitute(trialStep(c.code, false), c.code, map[string]Value{"x": {Text: v}})
		if err != nil {
			return
		}
		if strings.IndexByte(v, 0) >= 0 && run != c.code {
			// (a placeholder in a comment is not filled in at all)
			t.Fatalf("contexts.txt:%d accepted a value with a NUL byte", c.line)
		}
		dir := t.TempDir()
		// Well inside the fuzzer's own 10 s per input, after which it
		// kills the worker and the trial's processes would live on.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", run+"\nwait")
		cmd.Dir = dir
		cmd.Env = env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		_ = cmd.Run()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
			t.Fatalf("contexts.txt:%d: value %q ran as code\ncontext: %s\nran:     %s", c.line, v, c.code, run)
		}
	})
}
