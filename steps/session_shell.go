package steps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// The session's part of a run that is one terminal session
// (docs/format.md, "Session", and docs/run-model.md): values of the shell
// session a resumed run lacks, a step's named outputs, background steps.

// sessionValues asks, before a step that sees the shell session runs,
// for the session's values a resumed run lacks (secrets are never on
// disk). Steps run again to set them are not asked about.
func (s *Session) sessionValues(f *flow, st *runbook.Step) (Action, bool) {
	if s.sr == nil || len(f.rerun) > 0 || !s.sr.SeesSession(st.ID) {
		return Action{}, false
	}
	missing := s.sr.MissingSession()
	if len(missing) == 0 {
		return Action{}, false
	}
	if !s.pol.Ask {
		return s.stop(f, st, journal.Pending, missingReason(missing)), true
	}
	return Action{Kind: ActSessionValues, Step: st, Missing: missing}, true
}

// upfrontSession asks for the lacking session values once the upfront
// values are given, when a step of the plan will see the session.
func (s *Session) upfrontSession(f *flow) (Action, bool) {
	if s.sr == nil || f.asked["\x00session"] {
		return Action{}, false
	}
	f.asked["\x00session"] = true
	for _, st := range f.plan[f.pos:] {
		if journal.Settled(st, s.r.StepStatus(st.ID)) || !s.sr.SeesSession(st.ID) {
			continue
		}
		if missing := s.sr.MissingSession(); len(missing) > 0 {
			return Action{Kind: ActSessionValues, Step: st, Missing: missing}, true
		}
		break
	}
	return Action{}, false
}

// missingReason says what a run with nobody to ask lacks, and how to give
// it.
func missingReason(missing []MissingValue) string {
	m := missing[0]
	what := "the value of " + m.Name
	if m.Func {
		what = "the function " + m.Name
	}
	why := "too large to journal"
	if m.Secret {
		why = "a secret, never written to disk"
	}
	how := fmt.Sprintf("--set %s=VALUE gives it", m.Name)
	if m.Func {
		how = "run that step again"
	}
	more := ""
	if len(missing) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(missing)-1)
	}
	return fmt.Sprintf("the shell session lacks %s%s, which step %s set (%s): %s", what, more, m.Step, why, how)
}

func (s *Session) chooseSessionValues(f *flow, a *Action, c Choice) error {
	switch c.Kind {
	case ChooseRun:
		// Run the steps that set them again, in doc order, first.
		doc := s.r.Doc()
		var rerun []*runbook.Step
		for _, st := range doc.Steps {
			if slices.ContainsFunc(a.Missing, func(m MissingValue) bool { return m.Step == st.ID }) {
				rerun = append(rerun, st)
				f.approve(st.ID, ActRerun)
			}
		}
		if len(rerun) == 0 {
			return fmt.Errorf("the steps that set %s are no longer in the doc: give the values, or go on without them", missingNames(a.Missing))
		}
		f.rerun = rerun
		return nil
	case ChooseValues:
		for _, m := range a.Missing {
			if v, ok := c.Values[m.Name]; ok && !m.Func {
				if err := s.sr.SetSessionValue(m.Name, v); err != nil {
					return err
				}
			}
		}
		return nil // what is still missing is asked again
	case ChooseSkip:
		f.notes = append(f.notes, Note{Kind: NoteSessionDropped, Step: a.Step, Names: s.sr.DropMissingSession()})
		return nil
	}
	return fmt.Errorf("session values: %s is not an answer", c.Kind)
}

func missingNames(ms []MissingValue) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// afterOutputs offers the named outputs a step that succeeded wrote:
// asked (ActOutputs), taken with --yes, or left unused with nobody to
// confirm them.
func (s *Session) afterOutputs(f *flow, st *runbook.Step) {
	if s.sr == nil {
		return
	}
	offers := s.sr.PendingOutputs(st.ID)
	if len(offers) == 0 {
		return
	}
	names := make([]string, len(offers))
	for i, o := range offers {
		names[i] = o.Name
	}
	switch {
	case s.pol.Yes:
		all := map[string]string{}
		for _, o := range offers {
			all[o.Name] = ""
		}
		if err := s.sr.ConfirmOutputs(st.ID, all); err != nil {
			f.out.Err, f.out.Reason = err, err.Error()
			f.out.Stopped, f.out.Status = st, journal.OK
			f.target, f.pos = nil, len(f.plan)
			return
		}
		f.notes = append(f.notes, Note{Kind: NoteOutputs, Step: st, Names: names})
		s.moveOn(f, st)
	case s.pol.Ask:
		f.current = &Action{Kind: ActOutputs, Step: st, Outputs: offers}
	default:
		s.sr.DropOutputs(st.ID)
		f.notes = append(f.notes, Note{Kind: NoteOutputsUnused, Step: st, Names: names})
		s.moveOn(f, st)
	}
}

