package steps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Event is what subscribers receive, in order.
type Event struct {
	// Journal is set for a persisted event: it is already on disk (fsynced).
	Journal *journal.Event
	// For output: a masked chunk of a running step's output (not journaled;
	// already written to the attempt's log file when delivered).
	Step    string
	Attempt int
	Output  []byte
}

// Config is what an Engine is opened with.
type Config struct {
	Doc      *runbook.Document
	Registry *Registry
	// StateDir "" → journal.DefaultStateDir(Doc.Path).
	StateDir string
	// Run "" → journal.DefaultRunName(Doc.Path).
	Run    string
	Sets   map[string]string // --set K=V (variables and question ids)
	Values map[string]string // --values FILE
	// Environ is the base of every step's environment and where
	// RUNBOOK_VAR_<NAME> values are looked up; nil → os.Environ().
	Environ    []string
	Sources    map[string]SourceResolver // by scheme; "env" is built in
	Preflights []Preflight               // run once before the first step of this process
	Who, Host  string                    // "" → current user / hostname
	Now        func() time.Time          // nil → time.Now
	// DryRun keeps the journal in memory: nothing is written to the state
	// directory (an existing run is read, not resumed).
	DryRun bool
}

// DoneIfTimeout bounds a done-if check of a step that has no timeout: a
// check that hangs must not hang the run.
const DoneIfTimeout = 5 * time.Minute

// Engine runs the steps of one document, one at a time, journaling every
// event before any subscriber sees it.
//
// Subscribers are called synchronously, one event at a time, in order; they
// must not block long and must not call the Engine's mutating methods.
type Engine struct {
	cfg     Config
	doc     *runbook.Document
	reg     *Registry
	runDir  string
	docDir  string
	w       *journal.Writer
	vars    *Vars
	environ []string
	now     func() time.Time
	who     string
	host    string

	mu        sync.Mutex // guards state, edits, journaled, vars
	state     *journal.State
	edits     map[string]string // this process's edited commands, unmasked
	journaled map[string]string // variable → value (or source for secrets) last journaled

	emitMu  sync.Mutex      // one event at a time, in order
	held    []journal.Event // written, not yet synced nor shown (recordHeld)
	subMu   sync.Mutex
	subs    map[int]func(Event)
	nextSub int

	runMu     sync.Mutex // one step at a time
	preflight bool       // preflights passed in this process
	masks     maskCache  // the secrets compiled for masking
}

