package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// The TUI drives a steps.Session: it starts a flow (enter, t: one step; R:
// run all from the selected step), renders each action the session asks
// for as a dialog or a message, and reports the engineer's answer. What
// runs next, when to ask and when the run is finished are the session's
// to decide (docs/run-model.md).

// actionMsg carries the session's next action (or why there is none).
type actionMsg struct {
	a   steps.Action
	err error
}

// next asks the session for its next action, in a Cmd.
func (m *Model) next() tea.Cmd {
	sess := m.sess
	return func() tea.Msg { return actionMsg{a: sess.Next()} }
}

// choose reports the engineer's answer, then asks for the next action.
func (m *Model) choose(c steps.Choice) tea.Cmd {
	sess := m.sess
	return func() tea.Msg {
		if err := sess.Choose(c); err != nil {
			return actionMsg{err: err}
		}
		return actionMsg{a: sess.Next()}
	}
}

// startRun starts the flow of one step (all=false) or of run-all from a
// step ("" = from the start).
func (m *Model) startRun(id string, all bool) tea.Cmd {
	if m.running != "" {
		m.say("%s is still running (ctrl+c interrupts it)", m.running)
		return nil
	}
	var sel tea.Cmd
	if id != "" {
		m.checklist.SelectStep(id)
		sel = m.selectionChanged()
	}
	m.runAll = all
	sess := m.sess
	return tea.Batch(sel, func() tea.Msg {
		var err error
		if all {
			err = sess.RunAll(steps.Selection{From: id})
		} else {
			err = sess.RunStep(id)
		}
		if err != nil {
			return actionMsg{err: err}
		}
		return actionMsg{a: sess.Next()}
	})
}

// onAction shows the session's action: a dialog to answer, a step to run,
// or the flow's end.
func (m *Model) onAction(msg actionMsg) tea.Cmd {
	if msg.err != nil {
		m.fail(msg.err)
		m.runAll = false
		return m.refresh()
	}
	a := msg.a
	if a.Kind == steps.ActDone {
		return tea.Batch(m.refresh(), m.flowDone(a.Outcome))
	}
	if m.dialog != nil {
		// Never replace a form the engineer is filling in.
		m.runAll = false
		m.say("run all paused: press R to continue")
		return nil
	}
	var sel tea.Cmd
	if a.Step != nil {
		m.checklist.SelectStep(a.Step.ID)
		sel = m.selectionChanged()
	}
	cmd := m.actionDialog(a)
	m.showNotes(a.Notes)
	return tea.Batch(sel, cmd)
}

// showNotes says what the session decided on its own that the engineer
// must know: above all, never run what differs from the file unsaid.
func (m *Model) showNotes(notes []steps.Note) {
	for _, n := range notes {
		if n.Kind == steps.NoteChanged && n.Step != nil {
			m.failf("%s changed on disk: the file's version runs", n.Step.ID)
		}
	}
}

// actionDialog renders an action that needs the engineer.
func (m *Model) actionDialog(a steps.Action) tea.Cmd {
	run, stop := steps.Choice{Kind: steps.ChooseRun}, steps.Choice{Kind: steps.ChooseStop}
	switch a.Kind {
	case steps.ActRun:
		return m.execute(a.Step)
	case steps.ActValues:
		title := "Values"
		if a.Step != nil {
			title = "Values for " + a.Step.Title
		}
		// The form sets each value (SetVar); the session then checks
		// what is still missing.
		return m.placeholderForm(title, a.Names, func() tea.Cmd { return m.choose(steps.Choice{Kind: steps.ChooseValues}) })
	case steps.ActConfirm:
		title, q := "Confirm", "Run "+a.Step.Title+"?"
		switch {
		case a.Changed:
			title, q = "Changed on disk", a.Step.Title+" changed since you confirmed it. Run the new version?"
		case a.Step.Inferred && !a.Step.Attrs.Confirm:
			title, q = "Inferred step", "Its block does not say it is a command. Run "+a.Step.Title+"?"
		}
		return m.decideForm(title, q, confirmCommand(a.Command), "Run", "Cancel", run, stop)
	case steps.ActRerun:
		return m.decideForm("Run again", fmt.Sprintf("%s is %s already. Run it again?", a.Step.Title, statusWords(a.Status)),
			"", "Run again", "Cancel", run, stop)
	case steps.ActStale:
		return m.decideForm("Changed since it ran", fmt.Sprintf("%s changed since it ran (it was %s).", a.Step.Title, statusWords(a.Status)),
			"a keeps the earlier result", "Run it again", "Keep the earlier result", run, steps.Choice{Kind: steps.ChooseAccept})
	case steps.ActManual:
		return m.decideForm("Manual step", oneLine(a.Step.Code), "", "Done", "Not yet", steps.Choice{Kind: steps.ChooseDone}, stop)
	case steps.ActInferred:
		return m.inferredForm(a.Steps)
	case steps.ActFailed:
		m.runAll = false
		m.failf("%s: %s", a.Step.ID, a.Status)
		return nil
	case steps.ActQuestion:
		return m.questionForm(a.Question)
	}
	return m.sessionDialog(a)
}

