package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// mainKey routes a key in the main view: the filter being typed takes
// every key; then the keys that work everywhere, the focused pane's
// scrolling, and the actions on the selected row.
func (m *Model) mainKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.in.typing != "" {
		return m.inputKey(msg)
	}
	if m.filter.Typing() {
		return m.filterKey(msg)
	}
	if cmd, ok := m.globalKey(msg); ok {
		return cmd
	}
	if cmd, ok := m.featureKey(msg); ok {
		return cmd
	}
	k := m.common.Keys
	if m.focus != focusChecklist && key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom) {
		if m.focus == focusDetail {
			return m.detail.Update(msg)
		}
		return m.output.Update(msg)
	}
	if cmd, ok := m.stepKey(msg); ok {
		return cmd
	}
	if m.focus == focusChecklist {
		before, _ := m.checklist.Selected()
		m.checklist.Update(msg)
		after, _ := m.checklist.Selected()
		if key.Matches(msg, k.NextTodo, k.PrevTodo) && before == after {
			m.say("no step left to do")
		}
		if before != after {
			return m.selectionChanged()
		}
	}
	return nil
}

// filterKey gives a key to the filter being typed and shows its rows.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	before, _ := m.checklist.Selected()
	if m.filter.Update(msg) {
		m.checklist.refilter()
	}
	if after, _ := m.checklist.Selected(); before != after {
		return m.selectionChanged()
	}
	return nil
}

// globalKey handles the keys that do not depend on the selected row; ok
// is false for any other key.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.common.Keys
	switch {
	case m.help.ShowAll && key.Matches(msg, k.CloseHelp):
		m.help.ShowAll = false
		m.SetSize(m.width, m.height)
	case key.Matches(msg, k.Interrupt):
		if m.running != "" {
			m.interrupt()
			m.say("interrupting %s…", m.running)
		} else {
			m.say("nothing is running; press q to quit")
		}
	case key.Matches(msg, k.Quit):
		return m.quit(), true
	case key.Matches(msg, k.TypeInput) && m.running != "":
		return m.startTyping(), true
	case key.Matches(msg, k.PastRuns):
		return m.pastRunsForm(), true
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		m.SetSize(m.width, m.height)
	case key.Matches(msg, k.Focus):
		m.setFocus((m.focus + 1) % 3)
	case key.Matches(msg, k.Follow):
		m.output.Update(msg)
	case key.Matches(msg, k.Filter):
		m.filter.Open()
		m.setFocus(focusChecklist)
	case m.filter.Active() && key.Matches(msg, k.ClearFilter):
		m.filter.Clear()
		m.checklist.refilter()
		return m.selectionChanged(), true
	default:
		return nil, false
	}
	return nil, true
}

// stepKey handles the actions on the selected row; ok is false for any
// other key.
func (m *Model) stepKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.common.Keys
	it, hasItem := m.checklist.Selected()
	s := m.selectedStep()
	switch {
	case key.Matches(msg, k.Run):
		switch {
		case !hasItem:
			return nil, true
		case it.kind == itemSection:
			m.checklist.ToggleSelected()
			return nil, true
		case it.kind == itemQuestion:
			return m.questionForm(it.question), true
		}
		return m.startRun(s.ID, false), true
	case key.Matches(msg, k.Retry):
		if s == nil {
			return m.noStep(msg), true
		}
		return m.startRun(s.ID, false), true
	case key.Matches(msg, k.RunAll):
		from := ""
		if s != nil {
			from = s.ID
		}
		return m.startRun(from, true), true
	case key.Matches(msg, k.Skip, k.MarkDone, k.Accept, k.EditInline, k.Edit) && (s == nil || s.Kind == runbook.KindManual && key.Matches(msg, k.EditInline, k.Edit)):
		return m.noStep(msg), true
	case key.Matches(msg, k.Skip):
		sess := m.sess
		return m.textForm("Skip "+s.Title, "Why skip it? (kept in the run's record)", true, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "skipped " + s.ID, err: sess.Skip(s.ID, note)} }
		}), true
	case key.Matches(msg, k.MarkDone):
		sess := m.sess
		return m.textForm("Mark done by hand", "How was it done? (optional note)", false, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "marked done: " + s.ID, err: sess.MarkDone(s.ID, note)} }
		}), true
	case key.Matches(msg, k.Note):
		id := ""
		if s != nil {
			id = s.ID
		}
		eng := m.eng
		return m.textForm("Add a note", "Note", true, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "note added", err: eng.Note(id, note)} }
		}), true
	}
	return m.editKey(msg, s)
}

// editKey handles the keys that change a step's command or the answers;
// s is the selected step (manual steps and non-steps are ruled out by
// stepKey where they must be).
func (m *Model) editKey(msg tea.KeyPressMsg, s *runbook.Step) (tea.Cmd, bool) {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.Accept):
		if m.snap.stepStatus(s.ID) != journal.Stale {
			m.say("%s has not changed since it ran; nothing to accept", s.ID)
			return nil, true
		}
		sess := m.sess
		return func() tea.Msg { return actionDoneMsg{text: "accepted as is: " + s.ID, err: sess.Accept(s.ID)} }, true
	case key.Matches(msg, k.EditInline):
		return m.editForm(s, m.currentCommand(s)), true
	case key.Matches(msg, k.Edit):
		// A blank $EDITOR ("EDITOR= " in a profile) names no program:
		// edit inline rather than exec nothing.
		if len(strings.Fields(m.opts.Editor)) == 0 {
			return m.editForm(s, m.currentCommand(s)), true
		}
		return m.openEditor(s), true
	case key.Matches(msg, k.Answer):
		return m.nextQuestion(), true
	case key.Matches(msg, k.Fill):
		return m.fillAll(), true
	case key.Matches(msg, k.WriteBack):
		eng := m.eng
		return func() tea.Msg { d, err := eng.PendingWriteBack(); return diffMsg{diff: d, err: err} }, true
	}
	return nil, false
}

// nextQuestion opens the first question without an answer; when every
// question has one or was skipped, the first skipped one, saying so: a
// skipped question is not an answered one.
func (m *Model) nextQuestion() tea.Cmd {
	var skipped []*runbook.Question
	for _, q := range m.doc.Questions {
		a, ok := m.snap.answer(q.ID)
		if !ok {
			m.checklist.SelectStep(q.ID)
			return tea.Batch(m.selectionChanged(), m.questionForm(q))
		}
		if a.Skipped {
			skipped = append(skipped, q)
		}
	}
	if len(skipped) == 0 {
		m.say("every question has an answer")
		return nil
	}
	m.failf("%d question(s) skipped, not answered: answer %s now or later", len(skipped), skipped[0].ID)
	m.checklist.SelectStep(skipped[0].ID)
	return tea.Batch(m.selectionChanged(), m.questionForm(skipped[0]))
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
		return hintMsg(fmt.Sprintf("%d value(s) needed: p gives them now", n))
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