// Open starts a new run of cfg.Doc, or resumes its unfinished run of the
// same name. A finished run of the same name is kept under a dated name
// (<run>.<started>) and a new run starts, so that running a doc again runs
// it again.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Doc == nil {
		return nil, errors.New("open run: no document")
	}
	if cfg.Registry == nil {
		return nil, errors.New("open run: no executor registry")
	}
	e := &Engine{
		cfg:       cfg,
		doc:       cfg.Doc,
		reg:       cfg.Registry,
		environ:   cfg.Environ,
		now:       cfg.Now,
		who:       cfg.Who,
		host:      cfg.Host,
		edits:     map[string]string{},
		journaled: map[string]string{},
		subs:      map[int]func(Event){},
	}
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
	e.docDir = filepath.Dir(abs)
	stateDir := cfg.StateDir
	if stateDir == "" {
		stateDir = journal.DefaultStateDir(abs)
	}
	run := cfg.Run
	if run == "" {
		run = journal.DefaultRunName(cfg.Doc.Path)
	}
	if err := journal.CheckRunName(run); err != nil {
		return nil, fmt.Errorf("open run: %w", err)
	}
	e.runDir = journal.RunDir(stateDir, run)

	events, st, err := journal.Load(e.runDir)
	exists := err == nil
	switch {
	case errors.Is(err, journal.ErrNoJournal):
		events, st = nil, journal.NewState()
	case err != nil:
		return nil, fmt.Errorf("open run %s: %w", run, err)
	}
	if len(events) > 0 && st.Finished && !cfg.DryRun {
		if err := archive(e.runDir, st.Started); err != nil {
			return nil, fmt.Errorf("open run %s: %w", run, err)
		}
		events, st, exists = nil, journal.NewState(), false
	}
	if len(events) > 0 && otherDoc(st.Doc, abs) {
		// Runs are named after the file name only: infra/deploy.md and
		// app/deploy.md under one --state-dir, or deploy.md beside
		// deploy.txt, would share a run, and one doc's finished steps
		// would count as done for the other.
		return nil, &runbook.Error{Path: cfg.Doc.Path, Err: fmt.Errorf("run %s (%s) is the run of %s, not of this doc; give this doc a run of its own with --run NAME", run, e.runDir, st.Doc)}
	}
	e.state = st
	switch {
	case cfg.DryRun:
		e.w = journal.Memory(e.runDir, st.Seq)
	case !exists:
		if e.w, err = journal.Create(e.runDir); err != nil {
			return nil, fmt.Errorf("open run %s: %w", run, err)
		}
	default:
		// Also a journal with no event yet: the program died right after
		// creating it.
		if e.w, err = journal.Open(e.runDir); err != nil {
			return nil, fmt.Errorf("open run %s: %w", run, err)
		}
	}
	e.w.SetClock(e.now)
	fail := func(err error) (*Engine, error) {
		e.w.Close()
		return nil, fmt.Errorf("open run %s: %w", run, err)
	}

	saved := map[string]string{}
	for name, v := range st.Vars {
		if !v.Secret {
			saved[name] = v.Value
			e.journaled[name] = v.Value
		}
	}
	if e.vars, err = NewVars(VarsConfig{
		Doc: cfg.Doc, Sets: cfg.Sets, Values: cfg.Values, Environ: e.environ,
		Saved: saved, Sources: cfg.Sources,
	}); err != nil {
		e.w.Close()
		return nil, err
	}

	if len(events) == 0 {
		_, err = e.record(journal.Event{Type: journal.RunStarted, Run: run, Doc: abs, DocHash: cfg.Doc.Hash, Who: e.who, Host: e.host})
	} else {
		_, err = e.record(journal.Event{Type: journal.RunResumed, DocHash: cfg.Doc.Hash, Who: e.who, Host: e.host})
	}
	if err != nil {
		return fail(err)
	}
	// A step still running in the journal was running when the program
	// died: say so in the journal rather than leave it running forever.
	for _, id := range sortedKeys(st.Steps) {
		ss := st.Steps[id]
		if ss.Status != journal.Running {
			continue
		}
		n := 0
		if len(ss.Attempts) > 0 {
			n = ss.Attempts[len(ss.Attempts)-1].N
		}
		if _, err := e.record(journal.Event{Type: journal.StepFinished, Step: id, Attempt: n, Status: journal.Interrupted,
			Error: "runbook stopped while the step was running"}); err != nil {
			return fail(err)
		}
	}
	// Answers given on the command line are recorded like any other.
	for _, src := range []map[string]string{cfg.Values, cfg.Sets} {
		for _, q := range sortedKeys(src) {
			if cfg.Doc.Question(q) == nil || src[q] == "" {
				continue
			}
			if a, ok := e.stateAnswer(q); ok && a.Value == src[q] {
				continue
			}
			if err := e.Answer(q, src[q]); err != nil {
				return fail(err)
			}
		}
	}
	return e, nil
}

// otherDoc reports whether a run started on doc ran, a file that still
// exists and is not the file at abs. A doc that was moved or renamed
// (nothing left at the old path) keeps its run.
func otherDoc(ran, abs string) bool {
	if ran == "" || ran == abs {
		return false
	}
	old, err := os.Stat(ran)
	if err != nil {
		return false
	}
	cur, err := os.Stat(abs)
	return err == nil && !os.SameFile(old, cur)
}

func archive(runDir string, started time.Time) error {
	base := runDir + "." + started.UTC().Format("20060102T150405Z")
	dst := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dst = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(runDir, dst); err != nil {
		return fmt.Errorf("keep finished run: %w", err)
	}
	return nil
}

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
func (e *Engine) Subscribe(fn func(Event)) (unsubscribe func()) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = fn
	return func() {
		e.subMu.Lock()
		defer e.subMu.Unlock()
		delete(e.subs, id)
	}
}

