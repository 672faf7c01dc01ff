package tui

import (
	"path/filepath"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// wire.go routes the keys, messages and mouse events of the components in
// clipboard.go, pager.go, values.go, background_view.go and summary.go
// (features.go's WIRING). The components do the work; the root only
// switches views and turns their messages into engine calls (Cmds).

// featureKey handles the main screen's keys that open a component; ok is
// false for any other key.
func (m *Model) featureKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.FocusBack):
		m.setFocus((m.focus + 2) % 3)
		return nil, true
	case key.Matches(msg, k.Copy):
		return m.copyCmd(), true
	case key.Matches(msg, k.Log):
		return m.openLog(), true
	case key.Matches(msg, k.Values):
		m.state = stateValues
		return LoadValuesCmd(m.eng), true
	case key.Matches(msg, k.Background):
		m.state = stateBackground
		return LoadBackgroundCmd(m.eng, m.running), true
	case key.Matches(msg, k.Summary):
		m.showSummary(nil)
		return nil, true
	}
	return nil, false
}

// copyCmd copies what the focused pane shows: the output pane's visible
// lines, or the selected step's command as the detail pane previews it
// (placeholders filled, secrets masked: an unmasked secret never goes to
// a clipboard). Without a preview yet, the block as written.
func (m *Model) copyCmd() tea.Cmd {
	if m.focus == focusOutput {
		return CopyCmd(m.clip, "output", m.output.VisibleText())
	}
	s := m.selectedStep()
	if s == nil {
		m.say("select a step to copy its command")
		return nil
	}
	text := s.Code
	if p, ok := m.detail.Preview(s.ID); ok && p.err == nil && p.command != "" {
		text = p.command
	}
	return CopyCmd(m.clip, "command", text)
}

// openLog shows the selected step's last log in the pager.
func (m *Model) openLog() tea.Cmd {
	s := m.selectedStep()
	if s == nil {
		m.say("select a step to see its log")
		return nil
	}
	path := ""
	if m.snap != nil && m.snap.state != nil {
		if ss := m.snap.state.Steps[s.ID]; ss != nil && len(ss.Attempts) > 0 {
			if l := ss.Attempts[len(ss.Attempts)-1].Log; l != "" {
				path = filepath.Join(m.eng.RunDir(), l)
			}
		}
	}
	return PagerCmd(m.opts.Pager, path, s.ID)
}

// showSummary shows the summary of v (nil: the run as last read).
func (m *Model) showSummary(v *journal.RunView) {
	if v == nil {
		if m.snap == nil || m.snap.view == nil {
			m.say("the run is still being read")
			return
		}
		v = m.snap.view
	}
	m.summary.SetView(v, RunElapsed(v.State))
	m.state = stateSummary
}

// viewKey gives a key to the full-screen view shown. ctrl+c still
// interrupts a running step, except while a value is typed.
func (m *Model) viewKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.state == stateValues && m.values.Editing() {
		return m.values.Update(msg)
	}
	if key.Matches(msg, m.common.Keys.Interrupt) && m.running != "" {
		m.interrupt()
		m.say("interrupting %s…", m.running)
		return nil
	}
	if key.Matches(msg, m.common.Keys.Quit) && m.state != stateSummary && m.confirming == "" {
		// q quits from every screen, as in lazygit and glow; outputs
		// being confirmed are answered first (a, s or esc).
		m.state = stateMain
		return m.quit()
	}
	switch m.state {
	case stateValues:
		return m.values.Update(msg)
	case stateBackground:
		return m.bg.Update(msg)
	}
	return m.summary.Update(msg)
}

// featureMsg handles the components' messages and the mouse; ok is false
// for any other message.
func (m *Model) featureMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case ClipboardCopiedMsg:
		if msg.Err != nil {
			m.failf("%s", msg.Text())
		} else {
			m.say("%s", msg.Text())
		}
	case PagerDoneMsg:
		if msg.Err != nil {
			m.fail(msg.Err)
		}
	case OpenLogMsg:
		return PagerCmd(m.opts.Pager, filepath.Join(m.eng.RunDir(), msg.Log), msg.Step), true
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		return m.mouse(msg), true
	case ExportReportMsg:
		return ExportCmd(m.opts.Export, msg.Format), true
	case ReportExportedMsg:
		return m.summary.Update(msg), true
	case SummaryQuitMsg:
		m.state = stateMain
		return m.quit(), true
	case SummaryClosedMsg, BackgroundClosedMsg:
		m.state = stateMain
	default:
		return m.valuesMsg(msg)
	}
	return nil, true
}

