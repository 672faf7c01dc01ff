package steps

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// drive answers a session's actions from a script, one entry per action
// that needs an answer ("kind:choice", e.g. "manual:done"), running every
// ActRun, and returns the actions seen ("run a", "manual m", …) and the
// outcome.
func drive(t *testing.T, s *Session, script ...string) ([]string, *Outcome) {
	t.Helper()
	var seen []string
	for i := 0; i < 100; i++ {
		a := s.Next()
		for _, n := range a.Notes {
			seen = append(seen, "note "+n.Kind.String()+" "+noteSubject(n))
		}
		if a.Kind == ActDone {
			return seen, a.Outcome
		}
		what := a.Kind.String()
		if a.Step != nil {
			what += " " + a.Step.ID
		}
		seen = append(seen, what)
		if a.Kind == ActRun {
			if _, err := s.Run(context.Background(), RunOptions{}); err != nil {
				seen = append(seen, "error "+err.Error())
			}
			continue
		}
		if len(script) == 0 {
			t.Fatalf("no answer left for %s; seen %v", what, seen)
		}
		kind, choice, _ := strings.Cut(script[0], ":")
		script = script[1:]
		if kind != a.Kind.String() {
			t.Fatalf("script answers %s, the session asks %s; seen %v", kind, what, seen)
		}
		c := Choice{}
		for k, name := range choiceNames {
			if name == choice {
				c.Kind = ChoiceKind(k)
			}
		}
		if err := s.Choose(c); err != nil {
			t.Fatalf("choose %s: %v", script, err)
		}
	}
	t.Fatalf("the session never ended: %v", seen)
	return nil, nil
}

func noteSubject(n Note) string {
	if n.Step != nil {
		return n.Step.ID
	}
	var ids []string
	for _, st := range n.Steps {
		ids = append(ids, st.ID)
	}
	return strings.Join(ids, ",")
}

func manual(id string) *runbook.Step {
	return &runbook.Step{ID: id, Kind: runbook.KindManual, Title: id, Code: "call Bob", Hash: "h" + id}
}

// Enter (or r) on a step that already succeeded used to run it again
// without asking; the session asks, and "no" runs nothing and is no
// failure.
func TestSessionAsksBeforeRunningADoneStepAgain(t *testing.T) {
	ex := &fakeExec{}
	e, _ := open(t, testDoc(t, step("a", "out:a"), step("b", "")), ex)
	s := NewSession(e, Policy{Ask: true})
	if err := s.RunStep("a"); err != nil {
		t.Fatal(err)
	}
	if seen, out := drive(t, s); strings.Join(seen, ",") != "run a" || out.ExitCode() != 0 {
		t.Fatalf("first run: %v %+v", seen, out)
	}
	s.RunStep("a")
	seen, out := drive(t, s, "rerun:stop")
	if strings.Join(seen, ",") != "rerun a" || out.ExitCode() != 0 || out.Reason != "a not run again" || len(ex.reqs) != 1 {
		t.Fatalf("declined: %v %+v, %d runs", seen, out, len(ex.reqs))
	}
	s.RunStep("a")
	seen, _ = drive(t, s, "rerun:run")
	if strings.Join(seen, ",") != "rerun a,run a" || len(e.State().Steps["a"].Attempts) != 2 {
		t.Fatalf("confirmed: %v", seen)
	}
	// A failed step is retried without asking.
	f := step("f", "exit:1")
	e2, _ := open(t, testDoc(t, f), &fakeExec{})
	s2 := NewSession(e2, Policy{Ask: true})
	s2.RunStep("f")
	drive(t, s2, "failed:stop")
	s2.RunStep("f")
	if seen, _ := drive(t, s2, "failed:stop"); strings.Join(seen, ",") != "run f,failed f" {
		t.Fatalf("retry: %v", seen)
	}
}

