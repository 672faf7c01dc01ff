package lines

import (
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/steps"
)

// The prompts of a run that is one terminal session (docs/format.md,
// "Session"): session values a resumed run lacks, a step's named outputs,
// a background step to start again.

// askSessionValues tells which values of the shell session this process
// lacks (secrets are never on disk) and which step set each, and offers
// to run those steps again or to give the values.
func (r *runner) askSessionValues(a steps.Action) error {
	r.prompt("\nThe shell session of this run lacks values an earlier runbook process had (secrets are never written to disk):\n")
	canType := false
	for _, m := range a.Missing {
		what := "a secret"
		if !m.Secret {
			what = "too large to journal"
		}
		name := m.Name
		if m.Func {
			name += "()"
		} else {
			canType = true
		}
		r.prompt("  %s  (%s, set by step %s)\n", name, what, m.Step)
	}
	q, choices := "[r]un the steps that set them again / ", "regn"
	if canType {
		q += "[e]nter the values / "
	} else {
		choices = "rgn"
	}
	c, err := r.choose(q+"[g]o on without them / [n]o, stop:", choices)
	if err != nil {
		return err
	}
	switch c {
	case 'r':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseRun})
	case 'g':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseSkip})
	case 'n':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseStop})
	}
	vals := map[string]string{}
	for _, m := range a.Missing {
		if m.Func {
			continue
		}
		r.prompt("%s: ", m.Name)
		var v string
		if r.opt.ReadSecret != nil {
			v, err = r.opt.ReadSecret()
			r.prompt("\n")
		} else {
			v, err = r.readLine()
		}
		if err != nil {
			return fmt.Errorf("value for %s: %w", m.Name, err)
		}
		vals[m.Name] = v
	}
	return r.s.Choose(steps.Choice{Kind: steps.ChooseValues, Values: vals})
}

// askOutputs shows the named outputs a step wrote for placeholders and
// asks whether to use them (or edit them first).
func (r *runner) askOutputs(a steps.Action) error {
	r.prompt("\n%s %s wrote values for later steps ($RUNBOOK_OUTPUT):\n", r.p.g.start, a.Step.ID)
	for _, o := range a.Outputs {
		line := fmt.Sprintf("  <%s> = %s", o.Name, o.Shown)
		if o.Current != "" && o.Current != o.Shown {
			line += fmt.Sprintf("   (now: %s)", o.Current)
		}
		r.prompt("%s\n", line)
	}
	c, err := r.choose("Use them? [y]es / [e]dit / [s]kip them / [n]o, stop:", "yesn")
	if err != nil {
		return err
	}
	switch c {
	case 'y':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseAccept})
	case 's':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseSkip})
	case 'n':
		return r.s.Choose(steps.Choice{Kind: steps.ChooseStop})
	}
	vals := map[string]string{}
	for _, o := range a.Outputs {
		r.prompt("<%s> (empty: keep %s, '-': do not use it): ", o.Name, o.Shown)
		v, err := r.readLine()
		if err != nil {
			return err
		}
		if v = strings.TrimSpace(v); v != "-" {
			vals[o.Name] = v
		}
	}
	return r.s.Choose(steps.Choice{Kind: steps.ChooseValues, Values: vals})
}

// askRestart asks whether to start again a background step that ran
// when the run stopped.
func (r *runner) askRestart(a steps.Action) error {
	r.prompt("\n%s %s ran in the background when the run stopped; later steps may need it.\n", r.p.g.stale, a.Step.ID)
	c, err := r.choose("Start it again? [y]es / [s]kip / [n]o, stop:", "ysn")
	if err != nil {
		return err
	}
	kind := map[byte]steps.ChoiceKind{'y': steps.ChooseRun, 's': steps.ChooseSkip, 'n': steps.ChooseStop}[c]
	return r.s.Choose(steps.Choice{Kind: kind})
}

// sessionNote prints what the session decided about outputs, background
// steps and session values on its own; false for another note.
func (r *runner) sessionNote(n steps.Note) bool {
	g := r.p.g
	names := "<" + strings.Join(n.Names, ">, <") + ">"
	switch n.Kind {
	case steps.NoteBackground:
		r.println(r.p.paint(dim, g.cmd+" "+n.Step.ID+"  running in the background (its output is in its log)"))
	case steps.NoteOutputs:
		r.println(r.p.paint(dim, outputIndent+n.Step.ID+" gave "+names+" (--yes takes a step's outputs)"))
	case steps.NoteOutputsUnused:
		r.println(r.p.paint(yellow, outputIndent+n.Step.ID+" wrote "+names+" to $RUNBOOK_OUTPUT: not used, nobody could confirm them (--yes takes them)"))
	case steps.NoteRestart:
		r.println(r.p.paint(yellow, g.stale+" "+n.Step.ID+"  ran in the background when the run stopped: starting it again"))
	case steps.NoteNotNeeded:
		r.println(r.p.paint(yellow, g.skip+" "+n.Step.ID+"  ran in the background when the run stopped; no later step needs it: skipped"))
	case steps.NoteSessionDropped:
		r.println(r.p.paint(yellow, g.stale+" going on without "+strings.Join(n.Names, ", ")+": unset in this run's shell session"))
	default:
		return false
	}
	return true
}
