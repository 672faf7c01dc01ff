package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runLine runs `runbook run --no-tui --yes` on doc in its directory and
// returns the exit code, stdout and stderr.
func runLine(t *testing.T, doc string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(runbookBinary(t), append(append([]string{"run", "--no-tui", "--yes"}, args...), doc)...)
	cmd.Dir = filepath.Dir(doc)
	cmd.Env = lineEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// The reproduction of issue 11 §1 with the built binary: a here-string
// into bash ran the value. It is refused before any step runs (the first
// step would have created a file), exit 2, with one line naming the
// placeholder, the step and its line, and the pattern that would admit
// such a value.
func TestInjectionRefusedBeforeAnythingRuns(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "PWNED")
	first := filepath.Join(dir, "first-ran")
	doc := writeDocIn(t, dir, "doc.md", "# T\n\n```bash {name=first}\ntouch "+first+"\n```\n\n```bash {name=s}\nbash <<< \"echo hello <evil>\"\n```\n\n```bash {name=t}\nbash -c \"echo <evil>\"\n```\n")
	code, _, stderr := runLine(t, doc, "--set", "evil=; touch "+marker)
	want := "runbook: " + doc + ":7: step s: value for <evil> is read as code there (bash reads its standard input as code) and has characters outside letters, digits and ._-/:@%+=,~; no pattern admits it there: pass it as an argument, not inside code a program runs (docs/substitution.md)\n"
	if code != 2 || stderr != want {
		t.Fatalf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
	for _, f := range []string{marker, first} {
		if _, err := os.Stat(f); err == nil {
			t.Fatalf("%s exists: something ran", f)
		}
	}
	// a value a pattern could admit says so
	code, _, stderr = runLine(t, doc, "--set", "evil=two words")
	want = "runbook: " + doc + ":7: step s: value for <evil> is read as code there (bash reads its standard input as code) and has characters outside letters, digits and ._-/:@%+=,~; to admit such values deliberately, give evil a pattern in the front matter\n"
	if code != 2 || stderr != want {
		t.Fatalf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
}

// `git log <rev>` with --output=FILE wrote a file (argument injection).
func TestArgumentInjectionRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "written")
	doc := writeDocIn(t, dir, "doc.md", "# T\n\n```bash {name=log}\ngit log <rev>\n```\n")
	code, _, stderr := runLine(t, doc, "--set", "rev=--output="+out)
	if code != 2 || !strings.Contains(stderr, "doc.md:3: step log: value for <rev> would be read as an option (it begins with '-'); put -- before it in the command; to admit such values deliberately, give rev a pattern in the front matter") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the option was passed to git")
	}
}

// An upper-case ```SH fence was escaped as bash but run by dash, where
// `--set "x='; echo INJECTED; #"` printed INJECTED. It now runs in bash,
// the dialect the value was escaped for.
func TestUpperCaseShFenceRunsWhatWasEscaped(t *testing.T) {
	dir := t.TempDir()
	doc := writeDocIn(t, dir, "doc.md", "# T\n\n```SH {name=s}\necho '<x>' $'<x>'; echo \"$BASH_VERSION\" | cut -c1\n```\n")
	code, stdout, stderr := runLine(t, doc, "--set", "x='; echo INJECTED; #")
	if code != 0 || strings.Contains(stdout, "\nINJECTED") || !strings.Contains(stdout, "'; echo INJECTED; # '; echo INJECTED; #") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// perl {run} and js {run} blocks failed (the code went after -c).
func TestRunBlocksOfOtherLanguages(t *testing.T) {
	var src strings.Builder
	src.WriteString("# T\n\n")
	want := 0
	for _, l := range []struct{ lang, prog, code string }{
		{"python", "python3", "print('hello from python')"},
		{"perl", "perl", "print \"hello from perl\\n\";"},
		{"js", "node", "console.log('hello from js')"},
		{"ruby", "ruby", "puts 'hello from ruby'"},
	} {
		if _, err := exec.LookPath(l.prog); err != nil {
			continue
		}
		want++
		src.WriteString("```" + l.lang + " {run}\n" + l.code + "\n```\n\n")
	}
	doc := writeDocIn(t, t.TempDir(), "doc.md", src.String())
	code, stdout, stderr := runLine(t, doc)
	if code != 0 || strings.Count(stdout, "\n    hello from ") != want || want < 3 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func writeDocIn(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A done-if check is a shell command even on a python block: it ran in
// python (`python3 -c "test -e …"`) and failed.
func TestDoneIfOfAPythonBlockRunsInTheShell(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	doc := writeDocIn(t, dir, "doc.md", "# T\n\n```python {run done-if=\"test -e doc.md\"}\nprint('should not run')\n```\n")
	code, stdout, stderr := runLine(t, doc)
	if code != 0 || strings.Contains(stdout, "\n    should not run") || !strings.Contains(stdout, "already done") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