// statusWords is a status as a sentence says it.
func statusWords(s journal.Status) string { return strings.ReplaceAll(string(s), "-", " ") }

// flowDone says how a flow ended.
func (m *Model) flowDone(out *steps.Outcome) tea.Cmd {
	all := m.runAll
	m.runAll = false
	switch {
	case out == nil:
	case out.Err != nil:
		m.fail(out.Err)
	case out.Stopped != nil && out.Reason != "" && out.Status == journal.Pending:
		reason := out.Reason
		if all {
			reason += " (R continues)"
		}
		m.failf("%s", reason)
	case out.Stopped != nil:
		m.failf("%s: %s", out.Stopped.ID, out.Status)
	case out.Finished && out.View != nil && out.View.Counts.Total > 0:
		m.say("all steps done: run finished")
		if m.dialog == nil {
			m.showSummary(out.View)
		}
	case all:
		m.say("nothing left to run")
	case out.Reason != "":
		m.say("%s", out.Reason)
	}
	return nil
}

// decideForm asks a two-way question; each answer is reported as its
// choice. The second (cancel, not yet) is the default: enter alone never
// runs anything.
func (m *Model) decideForm(title, question, desc, yes, no string, onYes, onNo steps.Choice) tea.Cmd {
	ok := false
	return m.openDialog(title, func() tea.Cmd {
		if ok {
			return m.choose(onYes)
		}
		return m.choose(onNo)
	}, huh.NewGroup(huh.NewConfirm().Title(question).Description(desc).Affirmative(yes).Negative(no).Value(&ok)))
}

