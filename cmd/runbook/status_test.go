package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
)

func rbCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = execute(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const deployDoc = `---
variables:
  env:
    default: staging
    pattern: "staging|prod"
  token:
    secret: true
---
# Deploy

[VERIFY] Which region do we use? Recommended: us-west-2.

## Build

` + "```bash {name=build}\necho building for <env>\necho \"token=<token>\"\n```" + `

- [ ] Tell the on-call channel

## Release

` + "```bash {name=release}\necho releasing\nexit 3\n```" + `

## Check

` + "```bash {name=after skip}\necho never\n```\n"

var durationRE = regexp.MustCompile(`\d+\.\ds\b`)

func TestRunLineModeStopsAtFailureAndResumes(t *testing.T) {
	t.Setenv("LANG", "C")
	t.Setenv("RUNBOOK_VAR_TOKEN", "hunter2-secret")
	doc := writeDoc(t, "deploy.md", deployDoc)
	state := filepath.Join(filepath.Dir(doc), ".runbook")
	code, out, errOut := rbCLI(t, "run", "--no-tui", "--yes", "--set", "deploy/q1=us-west-2", doc)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	got := durationRE.ReplaceAllString(out, "N.Ns")
	want := `starting run deploy.1 of ` + doc + ` (state: ` + filepath.Join(state, "deploy.1") + `)
> build
    | echo building for staging
    | echo "token=****"
    building for staging
    token=****
+ build  ok  N.Ns
[ ] build/2  manual step, needs a person: Tell the on-call channel
> release
    | echo releasing
    | exit 3
    releasing
x release  failed (exit 3)  N.Ns
summary: 1 ok, 1 failed, 1 pending
1 manual step(s) need a person and are still pending: build/2
answers given in this run are not in the file yet; --write-back writes them:
`
	if !strings.HasPrefix(got, want) {
		t.Fatalf("got:\n%s\nwant prefix:\n%s", got, want)
	}
	if errOut != "runbook: step release failed; run again to resume\n" {
		t.Fatalf("stderr %q", errOut)
	}
	// The secret is nowhere in the state directory.
	filepath.Walk(state, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("hunter2")) {
				t.Errorf("%s holds the secret", p)
			}
		}
		return nil
	})

	// Fix the doc and run again: the run resumes, build is not re-run.
	src, _ := os.ReadFile(doc)
	os.WriteFile(doc, bytes.Replace(src, []byte("exit 3"), []byte("exit 0"), 1), 0o644)
	code, out, errOut = rbCLI(t, "run", "--no-tui", "--yes", "--write-back", doc)
	if code != 0 {
		t.Fatalf("resume exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"resuming run deploy.1 ", "\n+ build  ok earlier in this run\n", "\n+ release  ok  ",
		"\n-[VERIFY] Which region do we use? Recommended: us-west-2.\n+Which region do we use? Recommended: us-west-2. **Verified:** us-west-2 _(",
		"\nwrote 1 answer(s) into " + doc + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("resume output lacks %q:\n%s", want, out)
		}
	}
	src, _ = os.ReadFile(doc)
	if !bytes.Contains(src, []byte("**Verified:** us-west-2")) || bytes.Contains(src, []byte("[VERIFY]")) {
		t.Fatalf("write-back missing:\n%s", src)
	}
	_, st, err := journal.Load(filepath.Join(state, "deploy.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Answers["deploy/q1"].Written || st.Steps["release"].Status != journal.OK || len(st.Steps["release"].Attempts) != 2 {
		t.Fatalf("state %+v", st.Steps["release"])
	}
	// The manual step is still pending: the run is not finished.
	if st.Finished {
		t.Fatal("run finished with a manual step pending")
	}

	code, out, _ = rbCLI(t, "status", "--json", doc)
	if code != 0 {
		t.Fatal(code)
	}
	var sj journal.StatusJSON
	if err := json.Unmarshal([]byte(out), &sj); err != nil {
		t.Fatal(err)
	}
	if len(sj.Runs) != 1 || sj.SchemaVersion != 2 {
		t.Fatalf("status: %s", out)
	}
	r := sj.Runs[0]
	if r.Name != "deploy.1" || r.Lane != "deploy" || r.Status != journal.RunInProgress || r.Done != 2 || r.Total != 3 ||
		r.Counts["ok"] != 2 || r.Counts["pending"] != 1 || r.Finished != nil {
		t.Fatalf("status run %+v", r)
	}
	code, out, _ = rbCLI(t, "status", doc)
	if code != 0 || !strings.Contains(out, "deploy.1  in-progress  2/3 done") {
		t.Fatalf("status text %d:\n%s", code, out)
	}
}