func (e *Engine) deliver(ev Event) {
	e.subMu.Lock()
	ids := sortedInts(e.subs)
	fns := make([]func(Event), 0, len(ids))
	for _, id := range ids {
		fns = append(fns, e.subs[id])
	}
	e.subMu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

func sortedInts[V any](m map[int]V) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// record journals an event (written and synced), folds it into the state,
// then shows it to subscribers: nothing is shown that is not on disk.
// Events held by recordHeld are synced with it and shown first.
func (e *Engine) record(ev journal.Event) (journal.Event, error) {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	ev, err := e.w.Append(ev)
	if err != nil {
		return ev, err
	}
	e.show(append(e.held, ev)...)
	e.held = nil
	return ev, nil
}

// recordHeld writes an event without syncing it and holds it back: it is
// shown (and enters the state) with the next recorded event, or at Flush.
// A step's end and the next step's start then cost one disk sync.
func (e *Engine) recordHeld(ev journal.Event) (journal.Event, error) {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	ev, err := e.w.AppendUnsynced(ev)
	if err != nil {
		return ev, err
	}
	e.held = append(e.held, ev)
	return ev, nil
}

// recordOverlapped writes ev after the held events and syncs them all in
// the background, showing them once the sync is done. emitMu stays locked
// until then, so nothing — a step's output above all — is shown before
// them. The caller starts the step's process meanwhile, overlapping the
// sync with the process start-up: the event is already written, so a
// kill -9 of runbook cannot lose it, and nothing is shown that is not on
// disk. The returned channel gives the sync's outcome.
func (e *Engine) recordOverlapped(ev journal.Event) (<-chan error, error) {
	e.emitMu.Lock()
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	ev, err := e.w.AppendUnsynced(ev)
	if err != nil {
		e.emitMu.Unlock()
		return nil, err
	}
	e.held = append(e.held, ev)
	synced := make(chan error, 1)
	go func() {
		defer e.emitMu.Unlock()
		err := e.w.Sync()
		if err == nil {
			e.show(e.held...)
			e.held = nil
		}
		synced <- err
	}()
	return synced, nil
}

// Flush syncs and shows the events held back by a Run with
// RunOptions.Hold. Call it before showing anything else.
func (e *Engine) Flush() error {
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	if len(e.held) == 0 {
		return nil
	}
	if err := e.w.Sync(); err != nil {
		return err
	}
	e.show(e.held...)
	e.held = nil
	return nil
}

// show folds synced events into the state and delivers them; emitMu held.
func (e *Engine) show(evs ...journal.Event) {
	e.mu.Lock()
	for _, ev := range evs {
		e.state.Apply(ev)
	}
	e.mu.Unlock()
	for i := range evs {
		e.deliver(Event{Journal: &evs[i]})
	}
}

// Doc is the document being run.
func (e *Engine) Doc() *runbook.Document { return e.doc }

// RunDir is the run's directory (journal and logs).
func (e *Engine) RunDir() string { return e.runDir }

// State is a copy of the run's state, safe to keep.
func (e *Engine) State() *journal.State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state.Clone()
}

func (e *Engine) stateAnswer(q string) (journal.Answer, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.state.Answers[q]
	return a, ok
}

// StepStatus is the step's status in this run: Pending if never touched,
// Stale if it finished but its content changed since (until re-run or
// Accept).
func (e *Engine) StepStatus(id string) journal.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stepStatus(id)
}

func (e *Engine) stepStatus(id string) journal.Status {
	ss, ok := e.state.Steps[id]
	if !ok {
		return journal.Pending
	}
	if st := e.doc.Step(id); st != nil && ss.Status.Finished() && ss.Hash != "" && ss.Hash != st.Hash {
		return journal.Stale
	}
	return ss.Status
}

// placeholdersOf are the values a step needs: its own placeholders, and for
// SQL steps those of the connection.
func (e *Engine) placeholdersOf(st *runbook.Step) []string {
	names := slices.Clone(st.Placeholders)
	if st.Kind == runbook.KindSQL && e.doc.FrontMatter != nil && e.doc.FrontMatter.MySQL != nil {
		runbook.ScanPlaceholders(e.doc.FrontMatter.MySQL.DSN, func(name string, _, _ int) {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		})
	}
	return names
}

