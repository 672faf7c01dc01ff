package steps

import (
	"fmt"
	"slices"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Skip records a step skipped, with a note, outside a flow (a key on a
// step in the TUI); a run that this completes is finished.
func (s *Session) Skip(id, note string) error {
	return s.direct(id, func() error { return s.r.Skip(id, note) })
}

// MarkDone records a step done by hand outside a flow; a run that this
// completes is finished.
func (s *Session) MarkDone(id, note string) error {
	return s.direct(id, func() error { return s.r.MarkDone(id, note) })
}

// Accept keeps the earlier result of a step that changed since it ran; a
// run that this completes is finished.
func (s *Session) Accept(id string) error {
	if s.r.StepStatus(id) != journal.Stale {
		return fmt.Errorf("%s has not changed since it ran; nothing to accept", id)
	}
	return s.direct(id, func() error { return s.r.Accept(id) })
}

// EditCommand replaces a step's command for this run only.
func (s *Session) EditCommand(id, command string) error {
	return s.direct(id, func() error { return s.r.EditCommand(id, command) })
}

func (s *Session) direct(id string, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == id {
		return fmt.Errorf("%s is running", id)
	}
	if err := fn(); err != nil {
		return err
	}
	return s.finishIfComplete()
}

// Finish finishes the run if every counted step is settled, whoever
// settled them (a frontend calls it when the engineer leaves: a complete
// run must not be offered for resuming); otherwise it does nothing.
func (s *Session) Finish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finishIfComplete()
}

// finishIfComplete finishes a run whose counted steps are all settled.
func (s *Session) finishIfComplete() error {
	if v := s.r.View(); v.Complete && !v.Finished {
		return s.r.Finish()
	}
	return nil
}

// Needs is what a run of many steps needs from a person before it can
// run with nobody to ask: values, answers, confirmations.
type Needs struct {
	Values    []string            // placeholders without a value or a source
	Questions []*runbook.Question // unanswered [VERIFY] questions
	Confirm   []string            // `confirm` steps (--yes runs them)
	Inferred  []string            // inferred steps (--yes runs them)
	// Session are the shell session's values a resumed run lacks (secrets
	// are never on disk): --set NAME=VALUE gives one.
	Session []MissingValue
	// Outputs are steps whose named outputs later steps use: somebody
	// confirms them (--yes takes them).
	Outputs []string
}

// Empty reports whether nothing is needed.
func (n Needs) Empty() bool {
	return len(n.Values)+len(n.Questions)+len(n.Confirm)+len(n.Inferred)+len(n.Session)+len(n.Outputs) == 0
}

// Needs lists, without asking or running anything, what RunAll(sel)
// would have to ask under the session's policy were Ask set: with nobody
// to ask, each of them would stop the run halfway, so a frontend checks
// them before the first step.
func (s *Session) Needs(sel Selection) (Needs, error) {
	doc := s.r.Doc()
	plan, err := Plan(doc, sel)
	if err != nil {
		return Needs{}, err
	}
	var n Needs
	answers := s.r.View().State.Answers
	for _, q := range doc.Questions {
		if _, ok := answers[q.ID]; !ok {
			n.Questions = append(n.Questions, q)
		}
	}
	for _, st := range plan {
		if st.Kind == runbook.KindManual || journal.Settled(st, s.r.StepStatus(st.ID)) {
			continue
		}
		for _, name := range s.r.Missing(st.ID) {
			if !slices.Contains(n.Values, name) {
				n.Values = append(n.Values, name)
			}
		}
		switch {
		case s.pol.Yes:
		case st.Attrs.Confirm:
			n.Confirm = append(n.Confirm, st.ID)
		case st.Inferred:
			n.Inferred = append(n.Inferred, st.ID)
		}
		if s.sr != nil && n.Session == nil && s.sr.SeesSession(st.ID) {
			n.Session = s.sr.MissingSession()
		}
	}
	if s.sr != nil && !s.pol.Yes {
		ids := make([]string, len(plan))
		for i, st := range plan {
			ids[i] = st.ID
		}
		n.Outputs = s.sr.OutputSteps(ids...)
	}
	return n, nil
}

// StopBackground stops a step running in the background (the engineer
// is done with it; journaled ok); a run that this completes is finished.
func (s *Session) StopBackground(id string) error {
	if s.sr == nil || !s.sr.BackgroundRunning(id) {
		return fmt.Errorf("%s is not running in the background", id)
	}
	if err := s.sr.StopBackground(id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finishIfComplete()
}
