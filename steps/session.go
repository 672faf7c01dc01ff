package steps

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Session owns the workflow of a run: what runs next, when to ask, what
// continue-on-error means, when the run is finished. Every frontend (line
// mode, the TUI, `runbook run`) drives one: it starts a flow (RunAll,
// RunStep), asks Next for the action to take, renders it and reports the
// engineer's answer (Choose) or runs the step (Run). Frontends only render
// and answer; the rules are here and in journal.RunView, and written down
// in docs/run-model.md.
//
// A Session is safe for use from several goroutines (a TUI calls it from
// its commands), but one flow runs one step at a time.
type Session struct {
	r   Runner
	sr  sessionRunner // r's shell session, outputs, background steps; nil without them
	pol Policy

	mu       sync.Mutex
	flow     *flow
	last     *Outcome
	running  string   // the step Run is running, "" when none
	inferred inferred // the engineer's one answer about inferred steps
}

type inferred int

const (
	inferredUndecided inferred = iota
	inferredRun
	inferredEach
	inferredSkip
)

// flow is one RunAll or RunStep, until its ActDone.
type flow struct {
	all      bool
	sel      Selection
	plan     []*runbook.Step
	pos      int
	target   *runbook.Step // RunStep's step; nil once handled
	asked    map[string]bool
	gathered bool
	checked  bool
	// approved are the questions answered "run" for a step's next
	// attempt: each question is asked once (a rerun's yes does not stand
	// for a confirmation that shows the command).
	approved map[string]map[ActionKind]bool
	// rerun are the steps to run again first: they set session values a
	// resumed run lacks (ActSessionValues, ChooseRun).
	rerun []*runbook.Step
	// bg are the background steps this flow started that may still end
	// badly (backgroundFailed).
	bg      []*runbook.Step
	current *Action // the action waiting for an answer or a Run
	notes   []Note
	out     Outcome
}

// NewSession starts a session on r with the frontend's policy.
func NewSession(r Runner, pol Policy) *Session {
	s := &Session{r: r, pol: pol}
	s.sr, _ = r.(sessionRunner)
	return s
}

// Runner is what the session drives.
func (s *Session) Runner() Runner { return s.r }

// Policy is what the frontend said it can do.
func (s *Session) Policy() Policy { return s.pol }

// ErrFlowBusy is returned when a flow is started while a step runs.
var ErrFlowBusy = errors.New("a step is running")

// RunAll starts running the selected steps in doc order (docs/run-model.md):
// done steps are passed over, the rest run one by one, asking what the
// policy says to ask. It replaces a flow waiting for an answer.
func (s *Session) RunAll(sel Selection) error {
	plan, err := Plan(s.r.Doc(), sel)
	if err != nil {
		return &InputError{err}
	}
	return s.start(&flow{all: true, sel: sel, plan: plan})
}

// RunStep starts the flow of one step the engineer picked: a step done
// already is run again only once they confirm (ActRerun).
func (s *Session) RunStep(id string) error {
	st := s.r.Doc().Step(id)
	if st == nil {
		return &InputError{fmt.Errorf("unknown step %q", id)}
	}
	return s.start(&flow{target: st})
}

func (s *Session) start(f *flow) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running != "" {
		return fmt.Errorf("%w: %s", ErrFlowBusy, s.running)
	}
	f.asked, f.approved = map[string]bool{}, map[string]map[ActionKind]bool{}
	s.flow, s.last = f, nil
	return nil
}

// Running is the step Run is running now, or "".
func (s *Session) Running() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// View is the run as every frontend shows it.
func (s *Session) View() *journal.RunView { return s.r.View() }

// Next is the action the frontend takes now. It returns the same action
// until it is answered (Choose) or run (Run). It may journal (the run
// finished, held events flushed), so call it off a UI's event loop.
func (s *Session) Next() Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flow
	if f == nil {
		out := s.last
		if out == nil {
			out = &Outcome{View: s.r.View()}
		}
		return Action{Kind: ActDone, Outcome: out}
	}
	if f.current == nil {
		a := s.advance(f)
		f.current = &a
	}
	a := *f.current
	a.Notes, f.notes = f.notes, nil
	if a.Kind != ActRun {
		// Whatever the frontend shows now comes after every event.
		if err := s.r.Flush(); err != nil && a.Kind != ActDone {
			a = s.stopErr(f, err)
		}
	}
	if a.Kind == ActDone {
		s.last, s.flow = a.Outcome, nil
	}
	return a
}

