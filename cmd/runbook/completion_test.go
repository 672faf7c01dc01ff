package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
)

// completionDoc is a runbook in a fresh directory with a state directory
// holding two runs; the test runs from that directory.
func completionDoc(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	doc := "# Deploy\n\n" +
		"```bash {name=build}\nmake\n```\n\n" +
		"```bash {name=push}\nmake push\n```\n\n" +
		"```bash {name=deploy}\nmake deploy ENV=<env>\n```\n\n" +
		"- [ ] Tell the on-call channel\n"
	for name, body := range map[string]string{
		"deploy.md": doc, "notes.markdown": "# Notes\n", "readme.txt": "x", "sub/inner.md": "# x\n",
		".hidden.md": "# x\n", ".runbook/deploy.1/journal.jsonl": "", ".runbook/deploy.2/journal.jsonl": "", ".runbook/hotfix.1/journal.jsonl": "",
		".runbook/not-a-run/other": "",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Date(2026, 11, 24, 9, 12, 0, 0, time.Local)
	for _, run := range []string{"deploy.1", "deploy.2", "hotfix.1"} {
		if err := os.Chtimes(".runbook/"+run+"/journal.jsonl", when, when); err != nil {
			t.Fatal(err)
		}
	}
}

// complete runs the shell's completion request through the CLI, as the
// scripts of `runbook completion SHELL` do, and returns the candidates
// (without descriptions) and the directive line.
func complete(t *testing.T, args ...string) (cands []string, directive string) {
	t.Helper()
	out, _, code := runCLI(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d", args, code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompletion(t *testing.T) {
	completionDoc(t)
	// The manual step's id is the parser's to choose.
	doc, err := runbook.Load("deploy.md")
	if err != nil || len(doc.Steps) != 4 {
		t.Fatalf("doc: %v, %d steps", err, len(doc.Steps))
	}
	manual := doc.Steps[3].ID + "\tTell the on-call channel"
	for _, c := range []struct {
		name      string
		args      []string
		want      []string
		directive string
	}{
		{"--from: step ids of FILE with their titles", []string{"run", "deploy.md", "--from", ""},
			[]string{"build", "push", "deploy", manual}, ":4"},
		{"--from: by prefix", []string{"run", "deploy.md", "--from", "p"}, []string{"push"}, ":4"},
		{"--from: no FILE yet", []string{"run", "--from", ""}, nil, ":4"},
		{"--from: unreadable FILE", []string{"run", "missing.md", "--from", ""}, nil, ":4"},
		{"--only: a comma list goes on without the ids given", []string{"run", "deploy.md", "--only", "push,"},
			[]string{"push,build", "push,deploy", "push," + manual}, ":6"},
		{"--only: the last element by prefix", []string{"run", "deploy.md", "--only", "build,deploy,p"},
			[]string{"build,deploy,push"}, ":6"},
		{"--run: the lanes, then the runs of the state directory", []string{"report", "deploy.md", "--run", ""},
			[]string{"deploy\tlane: its latest run, or the next; 2 run(s), updated 2026-11-24 09:12",
				"hotfix\tlane: its latest run, or the next; 1 run(s), updated 2026-11-24 09:12",
				"deploy.1\tupdated 2026-11-24 09:12", "deploy.2\tupdated 2026-11-24 09:12", "hotfix.1\tupdated 2026-11-24 09:12"}, ":4"},
		{"--run: by prefix, on run", []string{"run", "deploy.md", "--run", "h"},
			[]string{"hotfix\tlane: its latest run, or the next; 1 run(s), updated 2026-11-24 09:12", "hotfix.1\tupdated 2026-11-24 09:12"}, ":4"},
		{"--run: one exact run", []string{"run", "deploy.md", "--run", "deploy."},
			[]string{"deploy.1\tupdated 2026-11-24 09:12", "deploy.2\tupdated 2026-11-24 09:12"}, ":4"},
		{"--run: --state-dir given", []string{"report", "deploy.md", "--state-dir", "sub", "--run", ""}, nil, ":4"},
		{"--format", []string{"report", "deploy.md", "--format", ""},
			[]string{"md\tthe runbook annotated with each step's status and output", "html\tone self-contained page",
				"json\teverything in the journal", "junit\tJUnit XML, one testcase per step"}, ":4"},
		{"--format: by prefix", []string{"report", "deploy.md", "--format", "j"},
			[]string{"json\teverything in the journal", "junit\tJUnit XML, one testcase per step"}, ":4"},
		{"--set: the names FILE accepts", []string{"run", "deploy.md", "--set", ""}, []string{"env="}, ":6"},
		{"FILE: Markdown files", []string{"run", ""}, []string{"md", "markdown"}, ":8"},
		{"FILE: list", []string{"list", ""}, []string{"md", "markdown"}, ":8"},
		{"FILE: nothing after it", []string{"check", "deploy.md", ""}, nil, ":4"},
		{"--values: YAML files", []string{"run", "deploy.md", "--values", ""}, []string{"yaml", "yml"}, ":8"},
		{"--state-dir: directories", []string{"status", "--state-dir", ""}, nil, ":16"},
		{"runbook FILE: Markdown files and directories", []string{"d"}, []string{"demo\tOpen a built-in example runbook (offline; writes only to a temp dir)", "deploy.md"}, ":4"},
		{"runbook FILE: into a directory", []string{"sub/"}, []string{"sub/inner.md"}, ":4"},
		{"runbook FILE: hidden only when asked", []string{"."}, []string{".hidden.md", ".runbook/"}, ":6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, directive := complete(t, c.args...)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") || directive != c.directive {
				t.Errorf("__complete %q\n got %q %s\nwant %q %s", c.args, got, directive, c.want, c.directive)
			}
		})
	}
}

// TestCompletionScripts: `runbook completion SHELL` prints a script for
// each shell the release ships.
func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "__start_runbook", "zsh": "#compdef runbook", "fish": "complete -c runbook",
		"powershell": "Register-ArgumentCompleter",
	} {
		out, errs, code := runCLI(t, "completion", shell)
		if code != 0 || !strings.Contains(out, marker) {
			t.Errorf("completion %s: exit %d, %q missing (stderr %q)", shell, code, marker, errs)
		}
	}
}
