package steps

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func TestResumeInterruptedAndStale(t *testing.T) {
	doc := testDoc(t, step("a", ""), step("b", ""), step("c", ""))
	e, _ := open(t, doc, &fakeExec{})
	runAll(e, "")
	// Simulate a crash while c was running: the journal ends with its
	// start, and its log has what it printed.
	e.rec.record(journal.Event{Type: journal.StepStarted, Step: "c", Attempt: 2, Hash: doc.Steps[2].Hash})
	os.WriteFile(filepath.Join(e.RunDir(), journal.LogPath("c", 2)), []byte("half"), 0o600)
	e.Close()

	changed := *doc
	changed.Hash = "doc2"
	changed.Steps = []*runbook.Step{doc.Steps[0], step("b", "new content"), doc.Steps[2]}
	changed.Steps[1].ID = "b"
	e2, rec := open(t, &changed, &fakeExec{})
	if o := e2.Opened(); !o.Resume || o.Run != "deploy.1" {
		t.Fatalf("opened %+v, want deploy.1 resumed", o)
	}
	for id, want := range map[string]journal.Status{"a": journal.OK, "b": journal.Stale, "c": journal.Interrupted} {
		if got := e2.StepStatus(id); got != want {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
	if err := e2.Accept("b"); err != nil {
		t.Fatal(err)
	}
	evs, st, err := journal.Load(e2.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	n := len(evs)
	if evs[n-3].Type != journal.RunResumed || evs[n-2].Status != journal.Interrupted || evs[n-1].Type != journal.StepAccepted || st.DocHash != "doc2" {
		t.Fatalf("resume events: %+v", evs[n-3:])
	}
	// The interrupted attempt names its log: its output is not lost to
	// the pane and the report.
	if a := st.Steps["c"].Attempts[1]; a.Log != journal.LogPath("c", 2) {
		t.Fatalf("interrupted attempt: %+v", a)
	}
	if e2.StepStatus("b") != journal.OK {
		t.Error("accepted step still stale")
	}
	if s, err := runAll(e2, ""); s != journal.OK || err != nil {
		t.Fatal(s, err)
	}
	eq(t, rec.lines(), []string{"step-finished c#2 interrupted", "step-accepted b", "step-started c#3", "step-finished c#3 ok", "run-finished ok"})
	e2.Close()
	// A finished run stays as it is; opening the doc again starts the
	// lane's next run and says so.
	e3, _ := open(t, &changed, &fakeExec{})
	if e3.StepStatus("a") != journal.Pending {
		t.Error("finished run resumed")
	}
	if o := e3.Opened(); o.Run != "deploy.2" || o.Resume || o.Previous == nil || o.Previous.Run != "deploy.1" || !o.Previous.Finished {
		t.Fatalf("opened %+v (previous %+v)", o, o.Previous)
	}
}

// Runs are named after the file name: two docs with one name under one
// state dir share a lane (deploy.1, deploy.2, …) but never a run: each
// opens its own, and naming another doc's run exactly is refused (exit 2
// in the CLI). A doc that moved (nothing left at its old path) keeps its
// run.
func TestOpenKeepsAnotherDocsRunApart(t *testing.T) {
	state := t.TempDir()
	mk := func(dir string) *runbook.Document {
		doc := testDoc(t, step("a", "out:a"))
		doc.Path = filepath.Join(dir, "deploy.md")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(doc.Path, []byte("# deploy\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	root := t.TempDir()
	infra, app := mk(filepath.Join(root, "infra")), mk(filepath.Join(root, "app"))
	reg := NewRegistry()
	reg.Register(runbook.KindShell, &fakeExec{})
	openRun := func(doc *runbook.Document, run string) (*Engine, error) {
		return Open(context.Background(), Config{Doc: doc, Registry: reg, StateDir: state, Run: run, Environ: []string{}})
	}
	e, err := openRun(infra, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Note("", "started"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e, err = openRun(app, "")
	if err != nil {
		t.Fatal(err)
	}
	if o := e.Opened(); o.Run != "deploy.2" || o.Resume {
		t.Fatalf("app opened %+v, want a run of its own", o)
	}
	e.Close()
	_, err = openRun(app, "deploy.1")
	var re *runbook.Error
	want := app.Path + ": run deploy.1 (" + filepath.Join(state, "deploy.1") + ") is the run of " + infra.Path + ", not of this doc; give this doc a run of its own with --run NAME"
	if !errors.As(err, &re) || err.Error() != want {
		t.Fatalf("opening another doc's run: %v\nwant %s", err, want)
	}
	// infra/deploy.md moved to ops/deploy.md: its run resumes.
	moved := filepath.Join(root, "ops", "deploy.md")
	os.MkdirAll(filepath.Dir(moved), 0o755)
	if err := os.Rename(infra.Path, moved); err != nil {
		t.Fatal(err)
	}
	infra.Path = moved
	e, err = openRun(infra, "")
	if err != nil {
		t.Fatalf("a moved doc: %v", err)
	}
	defer e.Close()
	if o := e.Opened(); o.Run != "deploy.1" || !o.Resume {
		t.Fatalf("a moved doc did not resume its run: %+v", o)
	}
}

func TestOpenAfterDeathBeforeTheFirstEvent(t *testing.T) {
	doc := testDoc(t, step("a", ""))
	runDir := journal.RunDir(journal.DefaultStateDir(doc.Path), "deploy")
	w, err := journal.Create(runDir) // the program died right after this
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	e, rec := open(t, doc, &fakeExec{})
	runAll(e, "")
	// a journal appears with its first event (journal.Create): the empty
	// run directory left behind is not a run, and the run goes on in the
	// one the engine opened
	evs, _ := journal.ReadFile(filepath.Join(e.Opened().Dir, journal.JournalFile))
	if len(evs) != 4 || evs[0].Type != journal.RunStarted || evs[3].Type != journal.RunFinished {
		t.Fatalf("events %+v (shown %v)", evs, rec.lines())
	}
}

// A run finishes with the status of the doc's steps as they are: a step
// that failed and was then removed from the doc used to make the finished
// run "failed" although every step of the doc was ok (and line mode had
// exited 0).
func TestFinishIgnoresStepsRemovedFromTheDoc(t *testing.T) {
	doc := testDoc(t, step("keep", "out:k"), step("gone", "exit:3"))
	e, _ := open(t, doc, &fakeExec{})
	if s, _ := runAll(e, ""); s != journal.Failed {
		t.Fatalf("first run: %v", s)
	}
	e.Close()
	fixed := *doc
	fixed.Steps = doc.Steps[:1]
	e2, _ := open(t, &fixed, &fakeExec{})
	if err := e2.Finish(); err != nil {
		t.Fatal(err)
	}
	if st := e2.State(); !st.Finished || st.Status != journal.OK {
		t.Fatalf("finished %v with status %q, want ok", st.Finished, st.Status)
	}
}

// A run another process is starting (its lock taken, its first event not
// written yet) is not skipped: opening the doc in that window used to
// start a second run of it beside the first (cmd/runbook's
// TestRunInUseNamesItsHolder failed under load that way). It is refused,
// naming the holder.
func TestOpenRefusesARunBeingStarted(t *testing.T) {
	doc := testDoc(t, step("a", ""))
	e, _ := open(t, doc, &fakeExec{})
	dir := e.Opened().Dir
	e.Close()
	w, err := journal.Create(dir) // another process's lock, before its first event
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	reg := NewRegistry()
	reg.Register(runbook.KindShell, &fakeExec{})
	_, err = Open(context.Background(), Config{Doc: doc, Registry: reg, Environ: []string{"PATH=/bin"}, Who: "bo", Host: "laptop"})
	var inUse *journal.InUseError
	if !errors.As(err, &inUse) || inUse.Holder == nil || inUse.Holder.PID != os.Getpid() {
		t.Fatalf("open while another process starts the run: %v, want the run in use, naming its holder", err)
	}
}
