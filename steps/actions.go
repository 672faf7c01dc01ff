package steps

import (
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func (e *Engine) step(id string) (*runbook.Step, error) {
	st := e.Doc().Step(id)
	if st == nil {
		return nil, fmt.Errorf("unknown step %q", id)
	}
	return st, nil
}

// Skip records that a step is skipped in this run, with the reason.
func (e *Engine) Skip(stepID, note string) error {
	st, err := e.step(stepID)
	if err != nil {
		return err
	}
	_, err = e.rec.record(journal.Event{Type: journal.StepSkipped, Step: stepID, Hash: st.Hash, Note: e.mask(note)})
	return err
}

// MarkDone records that a person did the step by hand.
func (e *Engine) MarkDone(stepID, note string) error {
	st, err := e.step(stepID)
	if err != nil {
		return err
	}
	_, err = e.rec.record(journal.Event{Type: journal.StepMarked, Step: stepID, Hash: st.Hash, Note: e.mask(note)})
	return err
}

// EditCommand replaces a step's command for this run only (the doc is not
// changed). The journal keeps the edit masked.
func (e *Engine) EditCommand(stepID, command string) error {
	if _, err := e.step(stepID); err != nil {
		return err
	}
	if _, err := e.rec.record(e.editEvent(stepID, command)); err != nil {
		return err
	}
	e.editMu.Lock()
	e.edits[stepID] = command
	e.editMu.Unlock()
	return nil
}

// Accept takes a stale step as is: its earlier result stands for the
// step's new content.
func (e *Engine) Accept(stepID string) error {
	st, err := e.step(stepID)
	if err != nil {
		return err
	}
	_, err = e.rec.record(journal.Event{Type: journal.StepAccepted, Step: stepID, Hash: st.Hash})
	return err
}

// Answer records the confirmed answer to a question.
func (e *Engine) Answer(questionID, value string) error {
	if e.Doc().Question(questionID) == nil {
		return fmt.Errorf("unknown question %q", questionID)
	}
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("question %s: empty answer", questionID)
	}
	_, err := e.rec.record(journal.Event{Type: journal.AnswerGiven, Question: questionID, Value: e.mask(value), Who: e.who})
	return err
}

// SkipQuestion records that a question is left open for now.
func (e *Engine) SkipQuestion(questionID string) error {
	if e.Doc().Question(questionID) == nil {
		return fmt.Errorf("unknown question %q", questionID)
	}
	_, err := e.rec.record(journal.Event{Type: journal.AnswerGiven, Question: questionID, Note: "skipped for now", Who: e.who})
	return err
}

// Note adds a free-form note to the run, attached to a step if stepID is
// not "".
func (e *Engine) Note(stepID, text string) error {
	if stepID != "" {
		if _, err := e.step(stepID); err != nil {
			return err
		}
	}
	_, err := e.rec.record(journal.Event{Type: journal.NoteAdded, Step: stepID, Note: e.mask(text)})
	return err
}

// Finish closes the run: ok when it is complete (every counted step
// settled, journal.RunView), failed otherwise (a run given up). A
// finished run is not resumed: opening the doc again starts the lane's
// next run. Finishing a finished run does nothing. A Session finishes a
// run when it is complete; nothing else needs to call this.
func (e *Engine) Finish() error {
	v := e.View()
	if v.Finished {
		return nil
	}
	_, err := e.rec.record(journal.Event{Type: journal.RunFinished, Status: v.Outcome()})
	return err
}

// FinishHeld holds the run-finished event back with the last step's end
// when that end, held (RunOptions.Hold), completes the run: the next
// Flush makes both durable with one sync, then shows them in order. It
// does nothing otherwise; Finish then records the run's end as before.
func (e *Engine) FinishHeld() error {
	return e.rec.recordHeldIf(func(st *journal.State) (journal.Event, bool) {
		v := journal.NewView(e.Doc(), st, true)
		if !v.Complete || v.Finished {
			return journal.Event{}, false
		}
		return journal.Event{Type: journal.RunFinished, Status: v.Outcome()}, true
	})
}
