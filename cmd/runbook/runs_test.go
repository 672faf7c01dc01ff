package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/tui"
)

const twoLaneSteps = "# Two\n\n```bash {name=a}\necho a\n```\n\n```bash {name=b}\necho b\n```\n"

// Running a finished doc again used to rename the finished run silently
// and start a new one under the old name. Now the finished run stays as
// it is, the new run is the lane's next, and the first line says so.
func TestRunAfterAFinishedRunSaysWhatHappens(t *testing.T) {
	doc := writeDoc(t, "two.md", twoLaneSteps)
	code, out, errOut := rbCLI(t, "run", "--no-tui", "--yes", doc)
	if code != 0 || !strings.HasPrefix(out, "starting run two.1 of ") || !strings.Contains(out, "run two.1 finished: every step is done\n") {
		t.Fatalf("first run %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = rbCLI(t, "run", "--no-tui", "--yes", doc)
	if code != 0 || !strings.HasPrefix(out, "starting run two.2 of ") ||
		!strings.Contains(out, "\nrun two.1 finished ok on ") || !strings.Contains(out, "; this is a new run\n") {
		t.Fatalf("second run %d:\n%s%s", code, out, errOut)
	}
	code, out, _ = rbCLI(t, "status", "--json", doc)
	var sj journal.StatusJSON
	if code != 0 || json.Unmarshal([]byte(out), &sj) != nil || len(sj.Runs) != 2 || sj.Runs[0].Name != "two.2" || sj.Runs[1].Name != "two.1" {
		t.Fatalf("status: %s", out)
	}
	// report reads the lane's latest run, or one run by its full name.
	for run, want := range map[string]string{"": "two.2", "two": "two.2", "two.1": "two.1"} {
		args := []string{"report", doc, "--format", "json"}
		if run != "" {
			args = append(args, "--run", run)
		}
		code, out, errOut := rbCLI(t, args...)
		var r struct{ Run struct{ Name string } }
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Run.Name != want {
			t.Errorf("report --run %q: %d %s %s", run, code, r.Run.Name, errOut)
		}
	}
}

// "Start a new run" in the TUI used to create a run (dated, under another
// name) that reopening the doc and `report` then ignored. The new run is
// the lane's next run: reopening resumes it, report reads it, and the
// run left behind stays as it is.
func TestANewRunIsTheOneReopenedAndReported(t *testing.T) {
	doc := writeDoc(t, "two.md", strings.Replace(twoLaneSteps, "echo b", "exit 3", 1))
	if code, out, _ := rbCLI(t, "run", "--no-tui", "--yes", doc); code != 1 {
		t.Fatalf("first run: %d\n%s", code, out)
	}
	d, err := runbook.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	// What the TUI's "Start a new run" opens.
	w, err := wireEngine(context.Background(), d, engineFlags{}, wireOptions{NewRun: true})
	if err != nil {
		t.Fatal(err)
	}
	o := w.engine.Opened()
	if o.Run != "two.2" || o.Resume || o.Previous == nil || o.Previous.Run != "two.1" || o.Previous.Finished {
		t.Fatalf("new run %+v (previous %+v)", o, o.Previous)
	}
	if line := openingLine(w.engine, doc, w.engine.RunDir(), false); !strings.HasSuffix(line, "\nrun two.1 is left unfinished as it is") {
		t.Errorf("opening line %q", line)
	}
	if err := w.engine.Note("", "started over"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	code, out, _ := rbCLI(t, "run", "--no-tui", "--yes", doc)
	if code != 1 || !strings.HasPrefix(out, "resuming run two.2 of ") {
		t.Fatalf("reopened %d:\n%s", code, out)
	}
	code, out, _ = rbCLI(t, "report", doc, "--format", "json")
	var r struct{ Run struct{ Name string } }
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Run.Name != "two.2" {
		t.Fatalf("report: %d %q", code, r.Run.Name)
	}
	_, st, err := journal.Load(strings.TrimSuffix(doc, "two.md") + ".runbook/two.1")
	if err != nil || st.Steps["b"].Status != journal.Failed {
		t.Fatalf("the run left behind changed: %v %+v", err, st)
	}
}

// Quitting the TUI while a step runs ("Interrupt and quit", a hang-up)
// exits 1, as docs/cli.md says; it used to exit 0.
func TestTUIExitStatus(t *testing.T) {
	var fe *failedError
	if err := tuiExit(tui.Result{Interrupted: "deploy"}); !errors.As(err, &fe) || exitCode(err) != exitFailed ||
		err.Error() != "step deploy interrupted; open the doc again to resume" {
		t.Errorf("interrupted: %v", err)
	}
	if err := tuiExit(tui.Result{HungUp: true}); exitCode(err) != exitFailed {
		t.Errorf("hung up: %v", err)
	}
	if err := tuiExit(tui.Result{}); err != nil {
		t.Errorf("quit: %v", err)
	}
}
