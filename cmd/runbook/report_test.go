package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

const reportDoc = "---\nvariables:\n  token:\n    secret: true\n---\n# Deploy\n\n## Build\n\n```bash {name=build}\nmake build\n```\n\n## Ship\n\n- [ ] Tell the team\n\n```bash {name=ship}\n./ship --token <token>\n```\n"

// reportFixture writes a doc and a run of it (build ok, ship failed with a
// secret in its log) through the real journal writer.
func reportFixture(t *testing.T) (doc string) {
	t.Helper()
	dir := t.TempDir()
	doc = filepath.Join(dir, "deploy.md")
	if err := os.WriteFile(doc, []byte(reportDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := runbook.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	w, err := journal.Create(journal.RunDir(journal.DefaultStateDir(doc), journal.DefaultRunName(doc)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	zero, one := 0, 1
	appendEv := func(e journal.Event) {
		t.Helper()
		if _, err := w.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	appendEv(journal.Event{Type: journal.RunStarted, Run: "deploy", Doc: doc, DocHash: d.Hash, Who: "ci", Host: "runner"})
	for i, st := range d.Steps {
		if st.Kind == runbook.KindManual {
			appendEv(journal.Event{Type: journal.StepMarked, Step: st.ID, Note: "told them"})
			continue
		}
		appendEv(journal.Event{Type: journal.StepStarted, Step: st.ID, Attempt: 1, Hash: st.Hash, Command: st.Code})
		log := w.Log(st.ID, 1)
		out := "built\n"
		ev := journal.Event{Type: journal.StepFinished, Step: st.ID, Attempt: 1, Status: journal.OK, ExitCode: &zero, DurationMS: 1500}
		if i == len(d.Steps)-1 {
			out = "using token hunter2-TOKEN\nship: permission denied\n"
			ev.Status, ev.ExitCode = journal.Failed, &one
		}
		if _, err := log.Write([]byte(out)); err != nil {
			t.Fatal(err)
		}
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
		ev.Log = log.Path()
		appendEv(ev)
	}
	return doc
}

func reportCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = execute(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestReportFormats(t *testing.T) {
	doc := reportFixture(t)
	t.Setenv("RUNBOOK_VAR_TOKEN", "hunter2-TOKEN")

	code, out, errs := reportCLI(t, "report", doc, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		SchemaVersion int `json:"schemaVersion"`
		Steps         []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range r.Steps {
		got = append(got, s.ID+"="+s.Status)
	}
	if r.SchemaVersion != 2 || len(got) != 3 || !strings.HasSuffix(got[0], "=ok") ||
		!strings.HasSuffix(got[1], "=done-by-hand") || got[2] != "ship=failed" {
		t.Errorf("schema %d, steps %v", r.SchemaVersion, got)
	}

	for _, format := range []string{"md", "html", "json", "junit"} {
		code, out, errs := reportCLI(t, "report", doc, "--format", format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s: the secret from RUNBOOK_VAR_TOKEN is in the report", format)
		}
		if !strings.Contains(out, "ship: permission denied") {
			t.Errorf("%s: the failed step's output is missing", format)
		}
	}
	code, out, _ = reportCLI(t, "report", doc, "--format", "junit")
	if code != 0 || xml.Unmarshal([]byte(out), new(struct {
		XMLName xml.Name `xml:"testsuites"`
	})) != nil {
		t.Errorf("junit does not parse (exit %d)", code)
	}
}

func TestReportOutputFile(t *testing.T) {
	doc := reportFixture(t)
	dest := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(dest, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// the format follows -o's extension; stdout stays empty
	code, out, errs := reportCLI(t, "report", doc, "-o", dest)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	b, err := os.ReadFile(dest)
	if err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Fatalf("report.html: %v %.40q", err, b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".*tmp"))
	if len(left) != 0 {
		t.Errorf("temp files left behind: %v", left)
	}
	// an explicit --format wins over the extension
	code, _, _ = reportCLI(t, "report", doc, "--format", "json", "-o", dest)
	if b, _ := os.ReadFile(dest); code != 0 || !bytes.HasPrefix(b, []byte("{")) {
		t.Errorf("--format json -o report.html: exit %d, %.20q", code, b)
	}
	// a directory that does not exist: exit 2, the old file untouched
	code, _, errs = reportCLI(t, "report", doc, "-o", filepath.Join(dest+".d", "x.md"))
	if code != 2 || strings.Count(errs, "\n") != 1 {
		t.Errorf("missing output dir: exit %d, %q", code, errs)
	}
}

func TestReportBadCalls(t *testing.T) {
	doc := reportFixture(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", doc, "--run", "nope"}, `no run "nope" of `},
		{[]string{"report", doc, "--state-dir", t.TempDir()}, `no run "deploy" of `},
		{[]string{"report", doc, "--format", "pdf"}, `unknown --format "pdf"`},
		{[]string{"report", filepath.Join(t.TempDir(), "missing.md")}, "missing.md"},
		{[]string{"report"}, "accepts 1 arg"},
	} {
		code, out, errs := reportCLI(t, c.args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want exit 2, one line with %q)", c.args[1:], code, out, errs, c.want)
		}
	}
}