// Run-all used to stop after every manual step even when the engineer
// confirmed it done, and "not yet" stopped it without a word.
func TestSessionRunAllGoesOnAfterAManualStep(t *testing.T) {
	e, _ := open(t, testDoc(t, step("a", ""), manual("m"), step("b", "")), &fakeExec{})
	s := NewSession(e, Policy{Ask: true})
	s.RunAll(Selection{})
	seen, out := drive(t, s, "manual:done")
	if strings.Join(seen, ",") != "run a,manual m,run b" || !out.Finished || out.ExitCode() != 0 {
		t.Fatalf("%v %+v", seen, out)
	}

	e2, _ := open(t, testDoc(t, step("a", ""), manual("m"), step("b", "")), &fakeExec{})
	s2 := NewSession(e2, Policy{Ask: true})
	s2.RunAll(Selection{})
	seen, out = drive(t, s2, "manual:stop")
	if strings.Join(seen, ",") != "run a,manual m" || out.Stopped == nil || out.Stopped.ID != "m" ||
		out.Reason != "manual step m is not done yet: stopped there" || out.ExitCode() != 1 {
		t.Fatalf("not yet: %v %+v", seen, out)
	}
	// With nobody to ask, a manual step is left pending, run-all goes
	// on, and the run is not finished.
	e3, _ := open(t, testDoc(t, step("a", ""), manual("m"), step("b", "")), &fakeExec{})
	s3 := NewSession(e3, Policy{})
	s3.RunAll(Selection{})
	seen, out = drive(t, s3)
	if strings.Join(seen, ",") != "run a,note manual m,run b" || out.Finished || strings.Join(out.Manual, ",") != "m" || out.ExitCode() != 0 {
		t.Fatalf("nobody to ask: %v %+v", seen, out)
	}
}

// continue-on-error: the failure is recorded, the run goes on, and a run
// whose other steps are done is finished ok (exit 0). A check that failed
// and passed on a retry leaves nothing failed.
func TestSessionContinueOnErrorAndChecksThatPassedLater(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	coe := step("coe", "exit:3")
	coe.Attrs.ContinueOnError = true
	chk := step("chk", "flaky:"+flag)
	chk.Kind = runbook.KindCheck
	e, _ := open(t, testDoc(t, step("a", ""), coe, chk, step("b", "")), &fakeExec{})
	s := NewSession(e, Policy{})
	s.RunAll(Selection{Checks: true})
	seen, out := drive(t, s)
	if strings.Join(seen, ",") != "run a,run coe,note tolerated coe,run chk" || out.Stopped.ID != "chk" || out.ExitCode() != 1 || out.Finished {
		t.Fatalf("first: %v %+v", seen, out)
	}
	os.WriteFile(flag, nil, 0o600)
	s.RunAll(Selection{Checks: true})
	seen, out = drive(t, s)
	if strings.Join(seen, ",") != "note passed a,note passed coe,run chk,run b" || !out.Finished || out.ExitCode() != 0 {
		t.Fatalf("again: %v %+v", seen, out)
	}
	st := e.State()
	if st.Status != journal.OK || st.Steps["coe"].Status != journal.Failed {
		t.Fatalf("finished %s, coe %s", st.Status, st.Steps["coe"].Status)
	}
	if v := e.View(); v.Counts.Tolerated != 1 || v.Counts.Done != 3 || v.Counts.Total != 4 || v.Status != journal.RunOK {
		t.Fatalf("view %+v %s", v.Counts, v.Status)
	}
}

// A step that changed since it ran is asked about (or, with --yes or
// nobody to ask, run again with a note).
func TestSessionStaleSteps(t *testing.T) {
	doc := testDoc(t, step("a", "out:old"), manual("m"))
	e, _ := open(t, doc, &fakeExec{})
	runAll(e, "")
	e.Close()
	changed := *doc
	changed.Steps = []*runbook.Step{step("a", "out:new"), doc.Steps[1]}
	e2, _ := open(t, &changed, &fakeExec{})
	s := NewSession(e2, Policy{Ask: true})
	s.RunAll(Selection{})
	if seen, _ := drive(t, s, "stale:accept", "manual:stop"); strings.Join(seen, ",") != "stale a,manual m" {
		t.Fatalf("ask: %v", seen)
	}
	if e2.StepStatus("a") != journal.OK {
		t.Fatalf("accepted: %s", e2.StepStatus("a"))
	}
	e3, _ := open(t, &changed, &fakeExec{}, func(c *Config) { c.StateDir = t.TempDir() })
	runAll(e3, "")
	e3.Close()
	again := changed
	again.Steps = []*runbook.Step{step("a", "out:newer"), doc.Steps[1]}
	e4, _ := open(t, &again, &fakeExec{}, func(c *Config) { c.StateDir = filepath.Dir(e3.RunDir()) })
	s4 := NewSession(e4, Policy{Yes: true})
	s4.RunAll(Selection{})
	if seen, _ := drive(t, s4); strings.Join(seen, ",") != "note stale a,run a,note manual m" {
		t.Fatalf("yes: %v", seen)
	}
}