// advance finds the next action of a flow.
func (s *Session) advance(f *flow) Action {
	if a, ok := s.backgroundFailed(f); ok {
		return a
	}
	for len(f.rerun) > 0 {
		if a, ok := s.stepAction(f, f.rerun[0], true); ok {
			return a
		}
		f.rerun = f.rerun[1:]
	}
	if !f.all {
		if f.target == nil {
			return s.end(f)
		}
		if a, ok := s.stepAction(f, f.target, true); ok {
			return a
		}
		return s.end(f)
	}
	if a, ok := s.upfront(f); ok {
		return a
	}
	if a, ok := s.askInferred(f); ok {
		return a
	}
	if !f.checked {
		// Every value known now must be safe where the plan uses it
		// before the first step runs, not halfway through.
		f.checked = true
		ids := make([]string, 0, len(f.plan))
		for _, st := range f.plan {
			ids = append(ids, st.ID)
		}
		if len(ids) > 0 {
			if err := s.r.CheckValues(ids...); err != nil {
				return s.stopErr(f, &InputError{err})
			}
		}
	}
	for f.pos < len(f.plan) {
		if a, ok := s.stepAction(f, f.plan[f.pos], false); ok {
			return a
		}
		f.pos++
	}
	return s.end(f)
}

// upfront asks, once per flow and before the first step, every unanswered
// question and then every missing value of the plan (Policy.Upfront).
func (s *Session) upfront(f *flow) (Action, bool) {
	if !s.pol.Upfront || !s.pol.Ask {
		return Action{}, false
	}
	doc := s.r.Doc()
	st := s.r.View().State
	for _, q := range doc.Questions {
		if _, ok := st.Answers[q.ID]; ok || f.asked[q.ID] {
			continue
		}
		f.asked[q.ID] = true
		return Action{Kind: ActQuestion, Question: q}, true
	}
	if f.gathered {
		return s.upfrontSession(f)
	}
	f.gathered = true
	var names []string
	for _, st := range f.plan[f.pos:] {
		if st.Kind == runbook.KindManual || journal.Settled(st, s.r.StepStatus(st.ID)) {
			continue
		}
		for _, n := range s.r.Missing(st.ID) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return s.upfrontSession(f)
	}
	return Action{Kind: ActValues, Names: names}, true
}

// askInferred asks once per session, before run-all runs any, whether to
// run the inferred steps of the plan (guessed from blocks that do not say
// they are commands). --yes runs them, with a note listing them.
func (s *Session) askInferred(f *flow) (Action, bool) {
	if s.inferred != inferredUndecided {
		return Action{}, false
	}
	var steps []*runbook.Step
	for _, st := range f.plan[f.pos:] {
		if st.Inferred && !journal.Settled(st, s.r.StepStatus(st.ID)) {
			steps = append(steps, st)
		}
	}
	switch {
	case len(steps) == 0:
		return Action{}, false
	case s.pol.Yes:
		s.inferred = inferredRun
		f.notes = append(f.notes, Note{Kind: NoteInferred, Steps: steps})
		return Action{}, false
	case !s.pol.Ask:
		return s.stop(f, steps[0], journal.Pending, fmt.Sprintf("step %s is inferred from a block that does not say it is a command: run it with --yes", steps[0].ID)), true
	}
	return Action{Kind: ActInferred, Steps: steps}, true
}

// stepAction is what to do about one step; ok is false when the step is
// passed over (done already, or a manual step nobody can do).
func (s *Session) stepAction(f *flow, st *runbook.Step, explicit bool) (Action, bool) {
	st, a, ok := s.reloaded(f, st)
	if ok {
		return a, true
	}
	if st == nil {
		return Action{}, false
	}
	status := s.r.StepStatus(st.ID)
	if a, ok, decided := s.backgroundAction(f, st, status, explicit); decided {
		return a, ok
	}
	switch {
	case explicit && status.Finished() && !f.isApproved(st.ID, ActRerun):
		return Action{Kind: ActRerun, Step: st, Status: status}, true
	case !explicit && journal.Settled(st, status):
		f.notes = append(f.notes, Note{Kind: NotePassed, Step: st, Status: status})
		return Action{}, false
	case status == journal.Stale && !f.isApproved(st.ID, ActStale):
		if s.pol.Ask && !s.pol.Yes {
			return Action{Kind: ActStale, Step: st, Status: s.r.View().Step(st.ID).Was}, true
		}
		f.approve(st.ID, ActStale)
		f.notes = append(f.notes, Note{Kind: NoteStale, Step: st})
	}
	if st.Kind == runbook.KindManual {
		if !s.pol.Ask || s.pol.Yes {
			f.notes = append(f.notes, Note{Kind: NoteManual, Step: st})
			f.out.Manual = append(f.out.Manual, st.ID)
			if !f.all {
				f.target = nil
			}
			return Action{}, false
		}
		return Action{Kind: ActManual, Step: st}, true
	}
	if missing := s.r.Missing(st.ID); len(missing) > 0 {
		if !s.pol.Ask {
			return s.stop(f, st, journal.Pending, fmt.Sprintf("step %s: no value for <%s>", st.ID, missing[0])), true
		}
		return Action{Kind: ActValues, Step: st, Names: missing}, true
	}
	if a, ok := s.sessionValues(f, st); ok {
		return a, true
	}
	if !f.isApproved(st.ID, ActConfirm) && s.needsConfirm(st, explicit) {
		if !s.pol.Ask {
			return s.stop(f, st, journal.Pending, fmt.Sprintf("step %s asks before running: run it with --yes", st.ID)), true
		}
		cmd, err := s.r.Preview(st.ID)
		if err != nil {
			return s.stopErr(f, err), true
		}
		return Action{Kind: ActConfirm, Step: st, Command: cmd}, true
	}
	return Action{Kind: ActRun, Step: st}, true
}

