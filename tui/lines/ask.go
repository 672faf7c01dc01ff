package lines

import (
	"errors"
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// The prompts of line mode: each turns one session action into a question
// on PromptOut and reports the answer with Session.Choose.

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
		ans = ""
	case ans == "":
		ans = q.Suggested
	}
	return r.s.Choose(steps.Choice{Kind: steps.ChooseAnswer, Value: ans})
}

// askValues asks each value in turn and sets it (a value that does not
// match its pattern is asked again, three times at most), then tells the
// session, which checks what is still missing.
func (r *runner) askValues(names []string) error {
	for _, name := range names {
		for tries := 0; ; tries++ {
			v, err := r.readValue(name)
			if err != nil {
				return fmt.Errorf("value for <%s>: %w", name, err)
			}
			if err = r.e.SetVar(name, v); err == nil {
				break
			}
			if tries == 2 {
				return err
			}
			r.prompt("%v\n", err)
		}
	}
	return r.s.Choose(steps.Choice{Kind: steps.ChooseValues})
}

func (r *runner) readValue(name string) (string, error) {
	label := "<" + name + ">"
	if p := r.e.VarPrompt(name); p != "" {
		label = p + " " + label
	}
	r.prompt("%s: ", label)
	if r.e.IsSecret(name) && r.opt.ReadSecret != nil {
		v, err := r.opt.ReadSecret()
		r.prompt("\n")
		return v, err
	}
	return r.readLine()
}

func (r *runner) askInferred(sts []*runbook.Step) error {
	g := r.p.g
	r.prompt("\n%s %d step(s) are inferred: their blocks do not say they are commands.\n", g.stale, len(sts))
	for _, st := range sts {
		r.prompt("%s %s (line %d)\n%s\n", g.start, st.ID, st.Line, indent(firstLines(st.Code, 3)))
	}
	c, err := r.choose("Run them? [y]es, all / [e]ach: ask for each / [s]kip them / [n]o, stop:", "yesn")
	if err != nil {
		return err
	}
	kind := map[byte]steps.ChoiceKind{'y': steps.ChooseRun, 'e': steps.ChooseEach, 's': steps.ChooseSkip, 'n': steps.ChooseStop}[c]
	return r.s.Choose(steps.Choice{Kind: kind})
}

func firstLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = append(ls[:n], fmt.Sprintf("… %d more line(s)", len(ls)-n))
	}
	return strings.Join(ls, "\n")
}

func (r *runner) confirm(a steps.Action) error {
	g := r.p.g
	what := "asks before running"
	switch {
	case a.Changed:
		what = "changed on disk since you confirmed it; it now runs"
	case a.Step.Inferred && !a.Step.Attrs.Confirm:
		what = "is inferred (its block does not say it is a command)"
	}
	r.prompt("\n%s %s %s:\n%s\n", g.start, a.Step.ID, what, indent(a.Command))
	c, err := r.choose("Run it? [y]es / [s]kip / [n]o, stop:", "ysn")
	if err != nil {
		return err
	}
	kind := map[byte]steps.ChoiceKind{'y': steps.ChooseRun, 's': steps.ChooseSkip, 'n': steps.ChooseStop}[c]
	return r.s.Choose(steps.Choice{Kind: kind})
}

func (r *runner) stale(a steps.Action) error {
	r.prompt("\n%s %s changed since it ran (it was %s).\n", r.p.g.stale, a.Step.ID, a.Status)
	c, err := r.choose("[r]un it again / [a]ccept the earlier result / [s]kip / [n]o, stop:", "rasn")
	if err != nil {
		return err
	}
	kind := map[byte]steps.ChoiceKind{'r': steps.ChooseRun, 'a': steps.ChooseAccept, 's': steps.ChooseSkip, 'n': steps.ChooseStop}[c]
	return r.s.Choose(steps.Choice{Kind: kind})
}

func (r *runner) rerun(a steps.Action) error {
	c, err := r.choose(fmt.Sprintf("%s is %s already. Run it again? [n]o / [y]es:", a.Step.ID, a.Status), "ny")
	if err != nil {
		return err
	}
	if c == 'y' {
		return r.s.Choose(steps.Choice{Kind: steps.ChooseRun})
	}
	return r.s.Choose(steps.Choice{Kind: steps.ChooseStop})
}

// manual asks whether a person did a task-list step.
func (r *runner) manual(st *runbook.Step) error {
	r.prompt("\n%s %s  manual step:\n%s\n", r.p.g.manual, st.ID, indent(st.Code))
	c, err := r.choose("Done? [y]es / [s]kip / [n]o, stop:", "ysn")
	if err != nil {
		return err
	}
	kind := map[byte]steps.ChoiceKind{'y': steps.ChooseDone, 's': steps.ChooseSkip, 'n': steps.ChooseStop}[c]
	return r.s.Choose(steps.Choice{Kind: kind})
}

// afterFailure asks what to do about a failed step: retry, edit the
// command for this run and retry, skip or mark done by hand (recorded
// with a note), or stop.
func (r *runner) afterFailure(st *runbook.Step, status journal.Status) error {
	c, err := r.choose(fmt.Sprintf("%s %s. [q]uit / [r]etry / [e]dit and retry / [s]kip / [d]one by hand:", st.ID, status), "qresd")
	if err != nil {
		return err
	}
	switch c {
	case 'r':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseRetry})
	case 'e':
		// The command as the doc (or an earlier edit) has it, placeholders
		// unfilled: the edit is substituted like the original.
		cur := st.Code
		if ss := r.e.State().Steps[st.ID]; ss != nil && ss.Command != "" {
			cur = ss.Command
		}
		r.prompt("command now:\n%s\nnew command for this run, one line (empty: keep it): ", indent(cur))
		line, err := r.readLine()
		if err != nil {
			return err
		}
		return r.s.Choose(steps.Choice{Kind: steps.ChooseEdit, Command: strings.TrimSpace(line)})
	case 's':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseSkip, Note: r.note()})
	case 'd':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseDone, Note: r.note()})
	}
	return r.s.Choose(steps.Choice{Kind: steps.ChooseStop})
}

func (r *runner) note() string {
	r.prompt("note: ")
	n, _ := r.readLine()
	return strings.TrimSpace(n)
}

// dryRun prints each step of the plan with its final command; nothing
// runs and nothing is written.
func (r *runner) dryRun() (*steps.Outcome, error) {
	plan, err := r.e.Plan(r.opt.Selection)
	if err != nil {
		return nil, &InputError{Err: err}
	}
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
		settled := false
		if status := r.e.StepStatus(s.ID); journal.Settled(s, status) {
			head += "  (" + string(status) + " earlier in this run)"
			settled = true
		}
		cmd, err := r.e.Preview(s.ID)
		doneIf, derr := r.e.PreviewDoneIf(s.ID)
		if err = errors.Join(err, derr); err != nil {
			if !settled {
				return nil, err
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
	return &steps.Outcome{View: r.e.View()}, nil
}