// Inferred steps (guessed from blocks that do not say they are commands)
// need one confirmation before run-all runs them; --yes runs them and
// says which; nobody to ask without --yes lists them as needed.
func TestSessionInferredSteps(t *testing.T) {
	inf := func(id string) *runbook.Step { s := step(id, "out:"+id); s.Inferred = true; return s }
	mk := func() *runbook.Document { return testDoc(t, step("a", ""), inf("i1"), inf("i2"), manual("m")) }
	e, _ := open(t, mk(), &fakeExec{})
	s := NewSession(e, Policy{Ask: true})
	s.RunAll(Selection{})
	if seen, _ := drive(t, s, "inferred:run", "manual:stop"); strings.Join(seen, ",") != "inferred,run a,run i1,run i2,manual m" {
		t.Fatalf("once: %v", seen)
	}
	e.Skip("i1", "")
	s.RunStep("i1")
	// Decided for the session: picking one runs it without asking again.
	if seen, _ := drive(t, s, "rerun:run"); strings.Join(seen, ",") != "rerun i1,run i1" {
		t.Fatalf("picked after the decision: %v", seen)
	}

	e2, _ := open(t, mk(), &fakeExec{})
	s2 := NewSession(e2, Policy{Ask: true})
	s2.RunAll(Selection{})
	if seen, _ := drive(t, s2, "inferred:each", "confirm:skip", "confirm:run", "manual:stop"); strings.Join(seen, ",") != "inferred,run a,confirm i1,confirm i2,run i2,manual m" {
		t.Fatalf("each: %v", seen)
	}
	if st := e2.State().Steps["i1"]; st.Status != journal.Skipped || st.Note != "skipped when asked to confirm" {
		t.Fatalf("i1: %+v", st)
	}

	e3, _ := open(t, mk(), &fakeExec{})
	s3 := NewSession(e3, Policy{Ask: true})
	s3.RunAll(Selection{})
	drive(t, s3, "inferred:skip", "manual:stop")
	if st := e3.State().Steps["i2"]; st.Status != journal.Skipped || st.Note != "inferred step: not run" {
		t.Fatalf("skipped: %+v", st)
	}
	// Picking one by hand still asks: what it is was guessed.
	s4 := NewSession(e3, Policy{Ask: true})
	s4.RunStep("i2")
	if seen, _ := drive(t, s4, "rerun:run", "confirm:stop"); strings.Join(seen, ",") != "rerun i2,confirm i2" {
		t.Fatalf("picked: %v", seen)
	}

	e5, _ := open(t, mk(), &fakeExec{})
	s5 := NewSession(e5, Policy{Yes: true})
	s5.RunAll(Selection{})
	if seen, _ := drive(t, s5); strings.Join(seen, ",") != "note inferred i1,i2,run a,run i1,run i2,note manual m" {
		t.Fatalf("yes: %v", seen)
	}
	need, _ := NewSession(e5, Policy{}).Needs(Selection{})
	if len(need.Inferred) != 0 {
		t.Fatalf("done steps listed: %+v", need)
	}
	e6, _ := open(t, mk(), &fakeExec{})
	need, _ = NewSession(e6, Policy{}).Needs(Selection{})
	if strings.Join(need.Inferred, ",") != "i1,i2" {
		t.Fatalf("needs %+v", need)
	}
	if need, _ = NewSession(e6, Policy{Yes: true}).Needs(Selection{}); !need.Empty() {
		t.Fatalf("--yes needs %+v", need)
	}
}

