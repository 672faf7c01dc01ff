package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

type fixedRun struct {
	doc     *runbook.Document
	dir     string
	flushed int
}

func (r *fixedRun) Doc() *runbook.Document { return r.doc }
func (r *fixedRun) RunDir() string         { return r.dir }
func (r *fixedRun) Flush() error           { r.flushed++; return nil }

var _ exportRun = (*steps.Engine)(nil)

// The TUI's export writes the same report as `runbook report`, into the
// run's directory, secrets masked.
func TestTUIExporter(t *testing.T) {
	docPath := reportFixture(t)
	doc, err := runbook.Load(docPath)
	if err != nil {
		t.Fatal(err)
	}
	run := &fixedRun{doc: doc, dir: journal.RunDir(journal.DefaultStateDir(docPath), journal.DefaultRunName(docPath))}
	env := func(k string) (string, bool) {
		if k == "RUNBOOK_VAR_TOKEN" {
			return "hunter2-TOKEN", true
		}
		return "", false
	}
	now := func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) }
	export := tuiExporter(run, env, now)
	for _, f := range []string{"html", "md"} {
		path, err := export(f)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(run.dir, "report."+f); path != want {
			t.Errorf("%s report at %s, want %s", f, path, want)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "permission denied") || strings.Contains(string(b), "hunter2-TOKEN") {
			t.Errorf("%s report lacks the failure or shows the secret:\n%.400s", f, b)
		}
	}
	if run.flushed != 2 {
		t.Errorf("journal flushed %d times, want before each export", run.flushed)
	}
	if _, err := export("pdf"); err == nil {
		t.Error("an unknown format must fail")
	}
}
