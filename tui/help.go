package tui

import (
	"charm.land/bubbles/v2/key"
)

func (m *Model) helpView() string {
	if m.state == stateDialog {
		return ""
	}
	if m.state == stateDiff {
		return m.help.ShortHelpView(m.diff.ShortHelp())
	}
	return m.help.View(m)
}

// ShortHelp is the help bar: the step actions, then the focused pane's
// scrolling keys when it is not the checklist.
func (m *Model) ShortHelp() []key.Binding {
	k := m.common.Keys
	switch m.focus {
	case focusDetail:
		return append(m.detail.ShortHelp(), k.Focus, k.Help, k.Quit)
	case focusOutput:
		return append(m.output.ShortHelp(), k.Interrupt, k.Focus, k.Help, k.Quit)
	}
	return k.ShortHelp()
}

// FullHelp is the `?` help.
func (m *Model) FullHelp() [][]key.Binding { return m.common.Keys.FullHelp() }