// A failure asks, with Ask: retry, edit, skip, done by hand, stop; an
// interruption always stops (exit 1), resumable.
func TestSessionFailureAndInterrupt(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	ex := &fakeExec{}
	e, _ := open(t, testDoc(t, step("a", "flaky:"+flag), step("b", "exit:2"), step("c", "exit:4"), step("d", "block")), ex)
	s := NewSession(e, Policy{Ask: true})
	s.RunAll(Selection{})
	s.Next()
	s.Run(context.Background(), RunOptions{})
	if a := s.Next(); a.Kind != ActFailed || a.Step.ID != "a" || a.Status != journal.Failed {
		t.Fatalf("after a failure: %+v", a)
	}
	os.WriteFile(flag, nil, 0o600)
	if err := s.Choose(Choice{Kind: ChooseRetry}); err != nil {
		t.Fatal(err)
	}
	if a := s.Next(); a.Kind != ActRun || a.Step.ID != "a" {
		t.Fatalf("retry: %+v", a)
	}
	s.Run(context.Background(), RunOptions{})
	if a := s.Next(); a.Kind != ActRun || a.Step.ID != "b" {
		t.Fatalf("after the retry: %+v", a)
	}
	s.Run(context.Background(), RunOptions{})
	s.Next()
	if err := s.Choose(Choice{Kind: ChooseEdit, Command: "out:fixed"}); err != nil {
		t.Fatal(err)
	}
	if a := s.Next(); a.Kind != ActRun || a.Step.ID != "b" {
		t.Fatalf("edit: %+v", a)
	}
	s.Run(context.Background(), RunOptions{})
	if a := s.Next(); a.Kind != ActRun || a.Step.ID != "c" {
		t.Fatalf("after the edit: %+v", a)
	}
	s.Run(context.Background(), RunOptions{})
	s.Next()
	if err := s.Choose(Choice{Kind: ChooseDone, Note: "by hand"}); err != nil {
		t.Fatal(err)
	}
	if a := s.Next(); a.Kind != ActRun || a.Step.ID != "d" {
		t.Fatalf("after done by hand: %+v", a)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan journal.Status)
	go func() { st, _ := s.Run(ctx, RunOptions{}); done <- st }()
	for s.Running() != "d" || e.StepStatus("d") != journal.Running {
		runtime.Gosched()
	}
	cancel(ErrInterrupted)
	if st := <-done; st != journal.Interrupted {
		t.Fatalf("d: %s", st)
	}
	a := s.Next()
	if a.Kind != ActDone || a.Outcome.Stopped.ID != "d" || a.Outcome.Status != journal.Interrupted || a.Outcome.ExitCode() != 1 || a.Outcome.Finished {
		t.Fatalf("interrupted: %+v", a.Outcome)
	}
	if got := strings.Join(ex.commands(), "|"); !strings.Contains(got, "out:fixed") {
		t.Fatalf("ran %q", got)
	}
	if st := e.State().Steps["c"]; st.Status != journal.DoneByHand || st.Note != "by hand" {
		t.Fatalf("c %+v", st)
	}
}

// The doc is read again before each step: what runs is the file as it is,
// a step confirmed before it changed on disk is asked again, and a step
// that changed after it ran is stale.
func TestSessionReloadsTheDoc(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deploy.md")
	write := func(a, b string) {
		src := "# Deploy\n\n```sh {name=a}\n" + a + "\n```\n\n```sh {name=b confirm}\n" + b + "\n```\n\n- [ ] tell the team\n"
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("out:a1", "out:b1")
	doc, err := runbook.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ex := &fakeExec{}
	e, _ := open(t, doc, ex)
	s := NewSession(e, Policy{Ask: true})
	s.RunAll(Selection{})
	if a := s.Next(); a.Kind != ActRun || a.Step.ID != "a" {
		t.Fatalf("%+v", a)
	}
	s.Run(context.Background(), RunOptions{})
	a := s.Next()
	if a.Kind != ActConfirm || a.Step.ID != "b" || a.Command != "out:b1" {
		t.Fatalf("confirm: %+v", a)
	}
	// The file changes while the engineer reads the confirmation.
	write("out:a2", "out:b2")
	s.Choose(Choice{Kind: ChooseRun})
	a = s.Next()
	if a.Kind != ActConfirm || !a.Changed || a.Command != "out:b2" {
		t.Fatalf("changed since confirmed: %+v", a)
	}
	s.Choose(Choice{Kind: ChooseRun})
	if a = s.Next(); a.Kind != ActRun {
		t.Fatalf("%+v", a)
	}
	s.Run(context.Background(), RunOptions{})
	if got := ex.commands(); strings.Join(got, "|") != "out:a1|out:b2" {
		t.Fatalf("ran %q", got)
	}
	if st := e.StepStatus("a"); st != journal.Stale {
		t.Fatalf("a ran as a1 and the file says a2: %s", st)
	}
	if e.Doc().Step("b").Code != "out:b2" {
		t.Fatal("the engine's doc is not the file's")
	}
}