func (s *Session) chooseOutputs(f *flow, a *Action, c Choice) error {
	accept := map[string]string{}
	switch c.Kind {
	case ChooseAccept:
		for _, o := range a.Outputs {
			accept[o.Name] = ""
		}
	case ChooseValues:
		accept = c.Values
	case ChooseSkip:
	default:
		return fmt.Errorf("outputs: %s is not an answer", c.Kind)
	}
	if err := s.sr.ConfirmOutputs(a.Step.ID, accept); err != nil {
		return err
	}
	s.moveOn(f, a.Step)
	return nil
}

// backgroundAction decides about a background step: one running in
// this process is passed over (or, picked by hand, refused); one that
// ran when the run stopped is started again after asking when a later
// step may need it, and skipped when none does. decided is false when
// the usual rules apply.
func (s *Session) backgroundAction(f *flow, st *runbook.Step, status journal.Status, explicit bool) (a Action, ok, decided bool) {
	if s.sr == nil || !runsInBackground(st) {
		return Action{}, false, false
	}
	if s.sr.BackgroundRunning(st.ID) {
		if explicit {
			return s.stop(f, st, journal.Running, fmt.Sprintf("step %s is running in the background already", st.ID)), true, true
		}
		f.notes = append(f.notes, Note{Kind: NoteBackground, Step: st, Status: journal.Running})
		return Action{}, false, true
	}
	if status != journal.Interrupted || explicit || f.isApproved(st.ID, ActRestart) {
		return Action{}, false, false
	}
	if !s.neededLater(f, st) {
		if err := s.r.Skip(st.ID, "not started again after the run stopped: no later step needs it"); err != nil {
			return s.stopErr(f, err), true, true
		}
		f.notes = append(f.notes, Note{Kind: NoteNotNeeded, Step: st})
		return Action{}, false, true
	}
	if s.pol.Ask && !s.pol.Yes {
		return Action{Kind: ActRestart, Step: st, Status: status}, true, true
	}
	f.approve(st.ID, ActRestart)
	f.notes = append(f.notes, Note{Kind: NoteRestart, Step: st})
	return Action{}, false, false
}

// backgroundFailed deals with a background step this flow started that
// has failed since (a port-forward or a server that died while later
// steps ran) before anything else runs, as with a step that fails in the
// foreground: continue-on-error lets it through; otherwise the engineer
// is asked (retry, skip, done, stop) or, when nobody can answer, the flow
// stops there and the run exits 1. The steps after it may need it.
func (s *Session) backgroundFailed(f *flow) (Action, bool) {
	for i, st := range f.bg {
		status := s.r.StepStatus(st.ID)
		if status != journal.Failed && status != journal.TimedOut {
			if status != journal.Running {
				f.bg = slices.Delete(f.bg, i, i+1) // stopped, or ended well
				return s.backgroundFailed(f)
			}
			continue
		}
		f.bg = slices.Delete(f.bg, i, i+1)
		switch {
		case journal.Settled(st, status):
			f.notes = append(f.notes, Note{Kind: NoteTolerated, Step: st, Status: status})
			f.out.Tolerated = append(f.out.Tolerated, st.ID)
			return s.backgroundFailed(f)
		case s.pol.Ask:
			// Retried (or settled) first, before the flow goes on.
			f.rerun = append([]*runbook.Step{st}, f.rerun...)
			return Action{Kind: ActFailed, Step: st, Status: status}, true
		}
		f.target, f.pos = nil, len(f.plan)
		return s.stop(f, st, status, fmt.Sprintf("background step %s %s while the run went on", st.ID, status)), true
	}
	return Action{}, false
}

// neededLater reports whether a step after st in the plan is still to
// be done: a background step is there for the steps that follow it.
func (s *Session) neededLater(f *flow, st *runbook.Step) bool {
	after := false
	for _, p := range s.r.Doc().Steps {
		if p.ID == st.ID {
			after = true
			continue
		}
		if after && p.Kind != runbook.KindManual && !p.Attrs.Skip && p.Kind != runbook.KindCheck &&
			!journal.Settled(p, s.r.StepStatus(p.ID)) {
			return true
		}
	}
	return false
}

// endBackground stops the steps running in the background when nothing
// else is left to do in the run: they were there for the steps that
// followed them, and the run is complete once they have stopped (ok).
func (s *Session) endBackground() {
	if s.sr == nil {
		return
	}
	v := s.r.View()
	if v.Complete || v.Finished {
		return
	}
	running := false
	for _, sv := range v.Steps {
		if !sv.Counted || sv.Settled {
			continue
		}
		if sv.Status != journal.Running || !s.sr.BackgroundRunning(sv.ID) {
			return // something else is left to do
		}
		running = true
	}
	if running {
		s.sr.StopBackgroundSteps(journal.OK)
	}
}