// needsConfirm: a `confirm` step, and an inferred step unless the
// engineer said to run the inferred steps (explicitly picking one is not
// enough: what it is was guessed).
func (s *Session) needsConfirm(st *runbook.Step, explicit bool) bool {
	if s.pol.Yes {
		return false
	}
	if st.Attrs.Confirm {
		return true
	}
	return st.Inferred && (s.inferred == inferredEach || (explicit && s.inferred != inferredRun))
}

// reloaded reads the doc again if its file changed (one stat otherwise):
// what runs is always the file as it is now, and a step that changed
// since the engineer confirmed it is shown again. It returns the step's
// current version (nil when it is gone), or an action to take instead.
func (s *Session) reloaded(f *flow, st *runbook.Step) (*runbook.Step, Action, bool) {
	changed, err := s.r.Reload()
	if err != nil {
		return nil, s.stop(f, st, journal.Pending, fmt.Sprintf("the doc changed on disk and cannot be read again, so step %s is not run: %v", st.ID, err)), true
	}
	if len(changed) == 0 {
		return st, Action{}, false
	}
	doc := s.r.Doc()
	if f.all {
		if plan, err := Plan(doc, f.sel); err == nil {
			f.plan = plan
			f.pos = max(slices.IndexFunc(plan, func(p *runbook.Step) bool { return p.ID == st.ID }), 0)
		}
	}
	cur := doc.Step(st.ID)
	if !slices.Contains(changed, st.ID) {
		return cur, Action{}, false
	}
	if cur == nil {
		if !f.all {
			return nil, s.stop(f, st, journal.Pending, fmt.Sprintf("step %s is no longer in the doc", st.ID)), true
		}
		return nil, Action{}, false
	}
	if !f.all {
		f.target = cur
	}
	if f.isApproved(st.ID, ActConfirm) && s.pol.Ask && !s.pol.Yes {
		// Confirmed as it was; ask again with what the file says now.
		delete(f.approved[st.ID], ActConfirm)
		cmd, err := s.r.Preview(cur.ID)
		if err != nil {
			return nil, s.stopErr(f, err), true
		}
		return cur, Action{Kind: ActConfirm, Step: cur, Command: cmd, Changed: true}, true
	}
	f.notes = append(f.notes, Note{Kind: NoteChanged, Step: cur})
	return cur, Action{}, false
}

// end closes a flow: a run whose counted steps are all settled is
// finished (docs/run-model.md), whichever flow got it there.
func (s *Session) end(f *flow) Action {
	out := f.out
	// When the last step's end, held back, completes the run, the run's
	// end is held with it: one sync for both (heldFinisher).
	if hf, ok := s.r.(heldFinisher); ok && out.Stopped == nil && out.Err == nil {
		if err := hf.FinishHeld(); err != nil {
			out.Err, out.Reason = err, err.Error()
		}
	}
	// The last step's end may be held back (RunOptions.Hold): it must be
	// in the state before the run is judged.
	if err := s.r.Flush(); err != nil && out.Err == nil {
		out.Err, out.Reason = err, err.Error()
	}
	if out.Stopped == nil && out.Err == nil {
		s.endBackground()
	}
	if out.Stopped == nil && out.Err == nil {
		if v := s.r.View(); v.Complete && !v.Finished {
			if err := s.r.Finish(); err != nil {
				out.Err, out.Reason = err, err.Error()
			}
		}
	}
	out.View = s.r.View()
	out.Finished = out.View.Finished
	return Action{Kind: ActDone, Outcome: &out}
}

// stop ends a flow at a step.
func (s *Session) stop(f *flow, st *runbook.Step, status journal.Status, reason string) Action {
	f.out.Stopped, f.out.Status, f.out.Reason = st, status, reason
	return s.end(f)
}

// stopErr ends a flow on an error that kept a step from running.
func (s *Session) stopErr(f *flow, err error) Action {
	f.out.Err, f.out.Reason = err, err.Error()
	return s.end(f)
}

func (f *flow) approve(id string, k ActionKind) {
	if f.approved[id] == nil {
		f.approved[id] = map[ActionKind]bool{}
	}
	f.approved[id][k] = true
}

func (f *flow) isApproved(id string, k ActionKind) bool { return f.approved[id][k] }
