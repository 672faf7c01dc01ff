package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Config is what an Engine is opened with.
type Config struct {
	Doc      *runbook.Document
	Registry *Registry
	// StateDir "" → journal.DefaultStateDir(Doc.Path).
	StateDir string
	// Run is the run's lane (docs/run-model.md); "" → the doc's default,
	// journal.DefaultRunName(Doc.Path).
	Run string
	// NewRun starts the lane's next run even when its latest run is
	// unfinished (which then stays as it is).
	NewRun bool
	Sets   map[string]string // --set K=V (variables and question ids)
	Values map[string]string // --values FILE
	// Environ is the base of every step's environment and where
	// RUNBOOK_VAR_<NAME> values are looked up; nil → os.Environ().
	Environ    []string
	Sources    map[string]SourceResolver // by scheme; "env" is built in
	Preflights []Preflight               // run once before the first step of this process
	Who, Host  string                    // "" → current user / hostname
	Now        func() time.Time          // nil → time.Now
	// Remote is the run's shared state (S3, runbook/state), nil for a
	// state directory: it takes the run's lock before the first event of
	// this process and mirrors every event the journal appends.
	Remote Remote
	// DryRun keeps the journal in memory: nothing is written to the state
	// directory (an existing run is read, not resumed).
	DryRun bool
}

// Remote is a shared state a run is mirrored to (runbook/state.Remote).
type Remote interface {
	// Begin takes the lock of run, whose last event was seq when it was
	// read, for who on host; it returns the journal's mirror and the
	// events to journal first (a take-over).
	Begin(run string, seq int, who, host string) (journal.Mirror, []journal.Event, error)
}

// DoneIfTimeout bounds a done-if check of a step that has no timeout: a
// check that hangs must not hang the run.
const DoneIfTimeout = 5 * time.Minute

// Engine runs the steps of one document, one at a time, journaling every
// event before any subscriber sees it. Its parts: the recorder (journal
// and event bus, recorder.go), the variables (varstore.go), the runner of
// one attempt (runner.go), previews (preview.go) and the engineer's
// actions (actions.go). What runs next is not its business: a Session
// (session.go) decides that.
//
// Subscribers are called synchronously, one event at a time, in order; they
// must not block long and must not call the Engine's mutating methods.
type Engine struct {
	cfg     Config
	reg     *Registry
	doc     atomic.Pointer[runbook.Document]
	docAbs  string
	docDir  string
	opened  Opened
	exists  bool // the run directory has a journal already
	loaded  int  // the journal's last seq when Open read it
	rec     *recorder
	vars    *varStore
	shell   *shellState // the run's shell session
	outputs outputs     // named outputs waiting for the engineer
	bg      background  // steps running in the background
	environ []string
	now     func() time.Time
	who     string
	host    string

	editMu sync.Mutex
	edits  map[string]string // this process's edited commands, unmasked

	fileMu sync.Mutex
	file   fileStamp // the doc file as last read

	runMu      sync.Mutex // one step at a time
	preflights []Preflight
	preflight  bool      // preflights passed in this process
	masks      maskCache // the secrets compiled for masking
	input      stepInput // the running step's terminal input (input.go)
}

// Opened says which run Open picked, for frontends to tell the engineer.
type Opened struct {
	Run  string // the run's full name (<lane>.<n>)
	Dir  string
	Lane string
	// Resume is set when an unfinished run is resumed.
	Resume bool
	// Previous is the lane's latest run when a new run starts after it:
	// it was finished, or the engineer asked for a new run.
	Previous *PreviousRun
}

// PreviousRun is the run a new run follows.
type PreviousRun struct {
	Run      string
	Finished bool
	Status   journal.Status // of a finished run
	Updated  time.Time
}

// Open picks the run of cfg.Doc — the lane's latest run when it is
// unfinished, else the lane's next — and reads it. It has no side effects:
// the journal is created or reopened by the first event recorded, so a run
// refused before it starts leaves nothing behind.
func Open(_ context.Context, cfg Config) (*Engine, error) {
	if cfg.Doc == nil {
		return nil, errors.New("open run: no document")
	}
	if cfg.Registry == nil {
		return nil, errors.New("open run: no executor registry")
	}
	e := &Engine{cfg: cfg, reg: cfg.Registry, environ: cfg.Environ, now: cfg.Now, who: cfg.Who, host: cfg.Host,
		edits: map[string]string{}, preflights: cfg.Preflights}
	e.doc.Store(cfg.Doc)
	if e.environ == nil {
		e.environ = os.Environ()
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.who == "" {
		e.who = currentUser(e.environ)
	}
	if e.host == "" {
		e.host, _ = os.Hostname()
	}
	abs, err := filepath.Abs(cfg.Doc.Path)
	if err != nil {
		return nil, fmt.Errorf("open run: %w", err)
	}
	e.docAbs, e.docDir = abs, filepath.Dir(abs)
	stateDir := cfg.StateDir
	if stateDir == "" {
		stateDir = journal.DefaultStateDir(abs)
	}
	st, err := e.pick(stateDir)
	if err != nil {
		return nil, err
	}
	e.loaded = st.Seq
	saved, journaled, outs := map[string]string{}, map[string]string{}, map[string]string{}
	for name, v := range st.Vars {
		if !v.Secret {
			saved[name] = v.Value
			journaled[name] = v.Value
		}
	}
	for name, o := range st.Outputs {
		if !o.Secret {
			outs[name] = o.Value
		}
	}
	vars, err := NewVars(VarsConfig{Doc: cfg.Doc, Sets: cfg.Sets, Values: cfg.Values, Environ: e.environ,
		Saved: saved, Outputs: outs, Sources: cfg.Sources})
	if err != nil {
		return nil, err
	}
	e.vars = newVarStore(vars, journaled)
	e.shell = newShellState(st)
	// --set NAME=… gives a session value a resumed run lacks (a secret).
	for _, m := range e.MissingSession() {
		if v, ok := cfg.Sets[m.Name]; ok && !m.Func {
			if err := e.SetSessionValue(m.Name, v); err != nil {
				return nil, &InputError{fmt.Errorf("--set %s: %w", m.Name, err)}
			}
		}
	}
	e.rec = newRecorder(st, e.now)
	e.rec.begin, e.rec.reopen = e.begin, e.resumedEvent
	e.rec.preview = e.setAnswers(st)
	e.file = stampFile(abs)
	return e, nil
}

// AddPreflight adds a check run once before the first step (the AWS
// guard): the composition root builds it from the opened engine, whose
// values and journal it uses. Call it before anything runs.
func (e *Engine) AddPreflight(p Preflight) { e.preflights = append(e.preflights, p) }

func currentUser(environ []string) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "USER="); ok {
			return v
		}
	}
	return "unknown"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Subscribe adds a subscriber; it receives every event from now on.
