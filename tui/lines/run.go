package lines

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
)

// Options are the choices of `runbook run` in line mode.
type Options struct {
	Out io.Writer // progress lines
	// Ask is set when a person can answer (stdin is a terminal): missing
	// values, confirmations and manual steps are asked on PromptOut and read
	// from In. Without it, anything that would need an answer fails before
	// the first step runs.
	Ask        bool
	In         io.Reader
	PromptOut  io.Writer
	ReadSecret func() (string, error) // reads a line without echo; nil → from In
	Yes        bool                   // run everything without asking
	DryRun     bool                   // print each final command, run nothing
	Selection  steps.Selection
	Style      Style
	Terminal   *os.File // handed to interactive steps
	// BeforeStep may return a notice printed before a step starts (e.g.
	// which MySQL server the first SQL step will use).
	BeforeStep func(ctx context.Context, st *runbook.Step) string
	// Header is printed first, once nothing is missing: which run this
	// is. A refused run prints nothing on Out.
	Header string
}

// MissingError lists everything a non-interactive run would need to be
// told before it can start. Nothing has run when it is returned.
type MissingError struct {
	Vars      []string // placeholder names
	Questions []*runbook.Question
	Confirm   []string // steps that ask before running (use --yes)
	Inferred  []string // steps inferred from blocks that do not say they are commands (use --yes)
	// Session are shell session values a resumed run lacks (secrets,
	// never on disk): --set NAME=VALUE, or run the step that set them.
	Session []steps.MissingValue
	Outputs []string // steps whose named outputs need confirming (use --yes)
}

func (e *MissingError) Error() string {
	var parts []string
	if len(e.Vars) > 0 {
		parts = append(parts, fmt.Sprintf("%d value(s)", len(e.Vars)))
	}
	if len(e.Questions) > 0 {
		parts = append(parts, fmt.Sprintf("%d unanswered question(s)", len(e.Questions)))
	}
	if n := len(e.Confirm) + len(e.Inferred); n > 0 {
		parts = append(parts, fmt.Sprintf("%d step(s) needing confirmation", n))
	}
	if len(e.Session) > 0 {
		parts = append(parts, fmt.Sprintf("%d shell session value(s) of an earlier process", len(e.Session)))
	}
	if len(e.Outputs) > 0 {
		parts = append(parts, fmt.Sprintf("%d step(s) whose outputs need confirming", len(e.Outputs)))
	}
	return "missing " + strings.Join(parts, ", ") + "; nothing was run"
}

