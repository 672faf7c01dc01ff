package tui

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/demo"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// fakeEngine is an in-memory Engine: it journals into a slice and replays
// it with the real journal.Replay, so the TUI sees the same State shapes as
// with the real engine.
type fakeEngine struct {
	mu     sync.Mutex
	doc    *runbook.Document
	events []journal.Event
	subs   map[int]func(Event)
	nsub   int
	vars   map[string]string
	now    time.Time
	// outputs and results of Run by step id, consumed in order per attempt.
	output  map[string][]string
	results map[string][]journal.Status
	// block, when set, makes Run wait for ctx (a long-running step).
	block   map[string]bool
	blocked []context.Context // of Run calls made to wait for their ctx
	runs    []string
	typed   map[string][]byte // Input, by step
	runDir  string            // "": a directory that does not exist
	// the shell session and background steps (issue 14)
	session    []steps.SessionValue
	background []steps.BackgroundStep
	given      map[string]string
	stopped    []string
	// outputs offered after a step ran, what was taken, and the session
	// values a resumed run lacks (steps' sessionRunner)
	offers    map[string][]steps.OutputOffer
	taken     map[string]map[string]string
	lacking   []steps.MissingValue
	asRunning map[string]bool // background steps running
}

func newFakeEngine(doc *runbook.Document) *fakeEngine {
	f := &fakeEngine{
		doc: doc, subs: map[int]func(Event){}, vars: map[string]string{},
		now:     time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
		output:  map[string][]string{},
		results: map[string][]journal.Status{},
		block:   map[string]bool{},
	}
	f.journal(journal.Event{Type: journal.RunStarted, Run: "acme-api-runbook", Doc: doc.Path, Who: "alice"})
	return f
}

func (f *fakeEngine) journal(e journal.Event) {
	f.mu.Lock()
	f.now = f.now.Add(time.Second)
	e.Seq, e.Time, e.V = len(f.events)+1, f.now, journal.SchemaVersion
	f.events = append(f.events, e)
	subs := make([]func(Event), 0, len(f.subs))
	for _, s := range f.subs {
		subs = append(subs, s)
	}
	f.mu.Unlock()
	for _, s := range subs {
		ev := e
		s(Event{Journal: &ev})
	}
}

func (f *fakeEngine) emit(step string, attempt int, out []byte) {
	f.mu.Lock()
	subs := make([]func(Event), 0, len(f.subs))
	for _, s := range f.subs {
		subs = append(subs, s)
	}
	f.mu.Unlock()
	for _, s := range subs {
		s(Event{Step: step, Attempt: attempt, Output: out})
	}
}

// waiting counts Run calls blocked on a context not cancelled yet: the
// harness is idle when only those are left.
func (f *fakeEngine) waiting() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := int64(0)
	for _, c := range f.blocked {
		if c.Err() == nil {
			n++
		}
	}
	return n
}

func (f *fakeEngine) Subscribe(fn func(Event)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nsub++
	id := f.nsub
	f.subs[id] = fn
	return func() { f.mu.Lock(); delete(f.subs, id); f.mu.Unlock() }
}

func (f *fakeEngine) Doc() *runbook.Document { return f.doc }
func (f *fakeEngine) RunDir() string {
	if f.runDir != "" {
		return f.runDir
	}
	return "/nonexistent/.runbook/acme"
}

func (f *fakeEngine) State() *journal.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return journal.Replay(append([]journal.Event(nil), f.events...))
}

// View is the real projection of the fake's journal: the TUI must show
// what every other frontend shows.
func (f *fakeEngine) View() *journal.RunView { return journal.NewView(f.doc, f.State(), true) }

func (f *fakeEngine) StepStatus(id string) journal.Status { return f.View().StepStatus(id) }

func (f *fakeEngine) CheckValues(...string) error { return nil }
func (f *fakeEngine) Flush() error                { return nil }
func (f *fakeEngine) Reload() ([]string, error)   { return nil, nil }