func (e *Engine) Subscribe(fn func(Event)) (unsubscribe func()) { return e.rec.bus.subscribe(fn) }

// Doc is the document being run (the latest version read, see Reload).
func (e *Engine) Doc() *runbook.Document { return e.doc.Load() }

// RunDir is the run's directory (journal and logs).
func (e *Engine) RunDir() string { return e.opened.Dir }

// Opened says which run Open picked and why.
func (e *Engine) Opened() Opened { return e.opened }

// State is a copy of the run's state, safe to keep.
func (e *Engine) State() *journal.State {
	st, _ := e.rec.snapshot()
	return st
}

// View is the run as every frontend shows it (journal.RunView).
func (e *Engine) View() *journal.RunView {
	st, begun := e.rec.snapshot()
	return journal.NewView(e.Doc(), st, begun)
}

// StepStatus is the step's effective status in this run
// (journal.EffectiveStatus): Pending if never touched, Stale if it
// finished but its content changed since (until re-run or Accept).
func (e *Engine) StepStatus(id string) journal.Status {
	step := e.Doc().Step(id)
	var status journal.Status
	e.rec.read(func(st *journal.State, begun bool) {
		status, _ = journal.EffectiveStatus(step, st.Steps[id], begun)
	})
	return status
}

// Flush syncs and shows the events held back by a Run with
// RunOptions.Hold. Call it before showing anything else.
func (e *Engine) Flush() error { return e.rec.flush() }

// Close stops the steps running in the background (journaled
// interrupted: a resumed run offers to start them again) and releases the
// journal. The run stays resumable unless it was finished.
func (e *Engine) Close() error {
	e.StopBackgroundSteps(journal.Interrupted)
	return e.rec.close()
}

// Var returns a variable's value if one is known without fetching it.
func (e *Engine) Var(name string) (string, bool) {
	v, _, ok := e.vars.peek(name)
	return v, ok
}

// VarSource says where a variable's value comes from (FromNone if unknown).
func (e *Engine) VarSource(name string) VarSource {
	_, src, _ := e.vars.peek(name)
	return src
}

// VarPrompt is the variable's declared prompt, or "".
func (e *Engine) VarPrompt(name string) string { return e.vars.prompt(name) }

// IsSecret reports whether a variable's value is masked and never stored.
func (e *Engine) IsSecret(name string) bool { return e.vars.secret(name) }

// SetVar gives a variable a value for this run (a prompt answer, an edit in
// the UI). It is validated against the variable's pattern and journaled;
// a secret's value never is, only the fact that it was given.
func (e *Engine) SetVar(name, value string) error {
	if err := e.vars.set(name, value); err != nil {
		return err
	}
	return e.journalVar(name, resolved{value: value, src: FromRun, source: "prompt", secret: e.vars.secret(name)})
}

// journalVar records a value used in this run, once per value.
func (e *Engine) journalVar(name string, r resolved) error {
	key := journalKey(r)
	if !e.vars.needsJournal(name, key) {
		return nil
	}
	ev := journal.Event{Type: journal.VariableSet, Name: name, Secret: r.secret, Source: r.source}
	if !r.secret {
		ev.Value = r.value
	}
	if _, err := e.rec.record(ev); err != nil {
		return err
	}
	e.vars.markJournaled(name, key)
	return nil
}

// mask hides every known secret, in every form, in s.
func (e *Engine) mask(s string) string { return e.masks.get(e.secrets()).String(s) }

// RecordIdentity journals the cloud identity a preflight found, so that
// the record says which account the run acted on.
func (e *Engine) RecordIdentity(account, arn, region string) error {
	_, err := e.rec.record(journal.Event{Type: journal.IdentityFound, Account: account, ARN: arn, Region: region})
	return err
}
