package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func (m *Model) helpView() string {
	if m.state == stateDialog {
		return ""
	}
	if m.state == stateDiff {
		return m.help.ShortHelpView(m.diff.ShortHelp())
	}
	if m.state == statePast {
		return m.help.ShortHelpView(m.past.ShortHelp())
	}
	if keys, ok := m.featureHelp(); ok {
		return m.help.ShortHelpView(keys)
	}
	return m.help.View(m)
}

// as is a binding with another description: the help bar says what the
// key does to the selected row ("enter answer" on a question).
func as(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// ShortHelp is the help bar. It follows the context: the filter being
// typed, the focused pane, a running step, and the selected row (a
// section, a question, a step by its status). It is kept short enough for
// 80 columns: `?` has the rest.
func (m *Model) ShortHelp() []key.Binding {
	return m.fitHelp(m.contextHelp())
}

// fitHelp drops the entries that matter least (filter, log, next to
// do, summary) until the bar fits the terminal: `? help` and `q quit`
// are never cut off.
func (m *Model) fitHelp(keys []key.Binding) []key.Binding {
	k := m.common.Keys
	whole := m.help // a copy that does not truncate
	whole.SetWidth(0)
	for _, drop := range []key.Binding{k.Filter, k.Log, k.NextTodo, k.Summary} {
		if lipgloss.Width(whole.ShortHelpView(keys)) <= m.width || len(keys) <= 2 {
			break
		}
		name := drop.Help().Key
		keys = slices.DeleteFunc(keys, func(b key.Binding) bool { return b.Help().Key == name })
	}
	return keys
}

// contextHelp is every key of the help bar in this context.
func (m *Model) contextHelp() []key.Binding {
	k := m.common.Keys
	tail := []key.Binding{k.Help, k.Quit}
	if m.snap != nil && m.snap.view != nil && m.snap.view.Complete && m.running == "" {
		tail = []key.Binding{k.Summary, k.Help, k.Quit}
	}
	switch {
	case m.in.typing != "":
		return []key.Binding{k.LeaveInput, k.Interrupt}
	case m.filter.Typing():
		return m.filter.ShortHelp()
	case m.focus == focusDetail:
		return append([]key.Binding{m.scrollHelp(), k.PageDown, as(k.Copy, "copy command"), k.Focus}, tail...)
	case m.focus == focusOutput:
		keys := []key.Binding{m.scrollHelp(), k.Follow, as(k.Copy, "copy output")}
		switch {
		case m.running != "" && m.in.waiting != "":
			keys = append(keys, k.TypeInput, k.Interrupt)
		case m.running != "":
			keys = append(keys, k.Interrupt)
		default:
			if s := m.selectedStep(); s != nil {
				keys = append(keys, m.logHelp(s)...)
			}
		}
		return append(append(keys, k.Focus), tail...)
	case m.running != "" && m.in.waiting != "":
		return append([]key.Binding{k.TypeInput, k.Interrupt, k.Focus}, tail...)
	case m.running != "":
		return append([]key.Binding{k.Interrupt, k.Focus, k.Filter}, tail...)
	}
	return append(m.rowHelp(), tail...)
}

// rowHelp is what the keys do to the selected checklist row.
func (m *Model) rowHelp() []key.Binding {
	k := m.common.Keys
	it, ok := m.checklist.Selected()
	if !ok {
		return []key.Binding{k.Filter}
	}
	switch it.kind {
	case itemSection:
		return []key.Binding{k.Toggle, as(k.RunAll, "run section on"), k.NextTodo, k.Filter}
	case itemQuestion:
		return []key.Binding{as(k.Run, "answer"), k.Answer, k.WriteBack, k.Filter}
	}
	s := it.step
	if s.Kind == runbook.KindManual {
		return []key.Binding{as(k.Run, "confirm done"), k.Skip, k.Note, k.NextTodo}
	}
	switch st := m.snap.stepStatus(s.ID); {
	case st == journal.Stale:
		return []key.Binding{as(k.Run, "run again"), k.Accept, k.Skip, k.NextTodo}
	case st.Finished():
		if l := m.logHelp(s); len(l) > 0 {
			return append([]key.Binding{as(k.Run, "run again"), k.Note, k.NextTodo}, l...)
		}
		return []key.Binding{as(k.Run, "run again"), k.Note, k.NextTodo, k.Filter}
	case st == journal.Failed, st == journal.Interrupted, st == journal.TimedOut:
		return append([]key.Binding{k.Retry, k.EditInline, k.Skip, k.MarkDone}, m.logHelp(s)...)
	}
	return []key.Binding{k.Run, k.RunAll, k.Skip, k.NextTodo, k.Filter}
}

// FullHelp is the `?` help.
func (m *Model) FullHelp() [][]key.Binding { return m.common.Keys.FullHelp() }

// scrollHelp is up and down as one entry of the help bar.
func (m *Model) scrollHelp() key.Binding {
	b := m.common.Keys.Down
	if m.styles.ASCII {
		b.SetHelp("up/down", "scroll")
	} else {
		b.SetHelp("↑↓", "scroll")
	}
	return b
}