// Missing lists the placeholders of a step (of every step when stepID is
// "") that have no value yet and no source to fetch one from: the UI must
// ask for them (and SetVar).
func (e *Engine) Missing(stepID string) []string {
	var stepsToCheck []*runbook.Step
	if stepID == "" {
		stepsToCheck = e.doc.Steps
	} else if st := e.doc.Step(stepID); st != nil {
		stepsToCheck = []*runbook.Step{st}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var missing []string
	for _, st := range stepsToCheck {
		if st.Kind == runbook.KindManual {
			continue
		}
		for _, name := range e.placeholdersOf(st) {
			if _, _, ok := e.vars.Peek(name); ok || e.vars.HasSource(name) || slices.Contains(missing, name) {
				continue
			}
			missing = append(missing, name)
		}
	}
	return missing
}

// CheckValues validates every value already known for the given steps
// (all steps when ids is empty) against its pattern, and that it can be
// substituted safely where each step not yet finished uses it, so that a
// bad --set fails before the first step runs rather than halfway.
func (e *Engine) CheckValues(ids ...string) error {
	var errs []error
	seen := map[string]bool{}
	var check []*runbook.Step
	e.mu.Lock()
	for _, st := range e.doc.Steps {
		if len(ids) > 0 && !slices.Contains(ids, st.ID) {
			continue
		}
		check = append(check, st)
		for _, name := range e.placeholdersOf(st) {
			if seen[name] {
				continue
			}
			seen[name] = true
			if val, src, ok := e.vars.Peek(name); ok {
				if err := e.vars.Validate(name, val); err != nil {
					errs = append(errs, fmt.Errorf("%w (from %s)", err, src))
				}
			}
		}
	}
	e.mu.Unlock()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, st := range check {
		if err := e.checkSubstitution(st); err != nil {
			return err // one line: FILE:LINE: step ID: value for <x> …
		}
	}
	return nil
}

// checkSubstitution substitutes the values known now into a step's command
// and done-if exactly as Run will, without running or journaling anything:
// a value that no quoting makes safe where the step uses it (arithmetic, a
// heredoc delimiter, a bare SQL word) must stop the run before its first
// step, not after the steps before this one have changed things. A step
// that needs a value not known yet (a source fetched when the step runs)
// is left to Run.
func (e *Engine) checkSubstitution(st *runbook.Step) error {
	if st.Kind == runbook.KindManual || e.StepStatus(st.ID).Finished() {
		return nil
	}
	vals := map[string]Value{}
	e.mu.Lock()
	for _, name := range e.placeholdersOf(st) {
		v, _, ok := e.vars.Peek(name)
		if !ok {
			e.mu.Unlock()
			return nil
		}
		vals[name] = Value{Text: v, Secret: e.vars.Secret(name), Pattern: e.vars.Pattern(name)}
	}
	e.mu.Unlock()
	code, err := e.command(st, false)
	if err != nil {
		return err
	}
	if _, err := Fill(st, code, vals); err != nil {
		return &runbook.Error{Path: e.doc.Path, Line: st.Line, Err: fmt.Errorf("step %s: %w", st.ID, err)}
	}
	if st.Attrs.DoneIf != "" {
		if _, err := Fill(DoneIfStep(st), st.Attrs.DoneIf, vals); err != nil {
			return &runbook.Error{Path: e.doc.Path, Line: st.Line, Err: fmt.Errorf("step %s: done-if: %w", st.ID, err)}
		}
	}
	return nil
}

// Var returns a variable's value if one is known without fetching it.
func (e *Engine) Var(name string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, _, ok := e.vars.Peek(name)
	return v, ok
}

// VarSource says where a variable's value comes from (FromNone if unknown).
func (e *Engine) VarSource(name string) VarSource {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, src, _ := e.vars.Peek(name)
	return src
}

// VarPrompt is the variable's declared prompt, or "".
func (e *Engine) VarPrompt(name string) string { return e.vars.Prompt(name) }

// IsSecret reports whether a variable's value is masked and never stored.
func (e *Engine) IsSecret(name string) bool { return e.vars.Secret(name) }

// SetVar gives a variable a value for this run (a prompt answer, an edit in
// the UI). It is validated against the variable's pattern and journaled;
// a secret's value never is, only the fact that it was given.
func (e *Engine) SetVar(name, value string) error {
	e.mu.Lock()
	err := e.vars.Set(name, value)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	return e.journalVar(name, value, "prompt")
}

func (e *Engine) journalVar(name, value, source string) error {
	secret := e.vars.Secret(name)
	key := value
	if secret {
		key = "\x00secret:" + source
	}
	e.mu.Lock()
	prev, done := e.journaled[name]
	e.mu.Unlock()
	if done && prev == key {
		return nil
	}
	ev := journal.Event{Type: journal.VariableSet, Name: name, Secret: secret, Source: source}
	if !secret {
		ev.Value = value
	}
	if _, err := e.record(ev); err != nil {
		return err
	}
	e.mu.Lock()
	e.journaled[name] = key
	e.mu.Unlock()
	return nil
}

// secrets are the secret values known so far, for masking.
func (e *Engine) secrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, name := range e.vars.Names() {
		if !e.vars.Secret(name) {
			continue
		}
		if v, _, ok := e.vars.Peek(name); ok && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// mask hides every known secret in s.
func (e *Engine) mask(s string) string { return e.masks.get(e.secrets()).String(s) }

// resolve fetches the values a step needs, journaling those not yet
// journaled. Every missing value is named in one error. Without fetch, a
// value that only a source could give stands as Mask (a preview shows
// secrets masked anyway, and must not reach out to AWS before the guard).
func (e *Engine) resolve(ctx context.Context, st *runbook.Step, fetch bool) (map[string]Value, error) {
	vals := map[string]Value{}
	var missing []string
	for _, name := range e.placeholdersOf(st) {
		e.mu.Lock()
		_, _, known := e.vars.Peek(name)
		if !fetch && !known && e.vars.HasSource(name) {
			e.mu.Unlock()
			vals[name] = Value{Secret: true} // shown as Mask; empty goes anywhere
			continue
		}
		v, src, err := e.vars.Resolve(ctx, name)
		e.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if src == FromNone {
			missing = append(missing, "<"+name+">")
			continue
		}
		source := src.String()
		if src == FromSource {
			source = strings.SplitN(e.vars.decl[name].Source, ":", 2)[0]
		}
		if err := e.journalVar(name, v, source); err != nil {
			return nil, err
		}
		vals[name] = Value{Text: v, Secret: e.vars.Secret(name), Pattern: e.vars.Pattern(name)}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("step %s: no value for %s", st.ID, strings.Join(missing, ", "))
	}
	return vals, nil
}

// command is the text a step runs: its code, or the command edited for
// this run (by an earlier process: its secrets restored, see edits.go).
func (e *Engine) command(st *runbook.Step, forRun bool) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.edits[st.ID]; ok {
		return c, nil
	}
	if ss := e.state.Steps[st.ID]; ss != nil && ss.Command != "" {
		return restoreEdit(st.ID, ss, e.editLookup(forRun))
	}
	return st.Code, nil
}

// Preview is the exact final command of a step, secrets masked.
func (e *Engine) Preview(stepID string) (string, error) {
	st := e.doc.Step(stepID)
	if st == nil {
		return "", fmt.Errorf("unknown step %q", stepID)
	}
	if st.Kind == runbook.KindManual {
		return st.Code, nil
	}
	cmd, err := e.command(st, false)
	if err != nil {
		return "", err
	}
	return e.preview(st, cmd, "")
}

// PreviewDoneIf is the exact final done-if command of a step, secrets
// masked, or "" when the step has none: a dry run shows it filled in as
// Run will execute it, not with its placeholders.
func (e *Engine) PreviewDoneIf(stepID string) (string, error) {
	st := e.doc.Step(stepID)
	if st == nil {
		return "", fmt.Errorf("unknown step %q", stepID)
	}
	if st.Kind == runbook.KindManual || st.Attrs.DoneIf == "" {
		return "", nil
	}
	return e.preview(DoneIfStep(st), st.Attrs.DoneIf, "done-if: ")
}

func (e *Engine) preview(st *runbook.Step, code, what string) (string, error) {
	vals, err := e.resolve(context.Background(), st, false)
	if err != nil {
		return "", err
	}
	filled, err := Fill(st, code, vals)
	if err != nil {
		return "", fmt.Errorf("step %s: %s%w", st.ID, what, err)
	}
	return e.mask(filled.Display), nil
}

// RunOptions are per-run choices of the UI.
type RunOptions struct {
	// Terminal is handed to interactive steps.
	Terminal *os.File
	// Hold is for a caller that runs another step right away: the
	// step-finished event is written but synced and shown only with the
	// next event (or at Flush), saving one disk sync per step. The caller
	// must Flush before showing anything of its own.
	Hold bool
}

// ErrBusy is returned when a step is asked to run while another runs.
var ErrBusy = errors.New("another step is running")

func (e *Engine) runPreflights(ctx context.Context) error {
	if e.preflight {
		return nil
	}
	for _, p := range e.cfg.Preflights {
		if err := p(ctx); err != nil {
			return err
		}
	}
	e.preflight = true
	return nil
}

// Run executes one step (a new attempt) and returns its status. A step that
// fails is not an error: err is for a step that could not be run at all
// (missing values, no executor, a preflight refusal, the journal failing).
func (e *Engine) Run(ctx context.Context, stepID string, opt RunOptions) (journal.Status, error) {
	if !e.runMu.TryLock() {
		return e.StepStatus(stepID), ErrBusy
	}
	defer e.runMu.Unlock()
	st := e.doc.Step(stepID)
	if st == nil {
		return journal.Pending, fmt.Errorf("unknown step %q", stepID)
	}
	status := e.StepStatus(stepID)
	if st.Kind == runbook.KindManual {
		return status, fmt.Errorf("step %s is manual: a person does it and marks it done", stepID)
	}
	if !e.w.Persistent() {
		return status, fmt.Errorf("step %s: dry run: nothing is executed", stepID)
	}
	ex, err := e.reg.For(st.Kind)
	if err != nil {
		return status, fmt.Errorf("step %s: %w", stepID, err)
	}
	if err := ctx.Err(); err != nil {
		return status, err
	}
	// Preflights first: the AWS guard must pass before any secret is
	// fetched from AWS.
	if err := e.runPreflights(ctx); err != nil {
		return status, err
	}
	vals, err := e.resolve(ctx, st, true)
	if err != nil {
		return status, err
	}
	if err := e.fetchEditSecrets(ctx, stepID); err != nil {
		return status, err
	}
	code, err := e.command(st, true)
	if err != nil {
		return status, err
	}
	cmd, err := Fill(st, code, vals)
	if err != nil {
		return status, fmt.Errorf("step %s: %w", stepID, err)
	}
	dir, err := e.stepDir(st, vals)
	if err != nil {
		return status, err
	}
	env := Export(e.environ, e.exported(vals))
	secrets := e.secrets()
	masks := e.masks.get(secrets)

	e.mu.Lock()
	attempt := 1
	if ss := e.state.Steps[stepID]; ss != nil && len(ss.Attempts) > 0 {
		attempt = ss.Attempts[len(ss.Attempts)-1].N + 1
	}
	e.mu.Unlock()
	started := journal.Event{Type: journal.StepStarted, Step: stepID, Attempt: attempt, Hash: st.Hash, Command: masks.String(cmd.Display)}
	var doneIf Filled
	if st.Attrs.DoneIf != "" {
		if doneIf, err = Fill(DoneIfStep(st), st.Attrs.DoneIf, vals); err != nil {
			return status, fmt.Errorf("step %s: done-if: %w", stepID, err)
		}
		started.Note = "done-if: " + masks.String(doneIf.Display)
	}
	// In a run of many steps (Hold) the start is synced while the step's
	// process starts; a done-if check or an interactive step waits for it.
	var synced <-chan error
	if opt.Hold && doneIf.Run == "" && !st.Attrs.Interactive {
		if synced, err = e.recordOverlapped(started); err != nil {
			return status, err
		}
	} else if _, err := e.record(started); err != nil {
		return status, err
	}
	t0 := time.Now()
	log := e.w.Log(stepID, attempt)
	finish := func(res Result, status journal.Status) (journal.Status, error) {
		ev := journal.Event{Type: journal.StepFinished, Step: stepID, Attempt: attempt, Status: status,
			DurationMS: time.Since(t0).Milliseconds()}
		if logErr := log.Close(); logErr != nil && res.Err == nil {
			res.Err = logErr
		}
		ev.Log = log.Path()
		if !res.TimedOut && !res.Interrupted && (res.Err == nil || res.ExitCode != 0) {
			code := res.ExitCode
			ev.ExitCode = &code
		}
		switch {
		case res.TimedOut:
			ev.Error = fmt.Sprintf("timed out after %s", st.Attrs.Timeout)
		case res.Err != nil:
			ev.Error = masks.String(res.Err.Error())
		}
		rec := e.record
		if opt.Hold {
			rec = e.recordHeld
		}
		if _, err := rec(ev); err != nil {
			return status, err
		}
		return status, nil
	}

	req := Request{Step: st, Env: env, Dir: dir, Timeout: st.Attrs.Timeout, Secrets: secrets}
	if doneIf.Run != "" {
		// The check's output is kept in the log, not shown: it is noise
		// unless someone wonders why a step was not run.
		check := *DoneIfStep(st)
		check.Code, check.Console, check.Expected = st.Attrs.DoneIf, false, ""
		check.Attrs.Interactive = false
		m := masks.Writer(log)
		dreq := req
		dreq.Step, dreq.Command, dreq.Binds, dreq.Output = &check, doneIf.Run, doneIf.Binds, m
		if dreq.Timeout == 0 {
			dreq.Timeout = DoneIfTimeout
		}
		res := ex.Run(ctx, dreq)
		m.Close()
		switch {
		case res.Interrupted || ctx.Err() != nil:
			return finish(res, journal.Interrupted)
		case res.OK():
			return finish(res, journal.AlreadyDone)
		}
	}
	sink := &outputSink{e: e, log: log, step: stepID, attempt: attempt}
	m := masks.Writer(sink)
	req.Command, req.Binds, req.Output = cmd.Run, cmd.Binds, m
	if st.Attrs.Interactive {
		req.Terminal = opt.Terminal
	}
	res := ex.Run(ctx, req)
	m.Close()
	if synced != nil {
		if err := <-synced; err != nil {
			// The step ran but its start is not safely on disk: stop
			// here rather than go on with a journal that cannot sync.
			return journal.Failed, fmt.Errorf("step %s: journal: %w", stepID, err)
		}
	}
	if sink.err != nil && res.Err == nil {
		res.Err = sink.err
	}
	return finish(res, statusOf(ctx, res))
}

func statusOf(ctx context.Context, res Result) journal.Status {
	switch {
	case res.Interrupted || errors.Is(context.Cause(ctx), ErrInterrupted):
		return journal.Interrupted
	case res.TimedOut:
		return journal.TimedOut
	case res.OK():
		return journal.OK
	case ctx.Err() != nil:
		return journal.Interrupted
	}
	return journal.Failed
}

// outputSink writes a step's (masked) output to its log, then shows it:
// what a subscriber sees is already in the log.
type outputSink struct {
	e       *Engine
	log     *journal.Log
	step    string
	attempt int
	err     error
}

func (s *outputSink) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := s.log.Write(p); err != nil && s.err == nil {
		// Keep the step running (killing it halfway is worse), but fail it.
		s.err = err
	}
	chunk := slices.Clone(p)
	s.e.emitMu.Lock()
	s.e.deliver(Event{Step: s.step, Attempt: s.attempt, Output: chunk})
	s.e.emitMu.Unlock()
	return len(p), nil
}

