package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// offerResume asks, once, whether to continue an unfinished run.
func (m *Model) offerResume() tea.Cmd {
	v := m.snap.view
	st := m.snap.state
	if st == nil || v == nil || st.Finished || (len(st.Steps) == 0 && len(st.Answers) == 0) {
		return tea.Batch(m.sayWhichRun(), m.missingHint())
	}
	// Put the cursor where the run stopped: a failed or interrupted step,
	// else the first one left.
	sel := v.Next
	for _, s := range v.Steps {
		if s.Counted && !s.Settled && (s.Status == journal.Failed || s.Status == journal.Interrupted || s.Status == journal.TimedOut) {
			sel = s.ID
			break
		}
	}
	if sel != "" {
		m.checklist.SelectStep(sel)
	}
	done, total := v.Counts.Done, v.Counts.Total
	if !m.opts.OfferNewRun {
		m.say("resumed run %s: %d/%d done", st.Run, done, total)
		return m.selectionChanged()
	}
	q := fmt.Sprintf("Resume run %q? %d/%d done, last active %s.", st.Run, done, total, st.Updated.Format("2006-01-02 15:04"))
	resume := true
	cmd := m.openDialog("Unfinished run", func() tea.Cmd {
		if !resume {
			m.result.NewRun = true
			return tea.Quit
		}
		m.say("resumed run %s", st.Run)
		return nil
	}, huh.NewGroup(huh.NewConfirm().Title(q).Description("a new run leaves this one as it is (P lists past runs)").
		Affirmative("Resume").Negative("Start a new run").Value(&resume)))
	return tea.Batch(cmd, m.selectionChanged())
}

// PastRun is a run of the doc the engineer may open instead (the caller
// lists them: journal.RunsOf), most recent first.
type PastRun struct {
	Name     string
	Status   string // its outcome: ok, failed, stopped, in progress…
	Finished bool
	Updated  time.Time
}

// sayWhichRun tells, on opening, which run this is when it is not an
// unfinished one being resumed: a new run, and the run it follows
// (reopening a finished doc starts the lane's next run; the finished one
// stays as it is, for `runbook report`).
func (m *Model) sayWhichRun() tea.Cmd {
	p := m.opts.Previous
	if m.opts.RunName == "" || p == nil {
		return nil
	}
	if p.Finished {
		m.say("new run %s (P: past runs); %s finished %s", m.opts.RunName, p.Name, p.Status)
	} else {
		m.say("new run %s (P: past runs); %s left as it is", m.opts.RunName, p.Name)
	}
	return nil
}

// pastRunsForm lists the doc's runs: picking an unfinished one quits and
// the caller opens it (Result.OpenRun); a finished one is shown
// read-only (pastview.go); "Start a new run" starts the lane's next.
func (m *Model) pastRunsForm() tea.Cmd {
	if m.running != "" {
		m.say("%s is still running: past runs can be picked once it ends", m.running)
		return nil
	}
	cur := m.opts.RunName
	if m.snap != nil && m.snap.state != nil && m.snap.state.Run != "" {
		cur = m.snap.state.Run
	}
	const newRun = "\x00new"
	pick := cur
	opts := []huh.Option[string]{}
	for _, r := range m.opts.PastRuns {
		label := fmt.Sprintf("%s · %s · %s", r.Name, r.Status, r.Updated.Format("Jan 2 15:04"))
		if r.Name == cur {
			label = r.Name + " (open now)"
		}
		opts = append(opts, huh.NewOption(truncate(oneLine(label), max(m.dialogWidth()-10, 20)), r.Name))
	}
	opts = append(opts, huh.NewOption("Start a new run", newRun))
	return m.openDialog("Past runs", func() tea.Cmd {
		switch pick {
		case cur:
			return nil
		case newRun:
			m.result.NewRun = true
		default:
			if r := m.pastRun(pick); r != nil && r.Finished {
				// A finished run is never reopened (opening it starts
				// the lane's next run): it is shown read-only.
				return m.openPast(*r)
			}
			m.result.OpenRun = pick
		}
		return m.finishAndQuit()
	}, huh.NewGroup(huh.NewSelect[string]().Title("Open which run of this doc?").
		Description("an unfinished run resumes, a finished one opens read-only").Options(opts...).Value(&pick)))
}

// pastRun is the past run of that name.
func (m *Model) pastRun(name string) *PastRun {
	for i := range m.opts.PastRuns {
		if m.opts.PastRuns[i].Name == name {
			return &m.opts.PastRuns[i]
		}
	}
	return nil
}
