package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func (m *Model) mainKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.Interrupt):
		if m.running != "" {
			m.interrupt()
			m.say("interrupting %s…", m.running)
		} else {
			m.say("nothing is running; press q to quit")
		}
		return nil
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.SetSize(m.width, m.height)
		return nil
	case key.Matches(msg, k.Focus):
		m.setFocus((m.focus + 1) % 3)
		return nil
	case key.Matches(msg, k.Follow):
		m.output.Update(msg)
		return nil
	}
	if m.focus != focusChecklist {
		if key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom) {
			if m.focus == focusDetail {
				return m.detail.Update(msg)
			}
			return m.output.Update(msg)
		}
	}
	it, hasItem := m.checklist.Selected()
	s := m.selectedStep()
	switch {
	case key.Matches(msg, k.Run):
		if !hasItem {
			return nil
		}
		switch it.kind {
		case itemSection:
			m.checklist.Update(tea.KeyPressMsg{Code: tea.KeySpace})
			return nil
		case itemQuestion:
			return m.questionForm(it.question)
		}
		return m.startRun(s.ID, false)
	case key.Matches(msg, k.Retry):
		if s == nil {
			return m.noStep(msg)
		}
		return m.startRun(s.ID, false)
	case key.Matches(msg, k.RunAll):
		from := ""
		if s != nil {
			from = s.ID
		}
		return m.startRun(from, true)
	case key.Matches(msg, k.Skip):
		if s == nil {
			return m.noStep(msg)
		}
		sess := m.sess
		return m.textForm("Skip "+s.Title, "Why skip it? (kept in the run's record)", true, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "skipped " + s.ID, err: sess.Skip(s.ID, note)} }
		})
	case key.Matches(msg, k.MarkDone):
		if s == nil {
			return m.noStep(msg)
		}
		sess := m.sess
		return m.textForm("Mark done by hand", "How was it done? (optional note)", false, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "marked done: " + s.ID, err: sess.MarkDone(s.ID, note)} }
		})
	case key.Matches(msg, k.Note):
		id := ""
		if s != nil {
			id = s.ID
		}
		eng := m.eng
		return m.textForm("Add a note", "Note", true, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "note added", err: eng.Note(id, note)} }
		})
	case key.Matches(msg, k.Accept):
		if s == nil {
			return m.noStep(msg)
		}
		if m.snap.stepStatus(s.ID) != journal.Stale {
			m.say("%s has not changed since it ran; nothing to accept", s.ID)
			return nil
		}
		sess := m.sess
		return func() tea.Msg { return actionDoneMsg{text: "accepted as is: " + s.ID, err: sess.Accept(s.ID)} }
	case key.Matches(msg, k.EditInline):
		if s == nil || s.Kind == runbook.KindManual {
			return m.noStep(msg)
		}
		return m.editForm(s, m.currentCommand(s))
	case key.Matches(msg, k.Edit):
		if s == nil || s.Kind == runbook.KindManual {
			return m.noStep(msg)
		}
		// A blank $EDITOR ("EDITOR= " in a profile) names no program:
		// edit inline rather than exec nothing.
		if len(strings.Fields(m.opts.Editor)) == 0 {
			return m.editForm(s, m.currentCommand(s))
		}
		return m.openEditor(s)
	case key.Matches(msg, k.Answer):
		for _, q := range m.doc.Questions {
			if _, ok := m.snap.answer(q.ID); !ok {
				m.checklist.SelectStep(q.ID)
				m.selectionChanged()
				return m.questionForm(q)
			}
		}
		m.say("every question has an answer")
		return nil
	case key.Matches(msg, k.Fill):
		return m.fillAll()
	case key.Matches(msg, k.WriteBack):
		eng := m.eng
		return func() tea.Msg { d, err := eng.PendingWriteBack(); return diffMsg{diff: d, err: err} }
	}
	if m.focus == focusChecklist {
		before, _ := m.checklist.Selected()
		m.checklist.Update(msg)
		after, _ := m.checklist.Selected()
		if before != after {
			return m.selectionChanged()
		}
	}
	return nil
}

// currentCommand is the text to start editing from: the command already
// edited for this run, else the block as written (placeholders unfilled,
// so no secret is ever put in an editor buffer).
// noStep says why a step action did nothing: on a section or a question
// the key used to be silently ignored.
func (m *Model) noStep(msg tea.KeyPressMsg) tea.Cmd {
	if s := m.selectedStep(); s != nil && s.Kind == runbook.KindManual {
		m.say("a manual step has no command to edit")
		return nil
	}
	m.say("%s works on a step: select one first", msg.String())
	return nil
}

func (m *Model) currentCommand(s *runbook.Step) string {
	if m.snap != nil && m.snap.state != nil {
		if ss := m.snap.state.Steps[s.ID]; ss != nil && ss.Command != "" && !strings.Contains(ss.Command, "****") {
			return ss.Command
		}
	}
	return s.Code
}

// fillAll reads every placeholder's value (in a Cmd) for the preflight
// form: all of them up front, the missing ones required.
func (m *Model) fillAll() tea.Cmd {
	eng, doc := m.eng, m.doc
	return func() tea.Msg {
		missing := map[string]bool{}
		for _, n := range eng.Missing("") {
			missing[n] = true
		}
		var items []preflightItem
		for _, p := range doc.Placeholders {
			v, has := eng.Var(p.Name)
			it := preflightItem{name: p.Name, has: has, secret: eng.IsSecret(p.Name), missing: missing[p.Name]}
			if !it.secret {
				it.value = v
			}
			items = append(items, it)
		}
		return preflightMsg{items: items}
	}
}

// missingHint tells, on a new run, how many values the doc needs and how
// to give them all up front.
func (m *Model) missingHint() tea.Cmd {
	eng := m.eng
	return func() tea.Msg {
		n := len(eng.Missing(""))
		if n == 0 {
			return nil
		}
		return hintMsg(fmt.Sprintf("%d value(s) needed: p fills them now, or each is asked when a step needs it", n))
	}
}

// unwritten counts answers given but not yet written into the doc.
func (m *Model) unwritten() int {
	n := 0
	for _, q := range m.doc.Questions {
		if a, ok := m.snap.answer(q.ID); ok && !a.Skipped && !a.Written {
			n++
		}
	}
	return n
}