// exported are the values put in the step's environment: every value
// known without fetching, plus the step's own.
func (e *Engine) exported(vals map[string]Value) map[string]string {
	out := map[string]string{}
	e.mu.Lock()
	for _, name := range e.vars.Names() {
		if v, _, ok := e.vars.Peek(name); ok {
			out[name] = v
		}
	}
	e.mu.Unlock()
	for name, v := range vals {
		out[name] = v.Text
	}
	return out
}

// stepDir is the doc's directory joined with the step's cwd, whose
// placeholders are filled as plain text (it is a path, not shell code).
func (e *Engine) stepDir(st *runbook.Step, vals map[string]Value) (string, error) {
	cwd := st.Attrs.Cwd
	if cwd == "" {
		return e.docDir, nil
	}
	var b strings.Builder
	last := 0
	runbook.ScanPlaceholders(cwd, func(name string, start, end int) {
		if v, ok := vals[name]; ok {
			b.WriteString(cwd[last:start])
			b.WriteString(v.Text)
			last = end
		}
	})
	b.WriteString(cwd[last:])
	dir := b.String()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(e.docDir, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("step %s: cwd %s is not a directory", st.ID, e.mask(dir))
	}
	return dir, nil
}

// Selection says which steps RunAll considers.
type Selection struct {
	From   string   // start at this step ("" = the first)
	Only   []string // only these steps, in doc order (check and skip steps included)
	Checks bool     // include check steps
}