// Details is one line per missing item, saying how to provide it.
func (e *MissingError) Details() []string {
	var out []string
	for _, v := range e.Vars {
		out = append(out, fmt.Sprintf("<%s>: --set %s=VALUE (or --values FILE, or %s%s)", v, v, steps.EnvPrefix, steps.EnvName(v)))
	}
	for _, q := range e.Questions {
		out = append(out, fmt.Sprintf("question %s (line %d) %q: --set %s=ANSWER", q.ID, q.Line, shorten(firstLine(q.Text), 60), q.ID))
	}
	for _, id := range e.Confirm {
		out = append(out, fmt.Sprintf("step %s asks before running: --yes", id))
	}
	for _, id := range e.Inferred {
		out = append(out, fmt.Sprintf("step %s is inferred (its block does not say it is a command): --yes runs it", id))
	}
	for _, m := range e.Session {
		switch {
		case m.Func:
			out = append(out, fmt.Sprintf("function %s (a secret, set by step %s): run again from a terminal to run step %s again", m.Name, m.Step, m.Step))
		case m.Secret:
			out = append(out, fmt.Sprintf("%s (a secret, set by step %s, never written to disk): --set %s=VALUE, or run again from a terminal to run step %s again", m.Name, m.Step, m.Name, m.Step))
		default:
			out = append(out, fmt.Sprintf("%s (set by step %s, too large to journal): --set %s=VALUE, or run again from a terminal to run step %s again", m.Name, m.Step, m.Name, m.Step))
		}
	}
	for _, id := range e.Outputs {
		out = append(out, fmt.Sprintf("step %s writes values later steps use to $RUNBOOK_OUTPUT: --yes takes them", id))
	}
	return out
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// InputError is bad input found before anything ran: an unknown step id,
// a value that does not match its pattern.
type InputError = steps.InputError

// policy is line mode's answer to what it can do; Upfront: everything is
// asked before the first step runs.
func policy(opt Options) steps.Policy {
	return steps.Policy{Ask: opt.Ask && !opt.DryRun, Yes: opt.Yes, Upfront: true}
}

// Check reports what a run with opt would need to be told before it can
// start (a *MissingError), or a value that cannot be used (*InputError),
// without asking or running anything: nothing is written either.
func Check(e *steps.Engine, opt Options) error {
	opt.Ask = false
	s := steps.NewSession(e, policy(opt))
	need, err := s.Needs(opt.Selection)
	if err != nil {
		return &InputError{Err: err}
	}
	miss := &MissingError{Vars: need.Values}
	if !opt.DryRun {
		miss.Questions, miss.Confirm, miss.Inferred = need.Questions, need.Confirm, need.Inferred
		miss.Session, miss.Outputs = need.Session, need.Outputs
	}
	if len(miss.Vars)+len(miss.Questions)+len(miss.Confirm)+len(miss.Inferred)+len(miss.Session)+len(miss.Outputs) > 0 {
		return miss
	}
	plan, _ := e.Plan(opt.Selection)
	ids := make([]string, 0, len(plan))
	for _, st := range plan {
		ids = append(ids, st.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := e.CheckValues(ids...); err != nil {
		return &InputError{Err: err}
	}
	return nil
}

type runner struct {
	e   *steps.Engine
	s   *steps.Session
	opt Options
	p   *Printer
	in  *bufio.Reader
	ctx context.Context // the run's: a prompt gives up when it ends (Ctrl-C)
}

// Run drives a run in line mode through a steps.Session: with nobody to
// ask it first checks that nothing is missing (a *MissingError, nothing
// run or written); otherwise it asks every question and missing value,
// then runs the selected steps in order. The outcome says how the run
// ended; err is for what kept it from running (bad input, no input).
func Run(ctx context.Context, e *steps.Engine, opt Options) (*steps.Outcome, error) {
	if opt.PromptOut == nil {
		opt.PromptOut = opt.Out
	}
	if !opt.Ask || opt.DryRun {
		if err := Check(e, opt); err != nil {
			return nil, err
		}
	}
	r := &runner{e: e, s: steps.NewSession(e, policy(opt)), opt: opt, p: NewPrinter(opt.Out, e.Doc(), opt.Style), ctx: ctx}
	r.p.RunDir = e.RunDir()
	if r.forwarder() != nil {
		r.p.waitHint = " (the step is not interactive). Type the answer here: it goes to the step. Ctrl-C stops it."
	}
	if opt.In != nil {
		r.in = bufio.NewReader(opt.In)
	}
	if opt.Header != "" {
		r.p.Println(opt.Header)
	}
	if opt.DryRun {
		return r.dryRun()
	}
	if err := r.s.RunAll(opt.Selection); err != nil {
		return nil, err
	}
	unsub := e.Subscribe(r.p.Handle)
	defer unsub()
	out, err := r.drive(ctx)
	return out, errors.Join(err, e.Flush())
}

// drive answers the session's actions until its flow ends.
func (r *runner) drive(ctx context.Context) (*steps.Outcome, error) {
	for {
		a := r.s.Next()
		r.notes(a.Notes)
		var err error
		switch a.Kind {
		case steps.ActDone:
			var in *steps.InputError
			if errors.As(a.Outcome.Err, &in) {
				return a.Outcome, in
			}
			return a.Outcome, nil
		case steps.ActRun:
			r.run(ctx, a.Step)
			continue
		case steps.ActQuestion:
			err = r.askQuestion(a.Question)
		case steps.ActValues:
			err = r.askValues(a.Names)
		case steps.ActInferred:
			err = r.askInferred(a.Steps)
		case steps.ActConfirm:
			err = r.confirm(a)
		case steps.ActStale:
			err = r.stale(a)
		case steps.ActRerun:
			err = r.rerun(a)
		case steps.ActManual:
			err = r.manual(a.Step)
		case steps.ActFailed:
			err = r.afterFailure(a.Step, a.Status)
		case steps.ActSessionValues:
			err = r.askSessionValues(a)
		case steps.ActOutputs:
			err = r.askOutputs(a)
		case steps.ActRestart:
			err = r.askRestart(a)
		default:
			err = fmt.Errorf("line mode cannot answer %s", a.Kind)
		}
		if err != nil {
			return nil, err
		}
	}
}

// run runs the step of an ActRun. Its end is held (one disk sync with the
// next step's start); whatever the runner prints next flushes it first.
func (r *runner) run(ctx context.Context, st *runbook.Step) {
	if r.opt.BeforeStep != nil {
		if notice := r.opt.BeforeStep(ctx, st); notice != "" {
			r.println(notice)
		}
	}
	opt := steps.RunOptions{Hold: true}
	if st.Attrs.Interactive {
		opt.Terminal = r.opt.Terminal
	} else if fw := r.forwarder(); fw != nil {
		// A prompt of the step can be answered here (forward_linux.go).
		defer fw.stop()
		defer r.e.Subscribe(fw.handle)()
	}
	// A step that could not run ends the flow: Next says why.
	r.s.Run(ctx, opt) //nolint:errcheck // reported by the outcome
}

// forwarder types the engineer's keys into a step waiting for input,
// when someone is at runbook's terminal to type them.
func (r *runner) forwarder() *forwarder {
	if !r.opt.Ask || r.opt.Terminal == nil {
		return nil
	}
	return newForwarder(r.e, r.opt.Terminal)
}

// notes prints what the session decided on its own.
func (r *runner) notes(ns []steps.Note) {
	g := r.p.g
	for _, n := range ns {
		if r.sessionNote(n) {
			continue
		}
		switch n.Kind {
		case steps.NotePassed:
			mark := g.ok
			if !n.Status.Finished() {
				mark = g.fail
			}
			r.println(r.p.paint(dim, mark+" "+n.Step.ID+"  "+string(n.Status)+" earlier in this run"))
		case steps.NoteStale:
			r.println(r.p.paint(yellow, g.stale+" "+n.Step.ID+"  changed since it ran: running it again"))
		case steps.NoteChanged:
			r.println(r.p.paint(yellow, g.stale+" "+n.Step.ID+"  changed on disk: running the new version"))
		case steps.NoteManual:
			r.println(r.p.paint(yellow, g.manual+" "+n.Step.ID+"  manual step, needs a person: "+firstLine(n.Step.Code)))
		case steps.NoteInferred:
			r.println(r.p.paint(yellow, fmt.Sprintf("%s running %d inferred step(s), guessed from blocks that do not say they are commands: %s",
				g.stale, len(n.Steps), stepIDs(n.Steps))))
		case steps.NoteTolerated:
			r.println(r.p.paint(dim, outputIndent+n.Step.ID+" is continue-on-error: the run goes on"))
		}
	}
}

func stepIDs(sts []*runbook.Step) string {
	ids := make([]string, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	return strings.Join(ids, ", ")
}

var errNoInput = errors.New("no more input")

func (r *runner) readLine() (string, error) {
	if r.in == nil {
		return "", errNoInput
	}
	if r.opt.Terminal != nil && r.in.Buffered() == 0 && r.ctx != nil {
		if err := WaitInput(r.ctx, r.opt.Terminal); err != nil {
			return "", err
		}
	}
	line, err := r.in.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		if errors.Is(err, io.EOF) {
			return "", errNoInput
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (r *runner) prompt(format string, args ...any) {
	r.e.Flush()
	// questions, commands and values come from the doc and the engineer
	fmt.Fprint(r.opt.PromptOut, termtext.Escape(fmt.Sprintf(format, args...)))
}

// println prints a line of the runner's own after the events held back by
// the last step (RunOptions.Hold) are on disk and shown.
func (r *runner) println(s string) {
	r.e.Flush()
	r.p.Println(s)
}

// choose asks a one-letter question until it gets one of the choices; the
// first choice is the default.
func (r *runner) choose(question string, choices string) (byte, error) {
	for {
		r.prompt("%s ", question)
		ans, err := r.readLine()
		if err != nil {
			return 0, err
		}
		ans = strings.ToLower(strings.TrimSpace(ans))
		if ans == "" {
			return choices[0], nil
		}
		if strings.IndexByte(choices, ans[0]) >= 0 {
			return ans[0], nil
		}
	}
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return outputIndent + strings.ReplaceAll(s, "\n", "\n"+outputIndent)
}

// Summary counts the run's counted steps by status, e.g. "12 ok, 1
// failed, 3 pending" (journal.RunView: check and skip steps count only
// once they were run).
func Summary(v *journal.RunView) string {
	var parts []string
	for _, st := range []journal.Status{journal.OK, journal.AlreadyDone, journal.DoneByHand, journal.Skipped,
		journal.Failed, journal.TimedOut, journal.Interrupted, journal.Stale, journal.Running, journal.Pending} {
		if n := v.Counts.By[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		return "no steps"
	}
	return strings.Join(parts, ", ")
}
