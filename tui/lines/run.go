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
}

// Outcome is how a line-mode run ended.
type Outcome struct {
	Status journal.Status // OK, or the status of the step that stopped the run
	Failed string         // the step that stopped the run, if any
	// Manual are manual steps left pending (they need a person).
	Manual []string
	// Complete is set when every step of the plan is finished.
	Complete bool
}

// MissingError lists everything a non-interactive run would need to be
// told before it can start. Nothing has run when it is returned.
type MissingError struct {
	Vars      []string // placeholder names
	Questions []*runbook.Question
	Confirm   []string // steps that ask before running (use --yes)
}

func (e *MissingError) Error() string {
	var parts []string
	if len(e.Vars) > 0 {
		parts = append(parts, fmt.Sprintf("%d value(s)", len(e.Vars)))
	}
	if len(e.Questions) > 0 {
		parts = append(parts, fmt.Sprintf("%d unanswered question(s)", len(e.Questions)))
	}
	if len(e.Confirm) > 0 {
		parts = append(parts, fmt.Sprintf("%d step(s) needing confirmation", len(e.Confirm)))
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
	return out
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Check reports what a run with opt would need to be told before it can
// start (a *MissingError), without asking or running anything.
func Check(e *steps.Engine, opt Options) error {
	opt.Ask = false
	r := &runner{e: e, opt: opt}
	plan, err := e.Plan(opt.Selection)
	if err != nil {
		return &InputError{err}
	}
	if err := r.gather(plan); err != nil {
		return err
	}
	var ids []string
	for _, st := range plan {
		ids = append(ids, st.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := e.CheckValues(ids...); err != nil {
		return &InputError{err}
	}
	return nil
}

// InputError is bad input found before anything ran: an unknown step id,
// a value that does not match its pattern.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

type runner struct {
	e   *steps.Engine
	opt Options
	p   *Printer
	in  *bufio.Reader
}

// Run drives a run in line mode: it gathers every missing value first
// (asking, or failing with a *MissingError), then runs the selected steps
// in order, stopping at the first failure unless the step says
// continue-on-error.
func Run(ctx context.Context, e *steps.Engine, opt Options) (Outcome, error) {
	if opt.PromptOut == nil {
		opt.PromptOut = opt.Out
	}
	r := &runner{e: e, opt: opt, p: NewPrinter(opt.Out, e.Doc(), opt.Style)}
	if opt.In != nil {
		r.in = bufio.NewReader(opt.In)
	}
	plan, err := e.Plan(opt.Selection)
	if err != nil {
		return Outcome{}, &InputError{err}
	}
	if err := r.gather(plan); err != nil {
		return Outcome{}, err
	}
	var ids []string
	for _, st := range plan {
		ids = append(ids, st.ID)
	}
	if len(ids) > 0 {
		if err := e.CheckValues(ids...); err != nil {
			return Outcome{}, &InputError{err}
		}
	}
	if opt.DryRun {
		return r.dryRun(plan)
	}
	unsub := e.Subscribe(r.p.Handle)
	defer unsub()
	out, err := r.run(ctx, plan)
	return out, errors.Join(err, e.Flush())
}

// gather asks for (or lists) every value, answer and confirmation the plan
// needs, before anything runs.
func (r *runner) gather(plan []*runbook.Step) error {
	miss := &MissingError{}
	st := r.e.State()
	if !r.opt.DryRun {
		for _, q := range r.e.Doc().Questions {
			if _, ok := st.Answers[q.ID]; ok {
				continue
			}
			if !r.opt.Ask {
				miss.Questions = append(miss.Questions, q)
				continue
			}
			if err := r.askQuestion(q); err != nil {
				return err
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range plan {
		if s.Kind == runbook.KindManual || r.e.StepStatus(s.ID).Finished() {
			continue
		}
		for _, name := range r.e.Missing(s.ID) {
			if seen[name] {
				continue
			}
			seen[name] = true
			if !r.opt.Ask {
				miss.Vars = append(miss.Vars, name)
				continue
			}
			if err := r.askVar(name); err != nil {
				return err
			}
		}
		if s.Attrs.Confirm && !r.opt.Yes && !r.opt.Ask && !r.opt.DryRun {
			miss.Confirm = append(miss.Confirm, s.ID)
		}
	}
	if len(miss.Vars)+len(miss.Questions)+len(miss.Confirm) > 0 {
		return miss
	}
	return nil
}

var errNoInput = errors.New("no more input")

func (r *runner) readLine() (string, error) {
	if r.in == nil {
		return "", errNoInput
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

func (r *runner) askQuestion(q *runbook.Question) error {
	r.prompt("\nQuestion %s (line %d):\n  %s\n", q.ID, q.Line, q.Text)
	hint := "answer (empty: skip for now)"
	if q.Suggested != "" {
		hint = fmt.Sprintf("answer (empty: %q, '-': skip for now)", q.Suggested)
	}
	r.prompt("%s: ", hint)
	ans, err := r.readLine()
	if err != nil {
		return fmt.Errorf("question %s: %w", q.ID, err)
	}
	ans = strings.TrimSpace(ans)
	switch {
	case ans == "-" || ans == "" && q.Suggested == "":
		return r.e.SkipQuestion(q.ID)
	case ans == "":
		ans = q.Suggested
	}
	return r.e.Answer(q.ID, ans)
}

func (r *runner) askVar(name string) error {
	for tries := 0; ; tries++ {
		label := "<" + name + ">"
		if p := r.e.VarPrompt(name); p != "" {
			label = p + " " + label
		}
		r.prompt("%s: ", label)
		var val string
		var err error
		if r.e.IsSecret(name) && r.opt.ReadSecret != nil {
			val, err = r.opt.ReadSecret()
			r.prompt("\n")
		} else {
			val, err = r.readLine()
		}
		if err != nil {
			return fmt.Errorf("value for <%s>: %w", name, err)
		}
		err = r.e.SetVar(name, val)
		if err == nil {
			return nil
		}
		if tries == 2 {
			return err
		}
		r.prompt("%v\n", err)
	}
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

func (r *runner) dryRun(plan []*runbook.Step) (Outcome, error) {
	g := r.p.g
	for _, s := range plan {
		head := g.start + " " + s.ID
		if s.Title != "" && s.Title != s.ID {
			head += "  " + s.Title
		}
		if s.Kind == runbook.KindManual {
			r.p.Println(g.manual + " " + s.ID + "  (manual) " + firstLine(s.Code))
			continue
		}
		finished := false
		if status := r.e.StepStatus(s.ID); status.Finished() {
			head += "  (" + string(status) + " earlier in this run)"
			finished = true
		}
		cmd, err := r.e.Preview(s.ID)
		doneIf, derr := r.e.PreviewDoneIf(s.ID)
		if err = errors.Join(err, derr); err != nil {
			if !finished {
				return Outcome{}, err
			}
			// It will not run again, so its values (a secret is not
			// remembered by a resumed run) need not be known: show the
			// step as the doc has it.
			cmd, doneIf = s.Code, s.Attrs.DoneIf
		}
		r.p.Println(head)
		if doneIf != "" {
			r.p.Println(outputIndent + "# done-if: " + doneIf)
		}
		r.p.Println(indent(cmd))
	}
	return Outcome{Status: journal.OK}, nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return outputIndent + strings.ReplaceAll(s, "\n", "\n"+outputIndent)
}

func (r *runner) run(ctx context.Context, plan []*runbook.Step) (Outcome, error) {
	out := Outcome{Status: journal.OK}
	g := r.p.g
	for _, s := range plan {
		status := r.e.StepStatus(s.ID)
		if status.Finished() {
			r.println(r.p.paint(dim, g.ok+" "+s.ID+"  "+string(status)+" earlier in this run"))
			continue
		}
		if status == journal.Stale {
			r.println(r.p.paint(yellow, g.stale+" "+s.ID+"  changed since it ran: running it again"))
		}
		if s.Kind == runbook.KindManual {
			stop, err := r.manual(s, &out)
			if err != nil || stop {
				return out, err
			}
			continue
		}
		if s.Attrs.Confirm && !r.opt.Yes {
			cmd, err := r.e.Preview(s.ID)
			if err != nil {
				return out, err
			}
			r.prompt("\n%s %s asks before running:\n%s\n", g.start, s.ID, indent(cmd))
			c, err := r.choose("Run it? [y]es / [s]kip / [n]o, stop:", "ysn")
			if err != nil {
				return out, err
			}
			switch c {
			case 's':
				if err := r.e.Skip(s.ID, "skipped when asked to confirm"); err != nil {
					return out, err
				}
				continue
			case 'n':
				out.Status, out.Failed = journal.Pending, s.ID
				return out, nil
			}
		}
		if r.opt.BeforeStep != nil {
			if notice := r.opt.BeforeStep(ctx, s); notice != "" {
				r.println(notice)
			}
		}
		// Hold: the step's end is shown with the next step's start, one
		// disk sync for both; println and prompt flush it first.
		opt := steps.RunOptions{Hold: true}
		if s.Attrs.Interactive {
			opt.Terminal = r.opt.Terminal
		}
		status, err := r.e.Run(ctx, s.ID, opt)
		for err == nil && r.opt.Ask && !status.Finished() && status != journal.Interrupted && !s.Attrs.ContinueOnError {
			var again bool
			if again, err = r.afterFailure(s, status); !again {
				status = r.e.StepStatus(s.ID)
				break
			}
			status, err = r.e.Run(ctx, s.ID, opt)
		}
		if err != nil {
			return out, err
		}
		if !status.Finished() {
			out.Status, out.Failed = status, s.ID
			if status == journal.Interrupted || !s.Attrs.ContinueOnError {
				return out, nil
			}
		}
	}
	out.Complete = len(out.Manual) == 0 && out.Failed == ""
	return out, nil
}

// afterFailure asks what to do about a failed step: retry (again=true),
// edit the command for this run and retry, skip or mark done by hand
// (recorded with a note), or stop.
func (r *runner) afterFailure(s *runbook.Step, status journal.Status) (again bool, err error) {
	c, err := r.choose(fmt.Sprintf("%s %s. [q]uit / [r]etry / [e]dit and retry / [s]kip / [d]one by hand:", s.ID, status), "qresd")
	if err != nil {
		return false, err
	}
	if c == 'e' {
		// The command as the doc (or an earlier edit) has it, placeholders
		// unfilled: the edit is substituted like the original.
		cur := s.Code
		if ss := r.e.State().Steps[s.ID]; ss != nil && ss.Command != "" {
			cur = ss.Command
		}
		r.prompt("command now:\n%s\nnew command for this run, one line (empty: keep it): ", indent(cur))
		line, err := r.readLine()
		if err != nil {
			return false, err
		}
		if line = strings.TrimSpace(line); line != "" {
			if err := r.e.EditCommand(s.ID, line); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	note := func() string {
		r.prompt("note: ")
		n, _ := r.readLine()
		return strings.TrimSpace(n)
	}
	switch c {
	case 'r':
		return true, nil
	case 's':
		return false, r.e.Skip(s.ID, note())
	case 'd':
		return false, r.e.MarkDone(s.ID, note())
	}
	return false, nil
}

// manual handles a task-list step: asked when someone can answer (and
// --yes is not given), otherwise left pending and reported at the end.
func (r *runner) manual(s *runbook.Step, out *Outcome) (stop bool, err error) {
	g := r.p.g
	if !r.opt.Ask || r.opt.Yes {
		r.println(r.p.paint(yellow, g.manual+" "+s.ID+"  manual step, needs a person: "+firstLine(s.Code)))
		out.Manual = append(out.Manual, s.ID)
		return false, nil
	}
	r.prompt("\n%s %s  manual step:\n%s\n", g.manual, s.ID, indent(s.Code))
	c, err := r.choose("Done? [y]es / [s]kip / [n]o, stop:", "ysn")
	if err != nil {
		return true, err
	}
	switch c {
	case 'y':
		return false, r.e.MarkDone(s.ID, "")
	case 's':
		return false, r.e.Skip(s.ID, "")
	}
	out.Status, out.Failed = journal.Pending, s.ID
	out.Manual = append(out.Manual, s.ID)
	return true, nil
}

// Summary counts the doc's steps by status, e.g. "12 ok, 1 failed, 3
// pending"; check and skip steps count only once they were run.
func Summary(e *steps.Engine) string {
	counts := map[journal.Status]int{}
	st := e.State()
	for _, s := range e.Doc().Steps {
		if _, touched := st.Steps[s.ID]; !touched && (s.Kind == runbook.KindCheck || s.Attrs.Skip) {
			continue // not part of a run unless asked for
		}
		counts[e.StepStatus(s.ID)]++
	}
	var parts []string
	for _, st := range []journal.Status{journal.OK, journal.AlreadyDone, journal.DoneByHand, journal.Skipped,
		journal.Failed, journal.TimedOut, journal.Interrupted, journal.Stale, journal.Pending} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}
