package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/runbook-sh/runbook/runbook"
)

// placeholderForm asks for variables; every answer goes through SetVar.
func (m *Model) placeholderForm(title string, names []string, then func() tea.Cmd) tea.Cmd {
	vals := make([]string, len(names))
	fields := make([]huh.Field, 0, len(names))
	for i, name := range names {
		p := m.doc.Placeholder(name)
		in := huh.NewInput().Title(name)
		desc := ""
		var pattern *regexp.Regexp
		if p != nil {
			vals[i] = p.Default
			if p.Var != nil {
				desc = p.Var.Prompt
				if p.Var.Default != "" {
					vals[i] = p.Var.Default
				}
				if p.Var.Pattern != "" {
					pattern, _ = regexp.Compile("^(?:" + p.Var.Pattern + ")$")
				}
			}
			if desc == "" && len(p.Lines) > 0 {
				desc = fmt.Sprintf("used on line %s", joinInts(p.Lines, 4))
			}
			if p.Secret {
				in.EchoMode(huh.EchoModePassword)
				desc = strings.TrimSpace(desc + " (secret: masked, never written to disk)")
			}
		}
		if desc != "" {
			in.Description(desc)
		}
		// Value reads the current value when bound: defaults go in first.
		in.Value(&vals[i])
		in.Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("a value is required")
			}
			if pattern != nil && !pattern.MatchString(s) {
				return fmt.Errorf("must match %s", pattern.String()[4:len(pattern.String())-2])
			}
			return nil
		})
		fields = append(fields, in)
	}
	eng := m.eng
	return m.openDialog(title, func() tea.Cmd {
		setVars := func() tea.Msg {
			for i, name := range names {
				if err := eng.SetVar(name, vals[i]); err != nil {
					return actionDoneMsg{err: fmt.Errorf("%s: %w", name, err)}
				}
			}
			return actionDoneMsg{text: fmt.Sprintf("%d value(s) set", len(names)), vars: true}
		}
		if then == nil {
			return setVars
		}
		return tea.Sequence(setVars, then())
	}, huh.NewGroup(fields...))
}

// preflightItem is one placeholder in the preflight form.
type preflightItem struct {
	name    string
	value   string // current value; never set for secrets
	has     bool   // a value is set (or a default applies)
	secret  bool
	missing bool // no value and no source: required
}

// preflightForm shows every placeholder at once, pre-filled with its
// current value, so the engineer can check or give them all before the
// first step. Secrets show empty: leaving them empty keeps their value.
func (m *Model) preflightForm(items []preflightItem) tea.Cmd {
	vals := make([]string, len(items))
	fields := make([]huh.Field, 0, len(items))
	for i, it := range items {
		vals[i] = it.value
		in := huh.NewInput().Title(it.name)
		desc := ""
		var pattern *regexp.Regexp
		if p := m.doc.Placeholder(it.name); p != nil && p.Var != nil {
			desc = p.Var.Prompt
			if p.Var.Pattern != "" {
				pattern, _ = regexp.Compile("^(?:" + p.Var.Pattern + ")$")
			}
		}
		switch {
		case it.secret && it.has:
			in.EchoMode(huh.EchoModePassword)
			desc = strings.TrimSpace(desc + " (secret, set: leave empty to keep it)")
		case it.secret:
			in.EchoMode(huh.EchoModePassword)
			desc = strings.TrimSpace(desc + " (secret: masked, never written to disk)")
		}
		if desc != "" {
			in.Description(desc)
		}
		required := it.missing
		in.Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				if required {
					return errors.New("a value is required")
				}
				return nil
			}
			if pattern != nil && !pattern.MatchString(s) {
				return fmt.Errorf("must match %s", pattern.String()[4:len(pattern.String())-2])
			}
			return nil
		})
		in.Value(&vals[i])
		fields = append(fields, in)
	}
	eng := m.eng
	return m.openDialog("Placeholders", func() tea.Cmd {
		return func() tea.Msg {
			n := 0
			for i, it := range items {
				v := vals[i]
				if v == "" || (v == it.value && it.has) {
					continue
				}
				if err := eng.SetVar(it.name, v); err != nil {
					return actionDoneMsg{err: fmt.Errorf("%s: %w", it.name, err)}
				}
				n++
			}
			return actionDoneMsg{text: fmt.Sprintf("%d value(s) set", n), vars: true}
		}
	}, huh.NewGroup(fields...))
}

