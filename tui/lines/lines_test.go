package lines

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

func intp(n int) *int { return &n }

func TestPrinter(t *testing.T) {
	doc := &runbook.Document{Steps: []*runbook.Step{{ID: "net/1", Title: "Create VPC"}, {ID: "net/2"}}}
	ev := func(e journal.Event) steps.Event { return steps.Event{Journal: &e} }
	out := func(s string) steps.Event { return steps.Event{Step: "net/1", Attempt: 1, Output: []byte(s)} }
	events := []steps.Event{
		ev(journal.Event{Type: journal.StepStarted, Step: "net/1", Attempt: 1}),
		out("hello\nwor"), out("ld\n"), out("no newline"),
		ev(journal.Event{Type: journal.StepFinished, Step: "net/1", Attempt: 1, Status: journal.OK, DurationMS: 1234}),
		ev(journal.Event{Type: journal.StepStarted, Step: "net/2", Attempt: 2, Note: "done-if: test -f x"}),
		ev(journal.Event{Type: journal.StepFinished, Step: "net/2", Attempt: 2, Status: journal.Failed, ExitCode: intp(2), DurationMS: 300, Error: "boom\nmore"}),
		ev(journal.Event{Type: journal.StepSkipped, Step: "net/2", Note: "not today"}),
		ev(journal.Event{Type: journal.StepFinished, Step: "net/2", Attempt: 3, Status: journal.TimedOut, DurationMS: 125000}),
		ev(journal.Event{Type: journal.VariableSet, Name: "x"}), // not shown
	}
	for _, tc := range []struct {
		style Style
		want  string
	}{
		{Style{Unicode: true}, `▶ net/1  Create VPC
    hello
    world
    no newline
✓ net/1  ok  1.2s
▶ net/2  (attempt 2)
    done-if: test -f x
✗ net/2  failed (exit 2)  0.3s
    error: boom …
↷ net/2  skipped: not today
✗ net/2  timed out  2m05s
`},
		{Style{}, `> net/1  Create VPC
    hello
    world
    no newline
+ net/1  ok  1.2s
> net/2  (attempt 2)
    done-if: test -f x
x net/2  failed (exit 2)  0.3s
    error: boom …
- net/2  skipped: not today
x net/2  timed out  2m05s
`},
	} {
		var b bytes.Buffer
		p := NewPrinter(&b, doc, tc.style)
		for _, e := range events {
			p.Handle(e)
		}
		if b.String() != tc.want {
			t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
		}
	}
	var b bytes.Buffer
	p := NewPrinter(&b, doc, Style{Color: true})
	p.Handle(ev(journal.Event{Type: journal.StepFinished, Step: "net/1", Status: journal.OK}))
	if b.String() != "\x1b[32m+ net/1  ok\x1b[0m\x1b[2m  0.0s\x1b[0m\n" {
		t.Errorf("colour: %q", b.String())
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		300 * time.Millisecond: "0.3s", 59 * time.Second: "59.0s", 61 * time.Second: "1m01s", 3725 * time.Second: "1h02m",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// fakeExec prints its command and fails when the command says "fail".
type fakeExec struct{ ran []string }

func (f *fakeExec) Run(_ context.Context, req steps.Request) steps.Result {
	f.ran = append(f.ran, req.Step.ID)
	fmt.Fprintf(req.Output, "%s\n", req.Command)
	if strings.Contains(req.Command, "fail") {
		return steps.Result{ExitCode: 4}
	}
	return steps.Result{}
}

func engine(t *testing.T, ex steps.Executor, doc *runbook.Document, sets map[string]string) *steps.Engine {
	t.Helper()
	doc.Path = filepath.Join(t.TempDir(), "doc.md")
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, ex)
	e, err := steps.Open(context.Background(), steps.Config{Doc: doc, Registry: reg, Sets: sets, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func shellStep(id, code string, ph ...string) *runbook.Step {
	return &runbook.Step{ID: id, Kind: runbook.KindShell, Code: code, Hash: id + code, Placeholders: ph}
}

func docWith(st ...*runbook.Step) *runbook.Document {
	doc := &runbook.Document{Steps: st}
	seen := map[string]bool{}
	for _, s := range st {
		for _, p := range s.Placeholders {
			if !seen[p] {
				seen[p] = true
				doc.Placeholders = append(doc.Placeholders, &runbook.Placeholder{Name: p})
			}
		}
	}
	return doc
}

func TestMissingFailsBeforeAnythingRuns(t *testing.T) {
	confirm := shellStep("c", "echo c")
	confirm.Attrs.Confirm = true
	doc := docWith(shellStep("a", "echo <env> {region}", "env", "region"), confirm, shellStep("b", "echo <zone>", "zone"))
	doc.Questions = []*runbook.Question{{ID: "q1", Line: 3, Text: "Which account?"}}
	ex := &fakeExec{}
	e := engine(t, ex, doc, map[string]string{"region": "eu"})
	var out bytes.Buffer
	_, err := Run(context.Background(), e, Options{Out: &out})
	var miss *MissingError
	if !errors.As(err, &miss) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"<env>: --set env=VALUE (or --values FILE, or RUNBOOK_VAR_ENV)",
		"<zone>: --set zone=VALUE (or --values FILE, or RUNBOOK_VAR_ZONE)",
		`question q1 (line 3) "Which account?": --set q1=ANSWER`,
		"step c asks before running: --yes",
	}
	if got := miss.Details(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("details:\n%s", strings.Join(got, "\n"))
	}
	if miss.Error() != "missing 2 value(s), 1 unanswered question(s), 1 step(s) needing confirmation; nothing was run" {
		t.Error(miss.Error())
	}
	if len(ex.ran) > 0 || out.Len() > 0 {
		t.Fatalf("ran %v, printed %q", ex.ran, out.String())
	}
	if err := Check(e, Options{}); !errors.As(err, &miss) {
		t.Fatalf("Check: %v", err)
	}
}

func TestYesRunsAllStopsAtFailureLeavesManual(t *testing.T) {
	man := &runbook.Step{ID: "m", Kind: runbook.KindManual, Code: "Call Bob\nand Alice", Hash: "m"}
	confirm := shellStep("c", "echo confirmed")
	confirm.Attrs.Confirm = true
	doc := docWith(shellStep("a", "echo a"), man, confirm, shellStep("f", "fail"), shellStep("z", "echo z"))
	ex := &fakeExec{}
	e := engine(t, ex, doc, nil)
	var out bytes.Buffer
	res, err := Run(context.Background(), e, Options{Out: &out, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != journal.Failed || res.Stopped == nil || res.Stopped.ID != "f" || strings.Join(res.Manual, ",") != "m" || res.Finished || res.ExitCode() != 1 {
		t.Fatalf("outcome %+v", res)
	}
	got := regexpDurations(out.String())
	want := `> a
    | echo a
    echo a
+ a  ok  Ns
[ ] m  manual step, needs a person: Call Bob …
> c
    | echo confirmed
    echo confirmed
+ c  ok  Ns
> f
    | fail
    fail
x f  failed (exit 4)  Ns
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := Summary(e.View()); got != "2 ok, 1 failed, 2 pending" {
		t.Error(got)
	}
	// Running again resumes: finished steps are reported, not re-run.
	out.Reset()
	ex.ran = nil
	Run(context.Background(), e, Options{Out: &out, Yes: true})
	if strings.Join(ex.ran, ",") != "f" || !strings.HasPrefix(out.String(), "+ a  ok earlier in this run\n") {
		t.Fatalf("resume ran %v:\n%s", ex.ran, out.String())
	}
}

func regexpDurations(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if i := strings.LastIndex(line, "  "); i > 0 && strings.HasSuffix(line, "s\n") && strings.ContainsAny(line[i:], "0123456789") {
			line = line[:i] + "  Ns\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestAskPromptsForValuesConfirmAndManual(t *testing.T) {
	man := &runbook.Step{ID: "m", Kind: runbook.KindManual, Code: "Call Bob", Hash: "m"}
	confirm := shellStep("c", "echo <env>", "env")
	confirm.Attrs.Confirm = true
	doc := docWith(man, confirm, shellStep("d", "echo d"))
	doc.Questions = []*runbook.Question{{ID: "q1", Text: "Region?", Suggested: "us-west-2"}}
	ex := &fakeExec{}
	e := engine(t, ex, doc, nil)
	var out, prompts bytes.Buffer
	in := strings.NewReader("\nstaging\ny\ns\n")
	res, err := Run(context.Background(), e, Options{Out: &out, PromptOut: &prompts, In: in, Ask: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Finished || strings.Join(ex.ran, ",") != "d" {
		t.Fatalf("outcome %+v ran %v\n%s", res, ex.ran, prompts.String())
	}
	st := e.State()
	if st.Answers["q1"].Value != "us-west-2" || st.Steps["m"].Status != journal.DoneByHand || st.Steps["c"].Status != journal.Skipped {
		t.Fatalf("state %+v %+v", st.Answers, st.Steps)
	}
	for _, want := range []string{"Question q1", "<env>: ", "echo staging", "Run it? [y]es / [s]kip / [n]o, stop:", "Done? [y]es"} {
		if !strings.Contains(prompts.String(), want) {
			t.Errorf("prompts lack %q:\n%s", want, prompts.String())
		}
	}
}

func TestDryRunPrintsCommands(t *testing.T) {
	doc := docWith(shellStep("a", "echo '<env>'", "env"))
	ex := &fakeExec{}
	doc.Path = "x"
	e := engine(t, ex, doc, map[string]string{"env": "it's"})
	var out bytes.Buffer
	if _, err := Run(context.Background(), e, Options{Out: &out, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "> a\n    echo 'it'\\''s'\n" {
		t.Fatalf("dry run:\n%s", out.String())
	}
	if len(ex.ran) > 0 {
		t.Fatal("dry run ran")
	}
}

// A dry run prints the done-if command filled in and masked, as it will
// run; it used to print the raw attribute with its placeholders.
func TestDryRunPrintsFinalDoneIf(t *testing.T) {
	st := shellStep("a", "create <bucket>", "bucket", "tok")
	st.Attrs.DoneIf = "head-bucket <bucket> --token '<tok>'"
	doc := docWith(st)
	v := &runbook.Variable{Name: "tok", Secret: true}
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	doc.Placeholders[1].Var, doc.Placeholders[1].Secret = v, true
	ex := &fakeExec{}
	e := engine(t, ex, doc, map[string]string{"bucket": "b-1", "tok": "hunter2"})
	var out bytes.Buffer
	if _, err := Run(context.Background(), e, Options{Out: &out, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if want := "> a\n    # done-if: head-bucket b-1 --token '****'\n    create b-1\n"; out.String() != want {
		t.Fatalf("dry run:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(ex.ran) > 0 {
		t.Fatal("dry run ran")
	}
}

// A dry run of a resumed run does not need the values of steps already
// done (a secret is not remembered): it used to fail with "step a: no
// value for <tok>" although a real run would not need it.
func TestDryRunOfResumedRunSkipsValuesOfDoneSteps(t *testing.T) {
	v := &runbook.Variable{Name: "tok", Secret: true}
	doc := docWith(shellStep("a", "login <tok>", "tok"), shellStep("b", "echo b"))
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	doc.Placeholders[0].Var, doc.Placeholders[0].Secret = v, true
	doc.Path = filepath.Join(t.TempDir(), "doc.md")
	reg := steps.NewRegistry()
	ex := &fakeExec{}
	reg.Register(runbook.KindShell, ex)
	open := func(sets map[string]string) *steps.Engine {
		e, err := steps.Open(context.Background(), steps.Config{Doc: doc, Registry: reg, Sets: sets, Environ: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open(map[string]string{"tok": "hunter2"})
	if _, err := Run(context.Background(), e, Options{Out: io.Discard, Yes: true, Selection: steps.Selection{Only: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = open(nil)
	defer e.Close()
	var out bytes.Buffer
	if _, err := Run(context.Background(), e, Options{Out: &out, DryRun: true}); err != nil {
		t.Fatalf("dry run of the resumed run: %v\n%s", err, out.String())
	}
	if want := "> a  (ok earlier in this run)\n    login <tok>\n> b\n    echo b\n"; out.String() != want {
		t.Fatalf("dry run:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestStaleStepRunsAgainWithANotice(t *testing.T) {
	// The manual step keeps the run open: a finished run is not resumed.
	man := &runbook.Step{ID: "m", Kind: runbook.KindManual, Code: "Call Bob", Hash: "m"}
	doc := docWith(shellStep("a", "echo a"), shellStep("b", "echo b"), man)
	ex := &fakeExec{}
	e := engine(t, ex, doc, nil)
	if _, err := Run(context.Background(), e, Options{Out: io.Discard, Yes: true}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	changed := *doc
	changed.Steps = []*runbook.Step{shellStep("a", "echo A"), doc.Steps[1], man}
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, ex)
	e2, err := steps.Open(context.Background(), steps.Config{Doc: &changed, Registry: reg, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	var out bytes.Buffer
	if _, err := Run(context.Background(), e2, Options{Out: &out, Yes: true}); err != nil {
		t.Fatal(err)
	}
	want := "! a  changed since it ran: running it again\n> a  (attempt 2)\n    | echo A\n    echo A\n+ a  ok  Ns\n+ b  ok earlier in this run\n[ ] m  manual step, needs a person: Call Bob\n"
	if got := regexpDurations(out.String()); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnknownFromIsAnInputError(t *testing.T) {
	e := engine(t, &fakeExec{}, docWith(shellStep("a", "echo a")), nil)
	_, err := Run(context.Background(), e, Options{Out: io.Discard, Selection: steps.Selection{From: "nope"}})
	var in *InputError
	if !errors.As(err, &in) || err.Error() != `unknown step "nope"` {
		t.Fatalf("%v", err)
	}
}

// After a failure the engineer can edit the command for this run
// (PRODUCT.md §2); line mode only offered retry, skip, done and quit. The
// edit is journaled and keeps placeholders substituted safely.
func TestAskAfterFailureEdit(t *testing.T) {
	doc := docWith(shellStep("a", "fail <x>", "x"), shellStep("b", "echo b"))
	ex := &fakeExec{}
	e := engine(t, ex, doc, map[string]string{"x": "it's"})
	var out, prompts bytes.Buffer
	in := strings.NewReader("e\necho fixed '<x>'\n")
	res, err := Run(context.Background(), e, Options{Out: &out, PromptOut: &prompts, In: in, Ask: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Finished || strings.Join(ex.ran, ",") != "a,a,b" {
		t.Fatalf("ran %v outcome %+v\n%s", ex.ran, res, prompts.String())
	}
	if !strings.Contains(out.String(), "\n    echo fixed 'it'\\''s'\n") {
		t.Fatalf("the edited command did not run with its value substituted:\n%s", out.String())
	}
	if !strings.Contains(prompts.String(), "command now:\n    fail <x>\nnew command for this run, one line (empty: keep it): ") {
		t.Fatalf("prompts:\n%s", prompts.String())
	}
	if st := e.State().Steps["a"]; st.Status != journal.OK || st.Command != "echo fixed '<x>'" || len(st.Attempts) != 2 {
		t.Fatalf("a: %+v", st)
	}
}

func TestAskAfterFailure(t *testing.T) {
	doc := docWith(shellStep("a", "fail"), shellStep("b", "echo b"), shellStep("c", "fail"))
	ex := &fakeExec{}
	e := engine(t, ex, doc, nil)
	var prompts bytes.Buffer
	// a: retry, then done by hand with a note; c: quit.
	in := strings.NewReader("r\nd\nfixed by hand\n\n")
	res, err := Run(context.Background(), e, Options{Out: io.Discard, PromptOut: &prompts, In: in, Ask: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ex.ran, ",") != "a,a,b,c" || res.Stopped == nil || res.Stopped.ID != "c" || res.Status != journal.Failed {
		t.Fatalf("ran %v outcome %+v\n%s", ex.ran, res, prompts.String())
	}
	st := e.State()
	if st.Steps["a"].Status != journal.DoneByHand || st.Steps["a"].Note != "fixed by hand" || len(st.Steps["a"].Attempts) != 2 {
		t.Fatalf("a: %+v", st.Steps["a"])
	}
	if !strings.Contains(prompts.String(), "a failed. [q]uit / [r]etry / [e]dit and retry / [s]kip / [d]one by hand: ") {
		t.Fatalf("prompts:\n%s", prompts.String())
	}
}

// The exact command (as journaled: secrets already masked) is echoed under
// the start line before any output; a long one is cut after 12 lines.
func TestPrinterEchoesCommand(t *testing.T) {
	doc := &runbook.Document{Steps: []*runbook.Step{{ID: "a"}}}
	long := make([]string, 15)
	for i := range long {
		long[i] = fmt.Sprintf("echo %d\r", i+1)
	}
	var b bytes.Buffer
	p := NewPrinter(&b, doc, Style{Unicode: true})
	p.Handle(steps.Event{Journal: &journal.Event{Type: journal.StepStarted, Step: "a", Attempt: 1, Command: "psql --password '****'\n"}})
	p.Handle(steps.Event{Journal: &journal.Event{Type: journal.StepStarted, Step: "a", Attempt: 2, Command: strings.Join(long, "\n")}})
	want := "▶ a\n    │ psql --password '****'\n▶ a  (attempt 2)\n"
	for i := 1; i <= 12; i++ {
		want += fmt.Sprintf("    │ echo %d\n", i)
	}
	want += "    │ … 3 more line(s)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// Inferred steps (guessed from blocks that do not say they are commands)
// need a confirmation: with nobody to ask they are listed before anything
// runs (exit 2 in the CLI); --yes runs them and says which first.
func TestInferredStepsNeedYesAndAreNamed(t *testing.T) {
	inf := shellStep("guess", "echo guessed")
	inf.Inferred = true
	doc := docWith(shellStep("a", "echo a"), inf)
	ex := &fakeExec{}
	e := engine(t, ex, doc, nil)
	_, err := Run(context.Background(), e, Options{Out: io.Discard})
	var miss *MissingError
	if !errors.As(err, &miss) || strings.Join(miss.Details(), "\n") != "step guess is inferred (its block does not say it is a command): --yes runs it" || len(ex.ran) > 0 {
		t.Fatalf("without --yes: %v, ran %v", err, ex.ran)
	}
	var out bytes.Buffer
	if _, err := Run(context.Background(), e, Options{Out: &out, Yes: true}); err != nil {
		t.Fatal(err)
	}
	want := "! running 1 inferred step(s), guessed from blocks that do not say they are commands: guess\n> a\n"
	if !strings.HasPrefix(out.String(), want) || strings.Join(ex.ran, ",") != "a,guess" {
		t.Fatalf("--yes ran %v:\n%s", ex.ran, out.String())
	}
}

// TestPrinterOutputFilteredAndIndented: plain text (written as it is) and
// text with sequences to drop (copied) are indented alike, a line cut
// between chunks once; the chunk's buffer is the engine's, reused after
// each call, which the printed text must not follow.
func TestPrinterOutputFilteredAndIndented(t *testing.T) {
	doc := &runbook.Document{Steps: []*runbook.Step{{ID: "s"}}}
	var b bytes.Buffer
	p := NewPrinter(&b, doc, Style{})
	buf := make([]byte, 0, 64)
	for _, chunk := range []string{"plain\nli", "ne\x1b]52;c;aGk=\x07 cut\n\x1b[31mred\x1b[0m\n", "tail"} {
		buf = append(buf[:0], chunk...)
		p.Handle(steps.Event{Step: "s", Attempt: 1, Output: buf})
		for i := range buf {
			buf[i] = 'X'
		}
	}
	p.Println("end")
	want := "    plain\n    line cut\n    \x1b[31mred\x1b[0m\n    tail\nend\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
