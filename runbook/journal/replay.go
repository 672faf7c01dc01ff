package journal

import (
	"maps"
	"slices"
	"time"
)

// Replay builds a run's state from its events, in order.
func Replay(events []Event) *State {
	s := NewState()
	for _, e := range events {
		s.Apply(e)
	}
	return s
}

// NewState is the state of a run with no events yet.
func NewState() *State {
	return &State{
		Steps:   map[string]*StepState{},
		Answers: map[string]Answer{},
		Vars:    map[string]Var{},
		Session: NewSession(),
		Outputs: map[string]Output{},
	}
}

// Apply folds one event into the state. Unknown event types (written by a
// newer runbook of the same schema version) are ignored.
func (s *State) Apply(e Event) {
	if s.Started.IsZero() {
		s.Started = e.Time
	}
	if e.Seq > s.Seq {
		s.Seq = e.Seq
	}
	if e.Time.After(s.Updated) {
		s.Updated = e.Time
	}
	switch e.Type {
	case RunStarted:
		s.Run, s.Doc, s.DocHash, s.Who, s.Host = e.Run, e.Doc, e.DocHash, e.Who, e.Host
		s.Started = e.Time
	case RunResumed:
		// A resumed run is open again; the doc may have changed meanwhile.
		s.Finished, s.Status, s.FinishedAt = false, "", time.Time{}
		s.Resumed++
		if e.DocHash != "" {
			s.DocHash = e.DocHash
		}
		if e.Who != "" {
			s.Who = e.Who
		}
		if e.Host != "" {
			s.Host = e.Host
		}
	case AnswerGiven:
		s.Answers[e.Question] = Answer{Value: e.Value, Skipped: e.Value == "", Who: e.Who, Time: e.Time}
	case VariableSet:
		v := Var{Secret: e.Secret, Source: e.Source}
		if !e.Secret {
			v.Value = e.Value
		}
		s.Vars[e.Name] = v
	case StepStarted:
		st := s.step(e.Step)
		st.Status = Running
		st.Hash = e.Hash
		st.Attempts = append(st.Attempts, Attempt{N: e.Attempt, Started: e.Time, Command: e.Command, Status: Running, Background: e.Background})
	case StepFinished:
		st := s.step(e.Step)
		st.Status = e.Status
		a := st.attempt(e.Attempt)
		if a == nil {
			st.Attempts = append(st.Attempts, Attempt{N: e.Attempt, Started: e.Time})
			a = &st.Attempts[len(st.Attempts)-1]
		}
		a.Duration = time.Duration(e.DurationMS) * time.Millisecond
		a.ExitCode = e.ExitCode
		a.Status = e.Status
		a.Error = e.Error
		a.Log = e.Log
		if e.Session != nil {
			a.Session = e.Session.Clone()
			s.session().Apply(e.Step, e.Session)
		}
	case OutputGiven:
		s.applyOutput(e)
	case StepSkipped, StepMarked:
		st := s.step(e.Step)
		st.Status = Skipped
		if e.Type == StepMarked {
			st.Status = DoneByHand
		}
		st.Note = e.Note
		if e.Hash != "" {
			st.Hash = e.Hash
		}
	case StepAccepted:
		st := s.step(e.Step)
		st.Hash = e.Hash
		st.Accepted = true
	case StepEdited:
		st := s.step(e.Step)
		st.Command, st.CommandRefs, st.CommandUnrestorable = e.Command, slices.Clone(e.Refs), e.Unrestorable
	case NoteAdded:
		s.Notes = append(s.Notes, Note{Step: e.Step, Text: e.Note, Time: e.Time})
	case WroteBack:
		for _, q := range e.Written {
			if a, ok := s.Answers[q]; ok {
				a.Written = true
				s.Answers[q] = a
			}
		}
		s.writtenOutputs(e.Outputs)
		if e.DocHash != "" {
			s.DocHash = e.DocHash
		}
	case RunFinished:
		s.Finished = true
		s.Status = e.Status
		s.FinishedAt = e.Time
	case IdentityFound:
		s.Identity = &Identity{Account: e.Account, ARN: e.ARN, Region: e.Region}
	}
}

// applyOutput folds a confirmed named output in.
func (s *State) applyOutput(e Event) {
	s.Outputs[e.Name] = Output{Value: e.Value, Secret: e.Secret, Step: e.Step, Attempt: e.Attempt, Who: e.Who, Time: e.Time}
	if a := s.step(e.Step).attempt(e.Attempt); a != nil && !slices.Contains(a.Outputs, e.Name) {
		a.Outputs = append(a.Outputs, e.Name)
	}
}

// writtenOutputs marks outputs written into the doc.
func (s *State) writtenOutputs(names []string) {
	for _, n := range names {
		if o, ok := s.Outputs[n]; ok {
			o.Written = true
			s.Outputs[n] = o
		}
	}
}

// session is the state's session, made on first use (a State built by
// hand has none).
func (s *State) session() *Session {
	if s.Session == nil {
		s.Session = NewSession()
	}
	return s.Session
}

func (s *State) step(id string) *StepState {
	st, ok := s.Steps[id]
	if !ok {
		st = &StepState{Status: Pending}
		s.Steps[id] = st
	}
	return st
}

func (st *StepState) attempt(n int) *Attempt {
	for i := range st.Attempts {
		if st.Attempts[i].N == n {
			return &st.Attempts[i]
		}
	}
	return nil
}

// Clone is a deep copy, safe to keep while the run goes on.
func (s *State) Clone() *State {
	c := *s
	c.Steps = make(map[string]*StepState, len(s.Steps))
	for id, st := range s.Steps {
		cs := *st
		cs.Attempts = slices.Clone(st.Attempts)
		for i := range cs.Attempts {
			cs.Attempts[i].Session = cs.Attempts[i].Session.Clone()
			cs.Attempts[i].Outputs = slices.Clone(cs.Attempts[i].Outputs)
		}
		cs.CommandRefs = slices.Clone(st.CommandRefs)
		c.Steps[id] = &cs
	}
	c.Answers = maps.Clone(s.Answers)
	c.Vars = maps.Clone(s.Vars)
	c.Session = s.Session.Clone()
	c.Outputs = maps.Clone(s.Outputs)
	c.Notes = slices.Clone(s.Notes)
	if s.Identity != nil {
		id := *s.Identity
		c.Identity = &id
	}
	return &c
}

// Counts is the number of touched steps by status.
func (s *State) Counts() map[Status]int {
	n := map[Status]int{}
	for _, st := range s.Steps {
		n[st.Status]++
	}
	return n
}