// Plan lists the steps a run-all would consider, in doc order: without
// Only, check steps (unless Checks) and skip steps are left out. Manual
// steps are included: the caller decides what to do with them.
func (e *Engine) Plan(sel Selection) ([]*runbook.Step, error) {
	for _, id := range append(slices.Clone(sel.Only), sel.From) {
		if id != "" && e.doc.Step(id) == nil {
			return nil, fmt.Errorf("unknown step %q", id)
		}
	}
	var out []*runbook.Step
	started := sel.From == ""
	for _, st := range e.doc.Steps {
		if st.ID == sel.From {
			started = true
		}
		switch {
		case !started:
		case len(sel.Only) > 0:
			if slices.Contains(sel.Only, st.ID) {
				out = append(out, st)
			}
		case st.Kind == runbook.KindCheck && !sel.Checks, st.Attrs.Skip:
		default:
			out = append(out, st)
		}
	}
	return out, nil
}

// RunAll runs every remaining step from `from` on, in order: finished
// steps are passed over, stale ones run again, manual steps are left to a
// person (pending), check and skip steps are left out. It stops at the
// first step that does not succeed, unless the step is continue-on-error
// (an interrupted step always stops it). The status is the worst seen.
func (e *Engine) RunAll(ctx context.Context, from string) (journal.Status, error) {
	return e.RunSelection(ctx, Selection{From: from})
}