func joinInts(xs []int, limit int) string {
	var parts []string
	for i, x := range xs {
		if i == limit {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, ", ")
}

// question actions.
const (
	qAccept = "accept"
	qType   = "type"
	qSkip   = "skip"
)

// questionForm asks a [VERIFY] question with its suggested answer.
func (m *Model) questionForm(q *runbook.Question) tea.Cmd {
	// "Type an answer" starts empty, the suggestion shown greyed behind it:
	// pre-filled, what the engineer typed was appended to the suggestion
	// ("...in 2 AZsyes, one VPC each"). Accept is the way to take it as is.
	// A question answered before starts from that answer, to correct it.
	action, answer := qType, ""
	var opts []huh.Option[string]
	if q.Suggested != "" {
		action = qAccept
		opts = append(opts, huh.NewOption("Accept: "+truncate(oneLine(q.Suggested), max(m.dialogWidth()-20, 10)), qAccept))
	}
	opts = append(opts, huh.NewOption("Type an answer", qType), huh.NewOption("Skip for now", qSkip))
	if a, ok := m.snap.answer(q.ID); ok && !a.Skipped {
		answer = a.Value
	}
	eng := m.eng
	return m.openDialog("Question", func() tea.Cmd {
		return func() tea.Msg {
			var err error
			text := "answer recorded (press w to write it into the doc)"
			switch action {
			case qAccept:
				err = eng.Answer(q.ID, q.Suggested)
			case qType:
				err = eng.Answer(q.ID, answer)
			default:
				err = eng.SkipQuestion(q.ID)
				text = "question skipped for now"
			}
			return actionDoneMsg{text: text, err: err}
		}
	},
		huh.NewGroup(
			huh.NewSelect[string]().
				Title("[VERIFY] "+oneLine(q.Text)).
				Options(opts...).
				Value(&action),
		),
		huh.NewGroup(
			huh.NewInput().Title("Answer").Description(oneLine(q.Text)).Placeholder(oneLine(q.Suggested)).Value(&answer).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("an answer is required")
				}
				return nil
			}),
		).WithHideFunc(func() bool { return action != qType }),
	)
}

// confirmForm asks yes/no; then runs only on yes.
func (m *Model) confirmForm(title, question, desc, yes, no string, then func() tea.Cmd) tea.Cmd {
	ok := false
	return m.openDialog(title, func() tea.Cmd {
		if !ok {
			return nil
		}
		return then()
	}, huh.NewGroup(huh.NewConfirm().Title(question).Description(desc).Affirmative(yes).Negative(no).Value(&ok)))
}

// textForm asks one line of text (notes).
func (m *Model) textForm(title, prompt string, required bool, then func(string) tea.Cmd) tea.Cmd {
	var v string
	in := huh.NewInput().Title(prompt).Value(&v)
	if required {
		in.Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("please write a short note")
			}
			return nil
		})
	}
	return m.openDialog(title, func() tea.Cmd { return then(v) }, huh.NewGroup(in))
}

// editForm edits a command inline.
func (m *Model) editForm(s *runbook.Step, current string) tea.Cmd {
	v := current
	eng := m.eng
	return m.openDialog("Edit command (this run only)", func() tea.Cmd {
		return func() tea.Msg {
			return actionDoneMsg{text: "command edited for this run", err: eng.EditCommand(s.ID, v), vars: true}
		}
	}, huh.NewGroup(huh.NewText().Title(s.Title).Description("enter saves · ctrl+j new line").Value(&v).Lines(8)))
}