// valuesMsg handles the values view's and the background tab's messages.
func (m *Model) valuesMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case ValuesLoadedMsg:
		if m.confirming == "" {
			m.values.SetRows(msg.Rows)
		}
	case ValueEditedMsg:
		return SetSessionValueCmd(m.eng, msg), true
	case ValueSavedMsg:
		if msg.Err != nil {
			m.fail(msg.Err)
		} else {
			m.say("%s set for this run", msg.Name)
		}
		m.detail.ForgetPreviews()
		return tea.Batch(LoadValuesCmd(m.eng), m.selectionChanged()), true
	case ValuesAnsweredMsg:
		return m.answerOutputs(msg), true
	case ValuesClosedMsg:
		m.state = stateMain
		if step := m.confirming; step != "" {
			// Leaving the confirmation takes none of the outputs and
			// stops the flow: nothing unconfirmed is used.
			m.confirming = ""
			m.failf("outputs of %s not taken", step)
			return m.choose(steps.Choice{Kind: steps.ChooseStop}), true
		}
	case BackgroundLoadedMsg:
		m.bg.SetRows(msg.Rows)
	case StopBackgroundMsg:
		return StopBackgroundCmd(m.eng, msg.ID), true
	case BackgroundStoppedMsg:
		m.bg.Update(msg)
		return tea.Batch(LoadBackgroundCmd(m.eng, m.running), m.refresh()), true
	default:
		return nil, false
	}
	return nil, true
}

// confirmOutputs shows the named outputs a step wrote (the Session's
// ActOutputs) in the values view, to take, edit or drop.
func (m *Model) confirmOutputs(a steps.Action) tea.Cmd {
	m.confirming = a.Step.ID
	m.values.Confirm(a.Step.ID, a.Outputs)
	m.state = stateValues
	m.say("%s wrote values for later steps", a.Step.ID)
	return nil
}

// answerOutputs answers the Session with what the values view decided.
func (m *Model) answerOutputs(msg ValuesAnsweredMsg) tea.Cmd {
	m.confirming = ""
	m.state = stateMain
	m.detail.ForgetPreviews()
	if msg.Skip {
		m.say("outputs of %s dropped", msg.Step)
		return m.choose(steps.Choice{Kind: steps.ChooseSkip})
	}
	m.say("outputs of %s taken", msg.Step)
	return m.choose(steps.Choice{Kind: steps.ChooseValues, Values: msg.Values})
}

// mouse scrolls the pane under the wheel, selects the checklist row
// clicked and focuses the pane clicked: only on the main screen, where
// the layout is known.
func (m *Model) mouse(msg tea.Msg) tea.Cmd {
	if m.state != stateMain || m.filter.Typing() {
		return nil
	}
	a := MouseAt(msg, m.layout())
	before, _ := m.checklist.Selected()
	switch a.Kind {
	case MouseScroll:
		for _, p := range ScrollKeys(m.common.Keys, a.Delta) {
			switch a.Pane {
			case PaneChecklist:
				m.checklist.Update(p)
			case PaneDetail:
				m.detail.Update(p)
			case PaneOutput:
				m.output.Update(p)
			}
		}
	case MouseSelect:
		m.setFocus(focusChecklist)
		SelectChecklistRow(m.checklist, a.Row)
	case MouseFocus:
		m.setFocus(map[Pane]focusPane{PaneChecklist: focusChecklist, PaneDetail: focusDetail, PaneOutput: focusOutput}[a.Pane])
	}
	if after, _ := m.checklist.Selected(); before != after {
		return m.selectionChanged()
	}
	return nil
}

// featureHelp is the help bar of a full-screen view; ok is false on the
// main screen.
func (m *Model) featureHelp() ([]key.Binding, bool) {
	switch m.state {
	case stateValues:
		if m.values.Editing() || m.confirming != "" {
			return m.values.ShortHelp(), true
		}
		return append(m.values.ShortHelp(), m.common.Keys.Quit), true
	case stateBackground:
		return append(m.bg.ShortHelp(), m.common.Keys.Quit), true
	case stateSummary:
		return m.summary.ShortHelp(), true
	}
	return nil, false
}

// logHelp is L when the selected step has a log to show.
func (m *Model) logHelp(s *runbook.Step) []key.Binding {
	if m.snap == nil || m.snap.state == nil {
		return nil
	}
	if ss := m.snap.state.Steps[s.ID]; ss != nil && len(ss.Attempts) > 0 {
		return []key.Binding{as(m.common.Keys.Log, "log")}
	}
	return nil
}