// RunSelection is RunAll over an explicit selection.
func (e *Engine) RunSelection(ctx context.Context, sel Selection) (journal.Status, error) {
	plan, err := e.Plan(sel)
	if err != nil {
		return journal.Pending, err
	}
	defer e.Flush()
	worst := journal.OK
	for _, st := range plan {
		if st.Kind == runbook.KindManual || e.StepStatus(st.ID).Finished() {
			continue
		}
		status, err := e.Run(ctx, st.ID, RunOptions{Hold: true})
		if err != nil {
			return status, err
		}
		if !status.Finished() {
			worst = status
			if status == journal.Interrupted || !st.Attrs.ContinueOnError {
				return status, nil
			}
		}
	}
	return worst, nil
}

func (e *Engine) step(id string) (*runbook.Step, error) {
	st := e.doc.Step(id)
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
	_, err = e.record(journal.Event{Type: journal.StepSkipped, Step: stepID, Hash: st.Hash, Note: e.mask(note)})
	return err
}

// MarkDone records that a person did the step by hand.
func (e *Engine) MarkDone(stepID, note string) error {
	st, err := e.step(stepID)
	if err != nil {
		return err
	}
	_, err = e.record(journal.Event{Type: journal.StepMarked, Step: stepID, Hash: st.Hash, Note: e.mask(note)})
	return err
}

