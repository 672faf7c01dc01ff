package steps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// fakeExec interprets a tiny command language, one instruction per line:
// "out:TEXT" prints TEXT, "exit:N" ends with N, "block" waits for ctx,
// "timeout" reports a timeout, "flaky:FILE" fails until FILE exists.
type fakeExec struct {
	mu   sync.Mutex
	reqs []Request
}

func (f *fakeExec) Run(ctx context.Context, req Request) Result {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	for _, line := range strings.Split(req.Command, "\n") {
		op, arg, _ := strings.Cut(line, ":")
		switch op {
		case "out":
			fmt.Fprint(req.Output, arg)
		case "exit":
			n, _ := strconv.Atoi(arg)
			return Result{ExitCode: n}
		case "block":
			<-ctx.Done()
			return Result{ExitCode: 130, Interrupted: errors.Is(context.Cause(ctx), ErrInterrupted)}
		case "timeout":
			return Result{ExitCode: -1, TimedOut: true}
		case "flaky":
			if _, err := os.Stat(arg); err != nil {
				return Result{ExitCode: 1}
			}
		}
	}
	return Result{}
}

func (f *fakeExec) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.reqs {
		out = append(out, r.Command)
	}
	return out
}

func step(id, code string) *runbook.Step {
	return &runbook.Step{ID: id, Kind: runbook.KindShell, Title: id, Code: code, Hash: fmt.Sprintf("%x", sha256.Sum256([]byte(code)))[:12]}
}

func testDoc(t *testing.T, steps ...*runbook.Step) *runbook.Document {
	t.Helper()
	dir := t.TempDir()
	return &runbook.Document{Path: filepath.Join(dir, "deploy.md"), Hash: "doc1", Steps: steps}
}

type seen struct {
	mu     sync.Mutex
	events []Event
}

func (r *seen) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Output = bytes.Clone(e.Output) // valid only during the call
	r.events = append(r.events, e)
}

// lines renders the events compactly: journal events by type and step,
// output as text. The run-started and run-resumed events that the first
// event of a process brings out are left out (tests of them read the
// journal).
func (r *seen) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Journal == nil {
			out = append(out, fmt.Sprintf("output %s#%d %q", e.Step, e.Attempt, e.Output))
			continue
		}
		j := e.Journal
		if j.Type == journal.RunStarted || j.Type == journal.RunResumed {
			continue
		}
		s := string(j.Type)
		if j.Step != "" {
			s += " " + j.Step
		}
		if j.Attempt > 0 {
			s += fmt.Sprintf("#%d", j.Attempt)
		}
		if j.Status != "" {
			s += " " + string(j.Status)
		}
		out = append(out, s)
	}
	return out
}

func open(t *testing.T, doc *runbook.Document, ex Executor, mod ...func(*Config)) (*Engine, *seen) {
	t.Helper()
	reg := NewRegistry()
	reg.Register(runbook.KindShell, ex)
	reg.Register(runbook.KindCheck, ex)
	cfg := Config{Doc: doc, Registry: reg, Environ: []string{"PATH=/bin"}, Who: "ana", Host: "box"}
	for _, m := range mod {
		m(&cfg)
	}
	e, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	rec := &seen{}
	e.Subscribe(rec.add)
	return e, rec
}

// runAll runs every remaining step from `from` on through a session with
// nobody to ask and --yes, as `runbook run --yes` does. The status is that
// of the step the run stopped at, failed when a continue-on-error step
// failed, else ok.
func runAll(e *Engine, from string) (journal.Status, error) { return runSel(e, Selection{From: from}) }

func runSel(e *Engine, sel Selection) (journal.Status, error) {
	s := NewSession(e, Policy{Yes: true})
	if err := s.RunAll(sel); err != nil {
		return journal.Pending, err
	}
	for {
		a := s.Next()
		switch a.Kind {
		case ActRun:
			s.Run(context.Background(), RunOptions{Hold: true}) // an error ends the flow: see ActDone
		case ActDone:
			o := a.Outcome
			switch {
			case o.Err != nil:
				return o.Status, o.Err
			case o.Stopped != nil:
				return o.Status, nil
			case len(o.Tolerated) > 0:
				return journal.Failed, nil
			}
			return journal.OK, nil
		default:
			return journal.Pending, fmt.Errorf("unexpected action %s", a.Kind)
		}
	}
}