func (f *fakeEngine) Missing(stepID string) []string {
	steps := f.doc.Steps
	if stepID != "" {
		s := f.doc.Step(stepID)
		if s == nil {
			return nil
		}
		steps = []*runbook.Step{s}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range steps {
		for _, p := range s.Placeholders {
			if _, ok := f.vars[p]; !ok && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func (f *fakeEngine) Var(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.vars[name]
	return v, ok
}

func (f *fakeEngine) IsSecret(name string) bool {
	p := f.doc.Placeholder(name)
	return p != nil && p.Secret
}

func (f *fakeEngine) SetVar(name, value string) error {
	f.mu.Lock()
	f.vars[name] = value
	f.mu.Unlock()
	e := journal.Event{Type: journal.VariableSet, Name: name, Value: value}
	if f.IsSecret(name) {
		e.Value, e.Secret = "", true
	}
	f.journal(e)
	return nil
}

func (f *fakeEngine) Preview(stepID string) (string, error) {
	s := f.doc.Step(stepID)
	if s == nil {
		return "", errors.New("no such step")
	}
	if m := f.Missing(stepID); len(m) > 0 {
		return "", errors.New("missing values: " + strings.Join(m, ", "))
	}
	cmd := s.Code
	if ss := f.State().Steps[stepID]; ss != nil && ss.Command != "" {
		cmd = ss.Command
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range s.Placeholders {
		v := f.vars[p]
		if f.doc.Placeholder(p) != nil && f.doc.Placeholder(p).Secret {
			v = "****"
		}
		cmd = strings.ReplaceAll(cmd, "<"+p+">", v)
		cmd = strings.ReplaceAll(cmd, "{"+p+"}", v)
	}
	return cmd, nil
}

func (f *fakeEngine) Run(ctx context.Context, stepID string, opt RunOptions) (journal.Status, error) {
	st := f.State()
	attempt := 1
	if ss := st.Steps[stepID]; ss != nil {
		attempt = len(ss.Attempts) + 1
	}
	f.mu.Lock()
	f.runs = append(f.runs, stepID)
	out := f.output[stepID]
	res := journal.OK
	if rs := f.results[stepID]; len(rs) > 0 {
		res, f.results[stepID] = rs[0], rs[1:]
	}
	block := f.block[stepID]
	f.mu.Unlock()
	f.journal(journal.Event{Type: journal.StepStarted, Step: stepID, Attempt: attempt})
	for _, o := range out {
		f.emit(stepID, attempt, []byte(o))
	}
	if block {
		f.mu.Lock()
		f.blocked = append(f.blocked, ctx)
		f.mu.Unlock()
		<-ctx.Done()
		res = journal.Interrupted
	}
	code := 0
	if res == journal.Failed {
		code = 1
	}
	f.journal(journal.Event{Type: journal.StepFinished, Step: stepID, Attempt: attempt, Status: res, ExitCode: &code, DurationMS: 1200})
	return res, nil
}

func (f *fakeEngine) Skip(id, note string) error {
	f.journal(journal.Event{Type: journal.StepSkipped, Step: id, Note: note})
	return nil
}

func (f *fakeEngine) MarkDone(id, note string) error {
	f.journal(journal.Event{Type: journal.StepMarked, Step: id, Note: note})
	return nil
}

func (f *fakeEngine) EditCommand(id, command string) error {
	f.journal(journal.Event{Type: journal.StepEdited, Step: id, Command: command})
	return nil
}

func (f *fakeEngine) Accept(id string) error {
	f.journal(journal.Event{Type: journal.StepAccepted, Step: id})
	return nil
}

func (f *fakeEngine) Answer(q, v string) error {
	f.journal(journal.Event{Type: journal.AnswerGiven, Question: q, Value: v})
	return nil
}

func (f *fakeEngine) SkipQuestion(q string) error {
	f.journal(journal.Event{Type: journal.AnswerGiven, Question: q, Note: "skipped for now"})
	return nil
}

func (f *fakeEngine) Note(id, text string) error {
	f.journal(journal.Event{Type: journal.NoteAdded, Step: id, Note: text})
	return nil
}

func (f *fakeEngine) PendingWriteBack() (string, error) {
	st := f.State()
	var b strings.Builder
	for _, q := range f.doc.Questions {
		a, ok := st.Answers[q.ID]
		if !ok || a.Skipped || a.Written {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("--- a/" + f.doc.Path + "\n+++ b/" + f.doc.Path + "\n")
		}
		b.WriteString("@@ line " + strconv.Itoa(q.Line) + " @@\n-[VERIFY] " + q.Text + "\n+" + q.Text + " **Verified:** " + a.Value + " _(alice, 2026-11-24)_\n")
	}
	return b.String(), nil
}

// Input records what is typed into a step.
func (f *fakeEngine) Input(id string, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.typed == nil {
		f.typed = map[string][]byte{}
	}
	f.typed[id] = append(f.typed[id], p...)
	return nil
}

func (f *fakeEngine) WaitingForInput() (string, bool) { return "", false }

// wait says that a step waits for input (or no longer does).
func (f *fakeEngine) wait(step string, attempt int, s steps.WaitState) {
	f.mu.Lock()
	subs := make([]func(Event), 0, len(f.subs))
	for _, sub := range f.subs {
		subs = append(subs, sub)
	}
	f.mu.Unlock()
	for _, sub := range subs {
		sub(Event{Step: step, Attempt: attempt, Wait: s})
	}
}

func (f *fakeEngine) WriteBack() error {
	var ids []string
	for id, a := range f.State().Answers {
		if !a.Skipped && !a.Written {
			ids = append(ids, id)
		}
	}
	f.journal(journal.Event{Type: journal.WroteBack, Written: ids})
	return nil
}

func (f *fakeEngine) Finish() error {
	v := f.View()
	if v.Finished {
		return nil
	}
	f.journal(journal.Event{Type: journal.RunFinished, Status: v.Outcome()})
	return nil
}

// demoDoc parses the built-in demo runbook.
func demoDoc() *runbook.Document {
	doc, err := runbook.Parse("/tmp/demo/acme-api-runbook.md", demo.Source())
	if err != nil {
		panic(err)
	}
	return doc
}

// snapshotOf is the snapshot the model reads for a run of doc with these
// answers and step statuses (Stale: it finished with other content).
func snapshotOf(doc *runbook.Document, answers map[string]journal.Answer, status map[string]journal.Status) *snapshot {
	st := journal.NewState()
	for q, a := range answers {
		st.Answers[q] = a
	}
	for id, s := range status {
		ss := &journal.StepState{Status: s, Hash: doc.Step(id).Hash}
		if s == journal.Stale {
			ss.Status, ss.Hash = journal.OK, "changed"
		}
		st.Steps[id] = ss
	}
	return newSnapshot(journal.NewView(doc, st, true))
}

// The shell session and background steps: what a test sets in session
// and background; a value typed is recorded in given, a stop in stopped.
func (f *fakeEngine) Session() []steps.SessionValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.session)
}

func (f *fakeEngine) Background() []steps.BackgroundStep {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.background)
}

func (f *fakeEngine) StopBackground(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = append(f.stopped, id)
	f.background = slices.DeleteFunc(f.background, func(b steps.BackgroundStep) bool { return b.ID == id })
	return nil
}

func (f *fakeEngine) SetSessionValue(name, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.given == nil {
		f.given = map[string]string{}
	}
	f.given[name] = value
	f.lacking = slices.DeleteFunc(f.lacking, func(m steps.MissingValue) bool { return m.Name == name })
	for i := range f.session {
		if f.session[i].Name == name {
			f.session[i].Missing = false
		}
	}
	return nil
}

// The rest of steps' sessionRunner: the Session asks the TUI about
// outputs and lacking values through it.
func (f *fakeEngine) SeesSession(string) bool { return true }

func (f *fakeEngine) MissingSession() []steps.MissingValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.lacking)
}

func (f *fakeEngine) DropMissingSession() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for _, m := range f.lacking {
		names = append(names, m.Name)
	}
	f.lacking = nil
	return names
}

func (f *fakeEngine) PendingOutputs(step string) []steps.OutputOffer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.offers[step])
}

func (f *fakeEngine) ConfirmOutputs(step string, accept map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.taken == nil {
		f.taken = map[string]map[string]string{}
	}
	f.taken[step] = accept
	delete(f.offers, step)
	return nil
}

func (f *fakeEngine) DropOutputs(step string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.offers, step)
}

func (f *fakeEngine) BackgroundRunning(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asRunning[id]
}

func (f *fakeEngine) StopBackgroundSteps(journal.Status) {}

func (f *fakeEngine) OutputSteps(...string) []string { return nil }