// EditCommand replaces a step's command for this run only (the doc is not
// changed). The journal keeps the edit masked.
func (e *Engine) EditCommand(stepID, command string) error {
	if _, err := e.step(stepID); err != nil {
		return err
	}
	if _, err := e.record(e.editEvent(stepID, command)); err != nil {
		return err
	}
	e.mu.Lock()
	e.edits[stepID] = command
	e.mu.Unlock()
	return nil
}

// Accept takes a stale step as is: its earlier result stands for the
// step's new content.
func (e *Engine) Accept(stepID string) error {
	st, err := e.step(stepID)
	if err != nil {
		return err
	}
	_, err = e.record(journal.Event{Type: journal.StepAccepted, Step: stepID, Hash: st.Hash})
	return err
}

// Answer records the confirmed answer to a question.
func (e *Engine) Answer(questionID, value string) error {
	if e.doc.Question(questionID) == nil {
		return fmt.Errorf("unknown question %q", questionID)
	}
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("question %s: empty answer", questionID)
	}
	_, err := e.record(journal.Event{Type: journal.AnswerGiven, Question: questionID, Value: e.mask(value), Who: e.who})
	return err
}

// SkipQuestion records that a question is left open for now.
func (e *Engine) SkipQuestion(questionID string) error {
	if e.doc.Question(questionID) == nil {
		return fmt.Errorf("unknown question %q", questionID)
	}
	_, err := e.record(journal.Event{Type: journal.AnswerGiven, Question: questionID, Note: "skipped for now", Who: e.who})
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
	_, err := e.record(journal.Event{Type: journal.NoteAdded, Step: stepID, Note: e.mask(text)})
	return err
}

// Finish closes the run: ok when no step is failed, timed out or
// interrupted, failed otherwise. A finished run is not resumed: the next
// Open starts a new one.
func (e *Engine) Finish() error {
	e.mu.Lock()
	status := journal.OK
	for id := range e.state.Steps {
		if e.doc.Step(id) == nil {
			// A step removed from the doc since it ran (it failed, and
			// was dropped): what the run finished is the doc as it is.
			continue
		}
		switch e.stepStatus(id) {
		case journal.Failed, journal.TimedOut, journal.Interrupted:
			status = journal.Failed
		}
	}
	e.mu.Unlock()
	_, err := e.record(journal.Event{Type: journal.RunFinished, Status: status})
	return err
}

// Close releases the journal. The run stays resumable unless Finish was
// called.
func (e *Engine) Close() error { return errors.Join(e.Flush(), e.w.Close()) }

// RecordIdentity journals the cloud identity a preflight found, so that
// the record says which account the run acted on.
func (e *Engine) RecordIdentity(account, arn, region string) error {
	_, err := e.record(journal.Event{Type: journal.IdentityFound, Account: account, ARN: arn, Region: region})
	return err
}

// Expand fills the placeholders of a text that is neither shell nor SQL (a
// DSN, a path) with plain values, resolved like a step's (sources
// included). A placeholder without a value is an error naming it.
func (e *Engine) Expand(ctx context.Context, text string) (string, error) {
	var names []string
	runbook.ScanPlaceholders(text, func(name string, _, _ int) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	})
	if len(names) == 0 {
		return text, nil
	}
	vals, err := e.resolve(ctx, &runbook.Step{ID: "expand", Placeholders: names}, true)
	if err != nil {
		return "", errors.New(strings.Replace(err.Error(), "step expand: ", "", 1))
	}
	var b strings.Builder
	last := 0
	runbook.ScanPlaceholders(text, func(name string, start, end int) {
		b.WriteString(text[last:start])
		b.WriteString(vals[name].Text)
		last = end
	})
	b.WriteString(text[last:])
	return b.String(), nil
}