func eq(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestRunAllStopsAtFailureAndRetryMakesAttempt2(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	doc := testDoc(t, step("a", "out:hello"), step("b", "flaky:"+flag), step("c", "out:c"))
	ex := &fakeExec{}
	e, rec := open(t, doc, ex)
	status, err := runAll(e, "")
	if err != nil || status != journal.Failed {
		t.Fatalf("RunAll = %v, %v", status, err)
	}
	eq(t, rec.lines(), []string{
		"step-started a#1", `output a#1 "hello"`, "step-finished a#1 ok",
		"step-started b#1", "step-finished b#1 failed",
	})
	os.WriteFile(flag, nil, 0o600)
	rec.events = nil
	status, err = runAll(e, "")
	if err != nil || status != journal.OK {
		t.Fatalf("RunAll again = %v, %v", status, err)
	}
	eq(t, rec.lines(), []string{
		"step-started b#2", "step-finished b#2 ok",
		"step-started c#1", `output c#1 "c"`, "step-finished c#1 ok", "run-finished ok",
	})
	st := e.State()
	if n := len(st.Steps["b"].Attempts); n != 2 || *st.Steps["b"].Attempts[0].ExitCode != 1 {
		t.Fatalf("b attempts: %+v", st.Steps["b"].Attempts)
	}
	// The output is in the attempt's log, and the journal names it.
	a := st.Steps["a"].Attempts[0]
	if b, _ := os.ReadFile(filepath.Join(e.RunDir(), a.Log)); string(b) != "hello" {
		t.Fatalf("log %q holds %q", a.Log, b)
	}
	if st.Steps["b"].Attempts[0].Log != "" {
		t.Error("a step without output got a log file")
	}
	if ex.reqs[0].Dir != filepath.Dir(doc.Path) {
		t.Errorf("dir = %q", ex.reqs[0].Dir)
	}
}

func TestContinueOnErrorAndSelection(t *testing.T) {
	b := step("b", "exit:3")
	b.Attrs.ContinueOnError = true
	skip := step("s", "out:skipped")
	skip.Attrs.Skip = true
	chk := step("k", "out:check")
	chk.Kind = runbook.KindCheck
	man := &runbook.Step{ID: "m", Kind: runbook.KindManual, Code: "call Bob", Hash: "hm"}
	doc := testDoc(t, step("a", ""), b, skip, chk, man, step("c", ""))
	ex := &fakeExec{}
	e, rec := open(t, doc, ex)
	status, err := runAll(e, "b")
	if err != nil || status != journal.Failed {
		t.Fatalf("RunAll = %v %v", status, err)
	}
	eq(t, rec.lines(), []string{"step-started b#1", "step-finished b#1 failed", "step-started c#1", "step-finished c#1 ok"})
	if e.StepStatus("m") != journal.Pending || e.StepStatus("a") != journal.Pending {
		t.Error("manual or earlier step touched")
	}
	rec.events = nil
	if _, err := runSel(e, Selection{Checks: true}); err != nil {
		t.Fatal(err)
	}
	// b failed and is continue-on-error: settled, so not run again.
	eq(t, rec.lines(), []string{"step-started a#1", "step-finished a#1 ok",
		"step-started k#1", `output k#1 "check"`, "step-finished k#1 ok"})
	plan, _ := e.Plan(Selection{Only: []string{"s", "m"}})
	if len(plan) != 2 || plan[0].ID != "s" || plan[1].ID != "m" {
		t.Errorf("plan %v", plan)
	}
	if _, err := e.Plan(Selection{From: "nope"}); err == nil {
		t.Error("unknown --from accepted")
	}
	if _, err := e.Run(context.Background(), "m", RunOptions{}); err == nil {
		t.Error("manual step ran")
	}
}

func TestSkipDoneNotesAndAnswers(t *testing.T) {
	doc := testDoc(t, step("a", ""), step("b", ""))
	doc.Questions = []*runbook.Question{{ID: "q1"}, {ID: "q2"}}
	e, rec := open(t, doc, &fakeExec{})
	for _, err := range []error{
		e.Skip("a", "not in staging"), e.MarkDone("b", "did it in the console"), e.Note("", "hello"),
		e.Answer("q1", "us-west-2"), e.SkipQuestion("q2"), e.EditCommand("a", "out:edited"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if e.Answer("nope", "x") == nil || e.Skip("nope", "") == nil || e.Answer("q1", " ") == nil {
		t.Error("bad ids or empty answer accepted")
	}
	eq(t, rec.lines(), []string{"step-skipped a", "step-done b", "note", "answer", "answer", "step-edited a"})
	st := e.State()
	if st.Steps["a"].Status != journal.Skipped || st.Steps["a"].Note != "not in staging" ||
		st.Steps["b"].Status != journal.DoneByHand || st.Answers["q1"].Value != "us-west-2" ||
		!st.Answers["q2"].Skipped || st.Notes[0].Text != "hello" {
		t.Fatalf("state %+v", st)
	}
	// Every step is settled: run-all runs nothing and finishes the run.
	if s, _ := runAll(e, ""); s != journal.OK || len(rec.lines()) != 7 || rec.lines()[6] != "run-finished ok" {
		t.Fatalf("RunAll ran finished steps: %v", rec.lines())
	}
	// An explicit run of a skipped step runs its edited command, and
	// reopens the finished run first.
	if _, err := e.Run(context.Background(), "a", RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := rec.lines()[8]; got != `output a#1 "edited"` {
		t.Fatal(got)
	}
	if st := e.State(); st.Finished || st.Resumed != 1 {
		t.Fatalf("a step run in a finished run did not reopen it: finished %v, resumed %d", st.Finished, st.Resumed)
	}
}

func TestDoneIf(t *testing.T) {
	done := step("a", "out:should not run")
	done.Attrs.DoneIf = "out:checking\nexit:0"
	notDone := step("b", "out:ran")
	notDone.Attrs.DoneIf = "out:checking\nexit:1"
	doc := testDoc(t, done, notDone)
	ex := &fakeExec{}
	e, rec := open(t, doc, ex)
	if s, err := runAll(e, ""); s != journal.OK || err != nil {
		t.Fatal(s, err)
	}
	eq(t, rec.lines(), []string{"step-started a#1", "step-finished a#1 already-done", "step-started b#1", `output b#1 "ran"`, "step-finished b#1 ok", "run-finished ok"})
	eq(t, ex.commands(), []string{"out:checking\nexit:0", "out:checking\nexit:1", "out:ran"})
	st := e.State()
	if b, _ := os.ReadFile(filepath.Join(e.RunDir(), st.Steps["b"].Attempts[0].Log)); string(b) != "checkingran" {
		t.Fatalf("b log %q", b)
	}
	if ev := rec.events[1].Journal; ev.Type != journal.StepStarted || ev.Note != "done-if: out:checking\nexit:0" {
		t.Errorf("started %+v", ev)
	}
}

func TestInterruptAndTimeout(t *testing.T) {
	to := step("t", "timeout")
	to.Attrs.Timeout = time.Minute
	doc := testDoc(t, step("a", "block"), to)
	e, _ := open(t, doc, &fakeExec{})
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan journal.Status)
	go func() {
		s, _ := e.Run(ctx, "a", RunOptions{})
		done <- s
	}()
	deadline := time.Now().Add(5 * time.Second)
	for e.StepStatus("a") != journal.Running {
		if time.Now().After(deadline) {
			t.Fatal("step never started")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := e.Run(context.Background(), "t", RunOptions{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("second concurrent run: %v", err)
	}
	cancel(ErrInterrupted)
	if s := <-done; s != journal.Interrupted {
		t.Fatalf("status %v", s)
	}
	if s, _ := e.Run(context.Background(), "t", RunOptions{}); s != journal.TimedOut {
		t.Fatalf("timeout status %v", s)
	}
	a := e.State().Steps["t"].Attempts[0]
	if a.ExitCode != nil || a.Error != "timed out after 1m0s" {
		t.Fatalf("timeout attempt %+v", a)
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	doc := testDoc(t, step("a", "out:x"))
	state := filepath.Join(t.TempDir(), "state")
	e, _ := open(t, doc, &fakeExec{}, func(c *Config) { c.DryRun = true; c.StateDir = state })
	if p, err := e.Preview("a"); err != nil || p != "out:x" {
		t.Fatal(p, err)
	}
	if _, err := e.Run(context.Background(), "a", RunOptions{}); err == nil {
		t.Fatal("dry run executed a step")
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("dry run created the state directory")
	}
}

func TestPreflightOnceAndRefusal(t *testing.T) {
	doc := testDoc(t, step("a", ""), step("b", ""))
	calls := 0
	refuse := true
	e, _ := open(t, doc, &fakeExec{}, func(c *Config) {
		c.Preflights = []Preflight{func(context.Context) error {
			calls++
			if refuse {
				return errors.New("wrong AWS account 999")
			}
			return nil
		}}
	})
	if _, err := runAll(e, ""); err == nil || err.Error() != "wrong AWS account 999" {
		t.Fatalf("refusal: %v", err)
	}
	if e.StepStatus("a") != journal.Pending {
		t.Fatal("step ran despite the preflight")
	}
	refuse = false
	runAll(e, "")
	if calls != 2 {
		t.Fatalf("preflight ran %d times, want 2 (once refused, once passed)", calls)
	}
}

func TestSecretsNeverJournaledAndMasked(t *testing.T) {
	v := &runbook.Variable{Name: "pw", Secret: true}
	doc := testDoc(t, step("a", "out:the password is hunter2!"))
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	doc.Placeholders = []*runbook.Placeholder{{Name: "pw", Secret: true, Var: v}}
	e, rec := open(t, doc, &fakeExec{}, func(c *Config) { c.Sets = map[string]string{"pw": "hunter2"} })
	if err := e.SetVar("pw", "hunter2"); err != nil {
		t.Fatal(err)
	}
	runAll(e, "")
	e.Note("a", "used hunter2")
	if got := rec.lines()[2]; got != `output a#1 "the password is ****!"` {
		t.Fatal(got)
	}
	filepath.Walk(e.RunDir(), func(p string, fi os.FileInfo, err error) error {
		if fi != nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "hunter2") {
				t.Errorf("%s holds the secret:\n%s", p, b)
			}
		}
		return nil
	})
}

func TestSetsRecordAnswers(t *testing.T) {
	doc := testDoc(t)
	doc.Questions = []*runbook.Question{{ID: "q1"}}
	e, _ := open(t, doc, &fakeExec{}, func(c *Config) { c.Sets = map[string]string{"q1": "yes"} })
	if a := e.State().Answers["q1"]; a.Value != "yes" || a.Who != "ana" {
		t.Fatalf("answer %+v", a)
	}
	e.Close()
	// Reopening with the same --set does not record it twice.
	_, rec := open(t, doc, &fakeExec{}, func(c *Config) { c.Sets = map[string]string{"q1": "yes"} })
	eq(t, rec.lines(), nil)
}

func TestPreviewDoesNotFetchAndGuardComesFirst(t *testing.T) {
	v := &runbook.Variable{Name: "pw", Source: "vault:db#pw", Secret: true}
	st := step("a", "out:<pw>")
	st.Placeholders = []string{"pw"}
	doc := testDoc(t, st)
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	doc.Placeholders = []*runbook.Placeholder{{Name: "pw", Secret: true, Var: v}}
	vault := &fakeSource{vals: map[string]string{"db#pw": "s3cr3t"}}
	var order []string
	e, rec := open(t, doc, &fakeExec{}, func(c *Config) {
		c.Sources = map[string]SourceResolver{"vault": vault}
		c.Preflights = []Preflight{func(context.Context) error {
			order = append(order, fmt.Sprintf("guard (fetches so far: %d)", vault.calls))
			return nil
		}}
	})
	if p, err := e.Preview("a"); err != nil || p != "out:****" || vault.calls != 0 {
		t.Fatalf("preview %q %v, %d fetches", p, err, vault.calls)
	}
	if _, err := e.Run(context.Background(), "a", RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if vault.calls != 1 || strings.Join(order, ",") != "guard (fetches so far: 0)" {
		t.Fatalf("fetches %d, order %v", vault.calls, order)
	}
	if got := rec.lines()[2]; got != `output a#1 "****"` {
		t.Fatal(got)
	}
}

// A value that no quoting makes safe where a later step uses it must be
// refused by CheckValues, before the first step runs; before this, the
// run executed the steps before that one and only then refused.
func TestCheckValuesRefusesUnsafeSubstitutionBeforeAnyStep(t *testing.T) {
	first := step("first", "echo first")
	arith := step("arith", "echo $(( <n> + 1 ))")
	arith.Lang, arith.Placeholders, arith.Line = "bash", []string{"n"}, 7
	later := step("later", "echo done-if")
	later.Lang, later.Placeholders, later.Line = "bash", []string{"m"}, 12
	later.Attrs.DoneIf = "test $(( <m> )) -gt 0"
	doc := testDoc(t, first, arith, later)
	doc.Placeholders = []*runbook.Placeholder{{Name: "n"}, {Name: "m"}}
	e, _ := open(t, doc, &fakeExec{}, func(c *Config) {
		c.Sets = map[string]string{"n": "1)); touch /tmp/x; echo $((1", "m": "$(id)"}
	})
	err := e.CheckValues()
	if err == nil {
		t.Fatal("CheckValues accepted a value that cannot be substituted")
	}
	// one line, FILE:LINE first (issue 11 §1): the first refusal
	want := doc.Path + ":7: step arith: value for <n> is evaluated as arithmetic here; only an integer is allowed"
	if err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
	want = doc.Path + ":12: step later: done-if: value for <m> is evaluated as arithmetic here; only an integer is allowed"
	if err := e.CheckValues("later"); err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %q", err, want)
	}
	if err := e.CheckValues("first"); err != nil {
		t.Fatalf("a step without placeholders: %v", err)
	}
}

// Values of a source (fetched when the step runs) are not known before the
// run; CheckValues must not fetch them nor refuse the step for them.
func TestCheckValuesLeavesUnknownValuesToRun(t *testing.T) {
	st := step("a", "echo $(( <n> + 1 ))")
	st.Lang, st.Placeholders = "bash", []string{"n"}
	v := &runbook.Variable{Name: "n", Source: "env:QA_NOT_SET_ANYWHERE"}
	doc := testDoc(t, st)
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	doc.Placeholders = []*runbook.Placeholder{{Name: "n", Var: v}}
	e, _ := open(t, doc, &fakeExec{})
	if err := e.CheckValues(); err != nil {
		t.Fatal(err)
	}
}
