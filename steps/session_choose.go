package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// ErrNoAction is returned by Choose and Run when no action waits for
// them.
var ErrNoAction = errors.New("no action is waiting for an answer")

// Choose answers the pending action. An error (a value that does not
// match its pattern, a choice the action does not offer) leaves the
// action pending, so that the frontend can ask again.
func (s *Session) Choose(c Choice) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flow
	if f == nil || f.current == nil || f.current.Kind == ActDone {
		return ErrNoAction
	}
	a := f.current
	if c.Kind == ChooseStop {
		s.chooseStop(f, a)
		return nil
	}
	var err error
	switch a.Kind {
	case ActQuestion:
		err = s.answerQuestion(a.Question, c)
	case ActValues:
		err = s.giveValues(a.Names, c)
	case ActInferred:
		err = s.chooseInferred(a.Steps, c)
	case ActConfirm, ActRerun, ActStale, ActManual, ActFailed, ActRun, ActRestart:
		err = s.chooseStep(f, a, c)
	case ActSessionValues:
		err = s.chooseSessionValues(f, a, c)
	case ActOutputs:
		err = s.chooseOutputs(f, a, c)
	default:
		err = fmt.Errorf("%s cannot be answered", a.Kind)
	}
	if err != nil {
		return err
	}
	f.current = nil
	return nil
}

func (s *Session) chooseStop(f *flow, a *Action) {
	f.current = nil
	switch {
	case a.Kind == ActRerun:
		// Not running a done step again is no failure.
		f.out.Reason = fmt.Sprintf("%s not run again", a.Step.ID)
		f.target = nil
		return
	case a.Kind == ActFailed:
		f.out.Stopped, f.out.Status = a.Step, a.Status
	case a.Kind == ActManual:
		f.out.Stopped, f.out.Status = a.Step, journal.Pending
		f.out.Reason = fmt.Sprintf("manual step %s is not done yet: stopped there", a.Step.ID)
	case a.Kind == ActOutputs:
		s.sr.DropOutputs(a.Step.ID)
		f.out.Stopped, f.out.Status = a.Step, journal.Pending
		f.out.Reason = fmt.Sprintf("stopped after step %s; its outputs were not taken", a.Step.ID)
	case a.Step != nil:
		f.out.Stopped, f.out.Status = a.Step, journal.Pending
		f.out.Reason = fmt.Sprintf("stopped before step %s", a.Step.ID)
	default:
		f.out.Reason = "stopped"
	}
	// The next Next ends the flow.
	f.target, f.pos = nil, len(f.plan)
}

func (s *Session) answerQuestion(q *runbook.Question, c Choice) error {
	switch {
	case c.Kind == ChooseSkip, c.Kind == ChooseAnswer && strings.TrimSpace(c.Value) == "":
		return s.r.SkipQuestion(q.ID)
	case c.Kind == ChooseAnswer:
		return s.r.Answer(q.ID, c.Value)
	}
	return fmt.Errorf("question %s: %s is not an answer", q.ID, c.Kind)
}

