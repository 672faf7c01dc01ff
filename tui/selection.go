package tui

import (
	"fmt"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// handleEvents applies engine events in order.
func (m *Model) handleEvents(evs []Event) tea.Cmd {
	var cmds []tea.Cmd
	refresh := false
	for _, ev := range evs {
		if ev.Journal == nil {
			if ev.Wait != steps.WaitNone {
				m.onWait(ev)
				continue
			}
			if ev.Step == m.shownStep && ev.Attempt == m.shownAttempt {
				if len(ev.Output) >= maxPendingOutput {
					m.output.Dropped()
				}
				m.output.Write(ev.Output)
			} else {
				// A background step's live last line (cheap: one line).
				m.bg.Observe(ev.Step, ev.Attempt, ev.Output)
			}
			continue
		}
		refresh = true
		j := ev.Journal
		switch j.Type {
		case journal.StepStarted:
			m.shownStep, m.shownAttempt = j.Step, j.Attempt
			title := j.Step
			if s := m.doc.Step(j.Step); s != nil && s.Title != "" {
				title = s.Title
			}
			m.output.Reset(fmt.Sprintf("%s #%d", title, j.Attempt))
		case journal.VariableSet, journal.StepEdited:
			m.detail.ForgetPreviews()
			cmds = append(cmds, m.selectionChanged())
		case journal.IdentityFound:
		}
	}
	if refresh {
		cmds = append(cmds, m.refresh())
		if m.state == stateBackground {
			cmds = append(cmds, LoadBackgroundCmd(m.eng, m.running))
		}
	}
	return tea.Batch(cmds...)
}

// selectionChanged shows the selected item and fetches what it needs.
func (m *Model) selectionChanged() tea.Cmd {
	it, ok := m.checklist.Selected()
	if !ok {
		return nil
	}
	m.detail.SetItem(it)
	if it.kind != itemStep {
		return nil
	}
	s := it.step
	var cmds []tea.Cmd
	if _, ok := m.detail.Preview(s.ID); !ok && s.Kind != runbook.KindManual {
		eng := m.eng
		cmds = append(cmds, func() tea.Msg {
			p := preview{missing: eng.Missing(s.ID)}
			p.command, p.err = eng.Preview(s.ID)
			return previewMsg{id: s.ID, p: p}
		})
	}
	if m.running == "" && m.shownStep != s.ID {
		cmds = append(cmds, m.showLog(s))
	}
	return tea.Batch(cmds...)
}

// showLog points the output pane at the last attempt of a step and loads
// the tail of its log.
func (m *Model) showLog(s *runbook.Step) tea.Cmd {
	m.shownStep, m.shownAttempt = s.ID, 0
	m.output.Reset("")
	if m.snap == nil || m.snap.state == nil {
		return nil
	}
	ss := m.snap.state.Steps[s.ID]
	if ss == nil || len(ss.Attempts) == 0 {
		return nil
	}
	a := ss.Attempts[len(ss.Attempts)-1]
	m.shownAttempt = a.N
	title := s.Title
	if title == "" {
		title = s.ID
	}
	m.output.SetTitle(fmt.Sprintf("%s #%d", title, a.N))
	if a.Log == "" {
		return nil
	}
	path := filepath.Join(m.eng.RunDir(), a.Log)
	id, n := s.ID, a.N
	return func() tea.Msg {
		data, err := readTail(path, maxPendingOutput)
		if err != nil {
			return nil
		}
		return logTailMsg{id: id, attempt: n, data: data}
	}
}

func readTail(path string, n int64) ([]byte, error) {
	f, err := journal.OpenLog(path) // never through a symlink
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(fi.Size()-n, 0)
	buf := make([]byte, fi.Size()-off)
	_, err = f.ReadAt(buf, off)
	return buf, err
}

// selectedStep returns the step under the cursor, if it is one.
func (m *Model) selectedStep() *runbook.Step {
	it, ok := m.checklist.Selected()
	if !ok || it.kind != itemStep {
		return nil
	}
	return it.step
}
