package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/report"
	"github.com/runbook-sh/runbook/tui"
)

// exportRun is what the TUI's "export report" needs of the open run: the
// *steps.Engine has it.
type exportRun interface {
	Doc() *runbook.Document
	RunDir() string
	Flush() error
}

// tuiExporter is the export behind the end-of-run summary's `x`/`X`: the
// same report as `runbook report`, of the run open in the TUI, written
// atomically into the run's own directory (report.html, report.md…),
// where it never overwrites a file of the engineer's. The summary shows
// the path. environ and now are os.LookupEnv and time.Now.
func tuiExporter(run exportRun, environ func(string) (string, bool), now func() time.Time) tui.ExportFunc {
	return func(format string) (string, error) {
		// The report reads the journal from disk: everything recorded so
		// far must be there.
		if err := run.Flush(); err != nil {
			return "", fmt.Errorf("export report: %w", err)
		}
		dir := run.RunDir()
		events, st, err := journal.Load(dir)
		if err != nil {
			return "", fmt.Errorf("export report: read run: %w", err)
		}
		doc := run.Doc()
		in := report.Input{Doc: doc, State: st, Events: events, RunDir: dir,
			Secrets: secretValues(doc, environ), Now: now(), Live: true}
		var body bytes.Buffer
		if err := report.Write(&body, format, in); err != nil {
			return "", fmt.Errorf("export report: %w", err)
		}
		path := filepath.Join(dir, "report"+report.Extension(format))
		if err := writeReport(path, body.Bytes()); err != nil {
			return "", fmt.Errorf("export report: %w", err)
		}
		return path, nil
	}
}
