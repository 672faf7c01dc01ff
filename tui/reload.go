package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
)

// docMsg says the doc was read again (a write-back, an edit on disk).
type docMsg struct {
	doc     *runbook.Document
	changed []string
	err     error
}

// checkDoc asks the engine to read the doc again if its file changed (one
// stat when it did not), in a Cmd.
func (m *Model) checkDoc() tea.Cmd {
	eng, shown := m.eng, m.doc
	return func() tea.Msg {
		changed, err := eng.Reload()
		if doc := eng.Doc(); err != nil || doc != shown {
			return docMsg{doc: doc, changed: changed, err: err}
		}
		return nil
	}
}

// docChanged shows the doc as it is on disk now: the checklist and the
// detail pane are rebuilt (line numbers, answers written back), the
// selection kept, and steps that changed since they ran show as stale.
func (m *Model) docChanged(msg docMsg) tea.Cmd {
	if msg.err != nil {
		m.fail(fmt.Errorf("the doc changed on disk: %w", msg.err))
		return nil
	}
	if msg.doc == nil || msg.doc == m.doc {
		return nil
	}
	selected := ""
	if it, ok := m.checklist.Selected(); ok {
		switch it.kind {
		case itemStep:
			selected = it.step.ID
		case itemQuestion:
			selected = it.question.ID
		}
	}
	m.doc = msg.doc
	m.checklist = NewChecklist(&m.common, m.doc)
	m.checklist.SetFilter(m.filter)
	m.detail = NewDetailPane(&m.common, m.doc)
	m.setFocus(m.focus)
	m.SetSize(m.width, m.height)
	if selected != "" {
		m.checklist.SelectStep(selected)
	}
	if m.snap != nil {
		m.checklist.SetSnapshot(m.snap)
		m.detail.SetSnapshot(m.snap)
	}
	if len(msg.changed) > 0 && m.status.Message() == "" {
		m.say("the doc changed on disk: %d step(s) changed", len(msg.changed))
	}
	return tea.Batch(m.refresh(), m.selectionChanged())
}