func TestRunMissingFailsBeforeAnyState(t *testing.T) {
	doc := writeDoc(t, "deploy.md", deployDoc)
	code, out, errOut := rbCLI(t, "run", "--no-tui", doc)
	if code != 2 || out != "" {
		t.Fatalf("exit %d out %q", code, out)
	}
	want := `  <token>: --set token=VALUE (or --values FILE, or RUNBOOK_VAR_TOKEN)
  question deploy/q1 (line 11) "Which region do we use? Recommended: us-west-2.": --set deploy/q1=ANSWER
runbook: missing 1 value(s), 1 unanswered question(s); nothing was run
`
	if errOut != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(doc), ".runbook")); !os.IsNotExist(err) {
		t.Fatal("a refused run left state behind")
	}
	code, _, errOut = rbCLI(t, "run", "--no-tui", "--set", "env=dev", "--set", "token=x", "--set", "deploy/q1=y", doc)
	if code != 2 || !strings.Contains(errOut, `value for env does not match its pattern staging|prod: "dev" (from set)`) {
		t.Fatalf("pattern: %d %q", code, errOut)
	}
	code, _, errOut = rbCLI(t, "run", "--no-tui", "--set", "nope=1", doc)
	if code != 2 || !strings.Contains(errOut, "--set nope: not a placeholder, variable or question of") {
		t.Fatalf("unknown set: %d %q", code, errOut)
	}
	bad := writeDoc(t, "bad.md", "# x\n\n```bash\necho unclosed\n")
	code, _, errOut = rbCLI(t, "run", "--no-tui", bad)
	if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, bad+":") {
		t.Fatalf("bad doc: %d %q", code, errOut)
	}
}

