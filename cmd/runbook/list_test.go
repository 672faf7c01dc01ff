package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// runCLI executes the CLI in-process and returns stdout, stderr and the code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// chdirFixtures: the fixtures live in the runbook package's testdata; tests run from there so
// the "file" field in the output is just the file name.
func chdirFixtures(t *testing.T) string {
	t.Helper()
	golden, err := filepath.Abs("../../runbook/testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../../runbook/testdata/fixtures")
	return golden
}

func checkListGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, got)
	}
}

func TestListJSONGolden(t *testing.T) {
	golden := chdirFixtures(t)
	files, _ := filepath.Glob("*.md")
	if len(files) < 4 {
		t.Fatalf("fixtures = %v", files)
	}
	for _, f := range files {
		out, errs, code := runCLI(t, "list", "--json", f)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d stderr %q", f, code, errs)
		}
		checkListGolden(t, filepath.Join(golden, strings.TrimSuffix(f, ".md")+".list.json"), out)
	}
}

func TestListTextGolden(t *testing.T) {
	golden := chdirFixtures(t)
	out, errs, code := runCLI(t, "list", "first-deployment.md")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d stderr %q", code, errs)
	}
	checkListGolden(t, filepath.Join(golden, "first-deployment.list.txt"), out)
}

func TestListEmptyArraysAndSmallDoc(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.md")
	os.WriteFile(p, []byte("# A\n\n```bash\nls\n```\n"), 0o644)
	out, _, code := runCLI(t, "list", "--json", p)
	want := `{
  "schemaVersion": 2,
  "file": "` + p + `",
  "title": "A",
  "steps": [
    {
      "id": "a/1",
      "kind": "shell",
      "title": "A",
      "section": "A",
      "line": 3,
      "lang": "bash",
      "attrs": {},
      "placeholders": [],
      "hash": "` + hashOf(t, p) + `",
      "code": "ls"
    }
  ],
  "questions": [],
  "verified": [],
  "placeholders": []
}
`
	if code != 0 || out != want {
		t.Errorf("exit %d, got:\n%s\nwant:\n%s", code, out, want)
	}
}

func hashOf(t *testing.T, p string) string {
	t.Helper()
	doc, err := runbook.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return doc.Steps[0].Hash
}

func TestListBadInput(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin.md")
	os.WriteFile(bin, []byte("#x\n\x00"), 0o644)
	yml := filepath.Join(dir, "yaml.md")
	os.WriteFile(yml, []byte("---\nvariables:\n  a: [\n---\n"), 0o644)
	attr := filepath.Join(dir, "attr.md")
	os.WriteFile(attr, []byte("# A\n```bash {nmae=x}\nls\n```\n"), 0o644)
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"list", filepath.Join(dir, "nope.md")}, "runbook: " + filepath.Join(dir, "nope.md") + ": no such file\n"},
		{[]string{"list", bin}, "runbook: " + bin + ":2: binary file (NUL byte), not a Markdown text file\n"},
		{[]string{"list", "--json", yml}, "runbook: " + yml + ":3: front matter: did not find expected node content\n"},
		{[]string{"list", attr}, "runbook: " + attr + ":2: unknown attribute \"nmae\"\n"},
		{[]string{"list"}, "runbook: accepts 1 arg(s), received 0\n"},
	}
	for _, tc := range cases {
		out, errs, code := runCLI(t, tc.args...)
		if code != 2 || out != "" || errs != tc.err {
			t.Errorf("%v: exit %d stdout %q stderr %q, want exit 2 and %q", tc.args, code, out, errs, tc.err)
		}
	}
}

// list shows what each step runs, marks inferred steps, and lists the
// questions answered by an earlier write-back (docs/writeback.md).
func TestListCodeInferredVerified(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.md")
	src := "# Quick start\n\nWhich cluster? **Verified:** kind _(Alice Ops, 2026-11-24)_\n\n```sh\n$ kind create cluster \\\n    --name <NAME>\nCreating cluster\n```\n\n```\nkubectl cluster-info\n```\n"
	os.WriteFile(p, []byte(src), 0o644)
	out, _, code := runCLI(t, "list", "--json", p)
	for _, want := range []string{
		`"code": "kind create cluster \\\n    --name <NAME>"`,
		`"code": "kubectl cluster-info",` + "\n      \"inferred\": true",
		`"verified": [
    {
      "id": "quick-start/q1",
      "text": "Which cluster?",
      "answer": "kind",
      "by": "Alice Ops",
      "when": "2026-11-24",
      "section": "Quick start",
      "line": 3
    }
  ],`,
		`"name": "name",`,
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, list --json lacks %s:\n%s", code, want, out)
		}
	}
	out, _, _ = runCLI(t, "list", p)
	if !strings.Contains(out, "quick-start/i1  shell*") || !strings.Contains(out, "* inferred: the doc does not label these as commands; run all asks before running them") {
		t.Errorf("list:\n%s", out)
	}
}
