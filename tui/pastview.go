package tui

import (
	"fmt"
	"path/filepath"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// A finished run picked with P opens read-only, over the run open now:
// its checklist with each step's final status, and the output of the
// selected step's last attempt from its log. Nothing in it runs or
// writes (it reads the run's journal itself, never through the engine);
// esc goes back to the run open now. (A finished run is never reopened
// for running: opening the doc starts the lane's next run.)

// PastKeys are the read-only view's own keys; it moves with NavKeys.
type PastKeys struct {
	Back key.Binding
}

func newPastKeys() PastKeys {
	return PastKeys{Back: key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "back"))}
}

// pastView is a finished run, read-only.
type pastView struct {
	common    *Common
	keys      PastKeys
	run       PastRun
	runDir    string
	snap      *snapshot
	checklist *Checklist
	output    *OutputPane
	focus     focusPane // focusChecklist or focusOutput
	shown     string    // the step whose log the output pane shows
	width     int
	height    int
}

// pastLoadedMsg is a past run read from its journal.
type pastLoadedMsg struct {
	run    PastRun
	runDir string
	view   *journal.RunView
	err    error
}

// pastLogMsg is the tail of a step's log in the read-only view.
type pastLogMsg struct {
	run, step string
	data      []byte
}

// openPast reads a finished run (in a Cmd) to show it read-only.
func (m *Model) openPast(r PastRun) tea.Cmd {
	doc := m.doc
	runDir := journal.RunDir(filepath.Dir(m.eng.RunDir()), r.Name)
	return func() tea.Msg {
		_, st, err := journal.Load(runDir)
		if err != nil {
			return pastLoadedMsg{run: r, err: fmt.Errorf("run %s: %w", r.Name, err)}
		}
		return pastLoadedMsg{run: r, runDir: runDir, view: journal.NewView(doc, st, false)}
	}
}

// pastLoaded shows the run read.
func (m *Model) pastLoaded(msg pastLoadedMsg) tea.Cmd {
	if msg.err != nil {
		m.fail(msg.err)
		return nil
	}
	p := &pastView{common: &m.common, keys: newPastKeys(), run: msg.run, runDir: msg.runDir, snap: newSnapshot(msg.view)}
	p.checklist = NewChecklist(&m.common, m.doc)
	p.checklist.SetSnapshot(p.snap)
	p.output = NewOutputPane(&m.common)
	p.setFocus(focusChecklist)
	p.selectFirst()
	m.past, m.state = p, statePast
	m.status.SetNotice(fmt.Sprintf("run %s (%s) · read-only — esc goes back", msg.run.Name, msg.run.Status))
	m.SetSize(m.width, m.height)
	return p.selectionChanged()
}

// pastKey handles a key in the read-only view: moving and scrolling only.
func (m *Model) pastKey(msg tea.KeyPressMsg) tea.Cmd {
	p, k := m.past, m.common.Keys
	switch {
	case key.Matches(msg, p.keys.Back):
		m.past, m.state = nil, stateMain
		m.status.SetNotice("")
		m.showInputState()
		m.SetSize(m.width, m.height)
		return nil
	case key.Matches(msg, k.Focus):
		p.setFocus((p.focus + 2) % 4) // checklist ↔ output
		return nil
	case p.focus == focusOutput || key.Matches(msg, k.Follow):
		return p.output.Update(msg)
	}
	before, _ := p.checklist.Selected()
	p.checklist.Update(msg)
	if after, _ := p.checklist.Selected(); after != before {
		return p.selectionChanged()
	}
	return nil
}

// selectFirst puts the cursor on the step the engineer most likely looks
// for: the first that failed, else the first that ran.
func (p *pastView) selectFirst() {
	first := ""
	for _, s := range p.snap.view.Steps {
		switch {
		case s.Status == journal.Failed || s.Status == journal.TimedOut || s.Status == journal.Interrupted:
			p.checklist.SelectStep(s.ID)
			return
		case first == "" && s.Status != journal.Pending:
			first = s.ID
		}
	}
	if first != "" {
		p.checklist.SelectStep(first)
	}
}

func (p *pastView) setFocus(f focusPane) {
	p.focus = f
	p.checklist.SetFocused(f == focusChecklist)
	p.output.SetFocused(f == focusOutput)
}

// selectionChanged shows the selected step's last attempt, its log read
// in a Cmd.
func (p *pastView) selectionChanged() tea.Cmd {
	it, ok := p.checklist.Selected()
	if !ok || it.kind != itemStep || it.step.ID == p.shown {
		return nil
	}
	s := it.step
	p.shown = s.ID
	p.output.Reset(stepTitle(s))
	ss := p.snap.state.Steps[s.ID]
	if ss == nil || len(ss.Attempts) == 0 {
		p.output.SetTitle(stepTitle(s) + " · not run")
		return nil
	}
	a := ss.Attempts[len(ss.Attempts)-1]
	p.output.SetTitle(fmt.Sprintf("%s #%d · %s", stepTitle(s), a.N, statusWords(p.snap.stepStatus(s.ID))))
	// an attempt runbook did not see end (kill -9) has its log too
	rel := journal.AttemptLog(p.runDir, s.ID, a)
	if rel == "" {
		return nil
	}
	path, run, id := filepath.Join(p.runDir, rel), p.run.Name, s.ID
	return func() tea.Msg {
		data, err := readTail(path, maxPendingOutput)
		if err != nil {
			return nil
		}
		return pastLogMsg{run: run, step: id, data: data}
	}
}

// pastLog shows a log's tail if its step is still the one shown.
func (m *Model) pastLog(msg pastLogMsg) {
	if p := m.past; p != nil && p.run.Name == msg.run && p.shown == msg.step {
		p.output.Write(msg.data)
	}
}

func stepTitle(s *runbook.Step) string {
	if s.Title != "" {
		return s.Title
	}
	return s.ID
}

// SetSize lays the view out: the checklist as in the main view, the
// output in the whole right column.
func (p *pastView) SetSize(w, h int) {
	p.width, p.height = w, h
	left := min(max(w*2/5, 24), 56)
	p.checklist.SetSize(left, h)
	p.output.SetSize(w-left, h)
}

// View draws the view.
func (p *pastView) View() string {
	return lipgloss.JoinHorizontal(lipgloss.Top, p.checklist.View(), p.output.View())
}

// ShortHelp is the view's help bar: no key here runs or writes anything.
func (p *pastView) ShortHelp() []key.Binding {
	k := p.common.Keys
	move := k.Down
	move.SetHelp("↑↓", "move")
	return []key.Binding{move, k.NextTodo, k.Focus, k.Follow, p.keys.Back}
}

// FullHelp is ShortHelp in a column.
func (p *pastView) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

var _ component = (*pastView)(nil)