// inferredForm asks once whether run-all runs the inferred steps.
func (m *Model) inferredForm(sts []*runbook.Step) tea.Cmd {
	ids := make([]string, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	kind := steps.ChooseRun
	desc := truncate("inferred: "+strings.Join(ids, ", "), max(m.dialogWidth()-8, 20))
	return m.openDialog("Inferred steps", func() tea.Cmd {
		return m.choose(steps.Choice{Kind: kind})
	}, huh.NewGroup(huh.NewSelect[steps.ChoiceKind]().
		Title(fmt.Sprintf("%d step(s) come from blocks that do not say they are commands.", len(sts))).
		Description(desc).
		Options(
			huh.NewOption("Run them", steps.ChooseRun),
			huh.NewOption("Ask for each one", steps.ChooseEach),
			huh.NewOption("Skip them (recorded)", steps.ChooseSkip),
			huh.NewOption("Stop", steps.ChooseStop),
		).Value(&kind)))
}

// execute runs the step of the session's ActRun in a Cmd (or through the
// real terminal).
func (m *Model) execute(s *runbook.Step) tea.Cmd {
	ctx, cancel := context.WithCancelCause(m.ctx)
	m.running, m.runCancel = s.ID, cancel
	m.runStarted = m.common.Now()
	m.status.Clear()
	if m.snap != nil {
		m.snap.status[s.ID] = journal.Running
		m.checklist.SetSnapshot(m.snap)
	}
	sess, id := m.sess, s.ID
	if s.Attrs.Interactive {
		x := &interactiveExec{ctx: ctx, sess: sess}
		return tea.Exec(x, func(err error) tea.Msg {
			cancel(nil)
			if err == nil {
				err = x.err
			}
			return runDoneMsg{id: id, status: x.status, err: err}
		})
	}
	m.runs.Add(1)
	return func() tea.Msg {
		defer m.runs.Done()
		st, err := sess.Run(ctx, RunOptions{})
		cancel(nil)
		return runDoneMsg{id: id, status: st, err: err}
	}
}

func (m *Model) interrupt() {
	if m.runCancel != nil {
		m.runCancel(steps.ErrInterrupted)
	}
	m.runAll = false
}

// runDone records the end of a step and asks the session what follows.
func (m *Model) runDone(msg runDoneMsg) tea.Cmd {
	m.running, m.runCancel = "", nil
	m.stepEndedInput(msg.id)
	if d := m.dialog; d != nil && d.onStepEnd != nil && !m.quitAfterRun {
		d.onStepEnd(msg.id, msg.status)
		if m.snap != nil {
			m.snap.status[msg.id] = msg.status
		}
		m.runAll = false
		return m.refresh()
	}
	if m.quitAfterRun {
		if !msg.status.Finished() {
			m.result.Interrupted = msg.id
		}
		return tea.Quit
	}
	s := m.doc.Step(msg.id)
	if m.snap != nil {
		m.snap.status[msg.id] = msg.status
	}
	if s != nil && s.Attrs.Interactive && m.shownStep == msg.id && m.output.Lines() == 0 {
		m.output.Write([]byte("(interactive step: it had the terminal to itself, its output is not captured here)\n"))
	}
	switch {
	case msg.err != nil && !errors.Is(msg.err, context.Canceled) && !errors.Is(msg.err, steps.ErrInterrupted):
		m.fail(fmt.Errorf("%s: %w", msg.id, msg.err))
		m.runAll = false
	case msg.status.Finished():
		m.say("%s: %s", msg.id, msg.status)
	case msg.err == nil && s != nil && journal.Settled(s, msg.status):
		m.say("%s: %s (continue-on-error)", msg.id, msg.status)
	default:
		m.failf("%s: %s", msg.id, msg.status)
	}
	return tea.Batch(m.refresh(), m.next())
}

// quit leaves at once: every event is already on disk. A running step is
// interrupted first, after asking.
func (m *Model) quit() tea.Cmd {
	if m.running == "" {
		if n := m.unwritten(); n > 0 {
			eng := m.eng
			ask := m.confirmForm("Quit", fmt.Sprintf("%d answer(s) are not in the doc yet. Review and write them before quitting?", n), "",
				"Review", "Quit now", func() tea.Cmd {
					m.quitAfterDiff = true
					return func() tea.Msg { d, err := eng.PendingWriteBack(); return diffMsg{diff: d, err: err} }
				})
			// "Quit now" must quit: the answers stay in the run's journal.
			d := m.dialog
			submit := d.onSubmit
			d.onSubmit = func() tea.Cmd {
				if c := submit(); c != nil {
					return c
				}
				return m.finishAndQuit()
			}
			return ask
		}
		return m.finishAndQuit()
	}
	running := m.running
	cmd := m.confirmForm("Quit", running+" is running. Interrupt it and quit?", "", "Interrupt and quit", "Keep running", func() tea.Cmd {
		if m.running == "" {
			// It ended while the engineer read the question.
			return m.finishAndQuit()
		}
		m.quitAfterRun = true
		m.interrupt()
		return nil
	})
	// The question is about this step: once it ends, the dialog goes and
	// the status bar says how it ended (q then quits at once).
	m.dialog.onStepEnd = func(id string, st journal.Status) {
		m.closeDialog()
		m.say("%s ended (%s) while you were asked: q quits now", id, statusWords(st))
	}
	return cmd
}

// finishAndQuit quits; a run that is complete is finished first (the
// session does it: steps may have been settled elsewhere), so that
// opening the doc again starts a new run rather than offering this one.
func (m *Model) finishAndQuit() tea.Cmd {
	sess := m.sess
	return tea.Sequence(func() tea.Msg { _ = sess.Finish(); return nil }, tea.Quit)
}

// confirmCommand is the command shown under a confirm step's question: the
// dialog covers the detail pane, and what is confirmed is this command.
// A long one is cut after a few lines; the detail pane has it all.
func confirmCommand(cmd string) string {
	lines := strings.Split(strings.TrimRight(printable(cmd), "\n"), "\n")
	if len(lines) > 8 {
		lines = append(lines[:7], fmt.Sprintf("… %d more lines", len(lines)-7))
	}
	return strings.Join(lines, "\n")
}