// giveValues sets the values given; a frontend that set them itself
// (SetVar) answers with none. What is still missing is asked again.
func (s *Session) giveValues(names []string, c Choice) error {
	if c.Kind != ChooseValues {
		return fmt.Errorf("values: %s is not an answer", c.Kind)
	}
	for _, n := range names {
		if v, ok := c.Values[n]; ok {
			if err := s.r.SetVar(n, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Session) chooseInferred(steps []*runbook.Step, c Choice) error {
	switch c.Kind {
	case ChooseRun:
		s.inferred = inferredRun
	case ChooseEach:
		s.inferred = inferredEach
	case ChooseSkip:
		note := c.Note
		if note == "" {
			note = "inferred step: not run"
		}
		for _, st := range steps {
			if err := s.r.Skip(st.ID, note); err != nil {
				return err
			}
		}
		s.inferred = inferredSkip
	default:
		return fmt.Errorf("inferred steps: %s is not an answer", c.Kind)
	}
	return nil
}

// chooseStep answers an action about one step.
func (s *Session) chooseStep(f *flow, a *Action, c Choice) error {
	st := a.Step
	switch c.Kind {
	case ChooseRun, ChooseRetry:
		switch a.Kind {
		case ActManual:
		case ActRestart:
			f.approve(st.ID, ActRestart)
			return nil
		case ActFailed, ActRun:
			// It just ran (or was about to): no need to confirm it again.
			f.approve(st.ID, ActConfirm)
			return nil
		default:
			f.approve(st.ID, a.Kind)
			return nil
		}
	case ChooseEdit:
		if a.Kind != ActFailed && a.Kind != ActConfirm {
			break
		}
		if strings.TrimSpace(c.Command) != "" {
			if err := s.r.EditCommand(st.ID, c.Command); err != nil {
				return err
			}
		}
		f.approve(st.ID, ActConfirm)
		return nil
	case ChooseAccept:
		if a.Kind != ActStale {
			break
		}
		return s.settled(f, st, s.r.Accept(st.ID))
	case ChooseSkip:
		note := c.Note
		if note == "" && a.Kind == ActConfirm {
			note = "skipped when asked to confirm"
		}
		return s.settled(f, st, s.r.Skip(st.ID, note))
	case ChooseDone:
		if a.Kind == ActConfirm || a.Kind == ActRerun {
			break
		}
		return s.settled(f, st, s.r.MarkDone(st.ID, c.Note))
	}
	return fmt.Errorf("step %s: %s is not an answer to %s", st.ID, c.Kind, a.Kind)
}

// settled moves a flow past a step the engineer settled by hand.
func (s *Session) settled(f *flow, st *runbook.Step, err error) error {
	if err != nil {
		return err
	}
	s.moveOn(f, st)
	return nil
}

// moveOn goes past a step: the next in run-all, the end of a single flow.
func (s *Session) moveOn(f *flow, st *runbook.Step) {
	delete(f.approved, st.ID)
	if len(f.rerun) > 0 && f.rerun[0].ID == st.ID {
		f.rerun = f.rerun[1:]
		return
	}
	if f.all {
		if f.pos < len(f.plan) && f.plan[f.pos].ID == st.ID {
			f.pos++
		}
		return
	}
	f.target = nil
}

// Run runs the step of the pending ActRun. A step that fails is not an
// error (see Next: ActFailed, or the flow's end); err is for a step that
// could not run at all, which ends the flow.
func (s *Session) Run(ctx context.Context, opt RunOptions) (journal.Status, error) {
	s.mu.Lock()
	f := s.flow
	if f == nil || f.current == nil || f.current.Kind != ActRun {
		s.mu.Unlock()
		return journal.Pending, ErrNoAction
	}
	st := f.current.Step
	f.current = nil
	s.running = st.ID
	s.mu.Unlock()

	status, err := s.r.Run(ctx, st.ID, opt)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = ""
	delete(f.approved, st.ID)
	if s.flow != f {
		return status, err // the flow was replaced meanwhile
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, ErrInterrupted) || errors.Is(context.Cause(ctx), ErrInterrupted) {
			f.out.Stopped, f.out.Status, f.out.Reason = st, journal.Interrupted, "interrupted"
		} else {
			f.out.Err, f.out.Reason = err, err.Error()
			f.out.Stopped, f.out.Status = st, status
		}
		f.target, f.pos = nil, len(f.plan)
		return status, err
	}
	s.after(f, st, status)
	if f.current == nil && status == journal.OK {
		s.afterOutputs(f, st)
	}
	return status, nil
}

// after decides what follows a step's attempt: continue-on-error lets a
// failure (or a timeout) through; an interruption always stops; any other
// failure is asked about, or stops when nobody can answer.
func (s *Session) after(f *flow, st *runbook.Step, status journal.Status) {
	switch {
	case status == journal.OK && s.sr != nil && len(s.sr.PendingOutputs(st.ID)) > 0:
		// Its outputs come first (afterOutputs); moving on waits for them.
	case status.Finished():
		s.moveOn(f, st)
	case status == journal.Running && s.sr != nil && s.sr.BackgroundRunning(st.ID):
		f.notes = append(f.notes, Note{Kind: NoteBackground, Step: st, Status: status})
		f.bg = append(f.bg, st)
		s.moveOn(f, st)
	case status == journal.Interrupted:
		f.out.Stopped, f.out.Status, f.out.Reason = st, status, fmt.Sprintf("step %s interrupted", st.ID)
		f.target, f.pos = nil, len(f.plan)
	case journal.Settled(st, status):
		f.notes = append(f.notes, Note{Kind: NoteTolerated, Step: st, Status: status})
		f.out.Tolerated = append(f.out.Tolerated, st.ID)
		s.moveOn(f, st)
	case s.pol.Ask:
		f.current = &Action{Kind: ActFailed, Step: st, Status: status}
	default:
		f.out.Stopped, f.out.Status, f.out.Reason = st, status, fmt.Sprintf("step %s %s", st.ID, status)
		f.target, f.pos = nil, len(f.plan)
	}
}