func TestRunDryRunAndValuesFile(t *testing.T) {
	doc := writeDoc(t, "deploy.md", deployDoc)
	values := filepath.Join(t.TempDir(), "v.yaml")
	os.WriteFile(values, []byte("env: prod\ntoken: s3cr3t\n"), 0o600)
	code, out, errOut := rbCLI(t, "run", "--no-tui", "--dry-run", "--values", values, doc)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if !strings.Contains(out, "    echo building for prod\n    echo \"token=****\"\n") || strings.Contains(out, "s3cr3t") {
		t.Fatalf("dry run:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(doc), ".runbook")); !os.IsNotExist(err) {
		t.Fatal("dry run left state behind")
	}
	os.WriteFile(values, []byte("env: [a, b]\n"), 0o600)
	if code, _, errOut := rbCLI(t, "run", "--no-tui", "--dry-run", "--values", values, doc); code != 2 || !strings.Contains(errOut, "env must be a string") {
		t.Fatalf("bad values: %d %q", code, errOut)
	}
}

// A --values file takes the same names as --set: a typo in it is refused
// with its line (exit 2) instead of being ignored, and a key may be
// written <placeholder> like a --set name.
func TestRunValuesFileUnknownName(t *testing.T) {
	doc := writeDoc(t, "deploy.md", deployDoc)
	values := filepath.Join(t.TempDir(), "v.yaml")
	os.WriteFile(values, []byte("env: prod\n\ntokn: s3cr3t\n"), 0o600)
	code, out, errOut := rbCLI(t, "run", "--no-tui", "--dry-run", "--values", values, doc)
	if want := "runbook: " + values + ":3: bad values file: tokn is not a placeholder, variable or question of " + doc + "\n"; code != 2 || out != "" || errOut != want {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
	// A values file that is not a map is one line too (it used to be
	// yaml's two-line "unmarshal errors:\n  line 1: …").
	os.WriteFile(values, []byte("- env\n- token\n"), 0o600)
	code, _, errOut = rbCLI(t, "run", "--no-tui", "--dry-run", "--values", values, doc)
	if want := "runbook: " + values + ":1: bad values file: want a map of NAME: value\n"; code != 2 || errOut != want {
		t.Fatalf("exit %d\nstderr %q\nwant   %q", code, errOut, want)
	}
	os.WriteFile(values, []byte("env: prod\n<token>: s3cr3t\n"), 0o600)
	code, out, errOut = rbCLI(t, "run", "--no-tui", "--dry-run", "--values", values, doc)
	if code != 0 || !strings.Contains(out, "    echo \"token=****\"\n") {
		t.Fatalf("exit %d %s\n%s", code, errOut, out)
	}
}

// --dry-run --write-back shows the diff but writes nothing, and says so;
// it used to print "--write-back writes them" although --write-back was
// given.
func TestRunDryRunWriteBackWritesNothing(t *testing.T) {
	doc := writeDoc(t, "deploy.md", deployDoc)
	before, _ := os.ReadFile(doc)
	code, out, errOut := rbCLI(t, "run", "--no-tui", "--dry-run", "--write-back", "--set", "token=x", "--set", "deploy/q1=eu-west-1", doc)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	if !strings.Contains(out, "\ndry run: --write-back would write these answers into the file:\n--- a/") || strings.Contains(out, "not in the file yet") {
		t.Fatalf("output:\n%s", out)
	}
	if after, _ := os.ReadFile(doc); !bytes.Equal(before, after) {
		t.Fatalf("a dry run changed the doc:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(doc), ".runbook")); !os.IsNotExist(err) {
		t.Fatal("dry run left state behind")
	}
}

// --only "a, b" (a list written with spaces, as people do) names steps a
// and b; " b" used to be an unknown step (exit 2).
func TestRunOnlyTrimsSpaces(t *testing.T) {
	doc := writeDoc(t, "steps.md", "# S\n\n```bash {name=a}\necho a\n```\n\n```bash {name=b}\necho b\n```\n\n```bash {name=c}\necho c\n```\n")
	code, out, errOut := rbCLI(t, "run", "--no-tui", "--yes", "--only", "a, c,", "--from", " a", doc)
	if code != 0 || !strings.Contains(out, "\n    a\n") || !strings.Contains(out, "\n    c\n") || strings.Contains(out, "\n    b\n") {
		t.Fatalf("exit %d %s\n%s", code, errOut, out)
	}
}

func TestStatusWithoutRuns(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := rbCLI(t, "status", "--state-dir", dir)
	if code != 0 || out != "no runs in "+dir+"\n" {
		t.Fatalf("%d %q", code, out)
	}
	code, out, _ = rbCLI(t, "status", "--json", "--state-dir", dir)
	if code != 0 || out != "{\n  \"schemaVersion\": 2,\n  \"stateDir\": \""+dir+"\",\n  \"runs\": []\n}\n" {
		t.Fatalf("%d %q", code, out)
	}
}

func TestStatusTellsDeadFromLive(t *testing.T) {
	state := t.TempDir()
	w, err := journal.Create(journal.RunDir(state, "r"))
	if err != nil {
		t.Fatal(err)
	}
	w.Append(journal.Event{Type: journal.RunStarted, Run: "r", Doc: "/x/d.md"})
	w.Append(journal.Event{Type: journal.StepStarted, Step: "a", Attempt: 1})
	status := func() journal.RunJSON {
		code, out, _ := rbCLI(t, "status", "--json", "--state-dir", state)
		var sj journal.StatusJSON
		if code != 0 || json.Unmarshal([]byte(out), &sj) != nil || len(sj.Runs) != 1 {
			t.Fatalf("%d %s", code, out)
		}
		return sj.Runs[0]
	}
	if r := status(); r.Status != journal.RunRunning || r.Counts["running"] != 1 || !r.Live {
		t.Fatalf("live run: %+v", r)
	}
	w.Close() // as if the process died mid-step
	// The step was running when runbook died: interrupted, as the next
	// run records it.
	if r := status(); r.Status != journal.RunStopped || r.Counts["interrupted"] != 1 || r.Live {
		t.Fatalf("dead run: %+v", r)
	}
}
