package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/mask"
)

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
	for _, p := range e.preflights {
		if err := p(ctx); err != nil {
			return err
		}
	}
	e.preflight = true
	return nil
}

// attempt is one execution of a step being prepared and run.
type attempt struct {
	st      *runbook.Step
	n       int
	cmd     Filled // the command, values filled in
	doneIf  Filled // the done-if check, values filled in (Run "" for none)
	readyIf Filled // a background step's ready-if, values filled in
	req     Request
	secrets []string
	masks   *mask.Set              // the secrets compiled
	session *journal.SessionChange // what it changed in the session, as journaled
	t0      time.Time
	log     *journal.Log
	hold    bool
}

// Run executes one step (a new attempt) and returns its status. A step that
// fails is not an error: err is for a step that could not be run at all
// (missing values, no executor, a preflight refusal, the journal failing).
func (e *Engine) Run(ctx context.Context, stepID string, opt RunOptions) (journal.Status, error) {
	if !e.runMu.TryLock() {
		return e.StepStatus(stepID), ErrBusy
	}
	defer e.runMu.Unlock()
	st := e.Doc().Step(stepID)
	if st == nil {
		return journal.Pending, fmt.Errorf("unknown step %q", stepID)
	}
	status := e.StepStatus(stepID)
	if st.Kind == runbook.KindManual {
		return status, fmt.Errorf("step %s is manual: a person does it and marks it done", stepID)
	}
	if e.cfg.DryRun {
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
	a, err := e.prepare(ctx, st, opt)
	if err != nil {
		return status, err
	}
	synced, err := e.recordStart(a, opt)
	if err != nil {
		return status, err
	}
	a.t0, a.log = time.Now(), e.rec.log(stepID, a.n)
	if a.doneIf.Run != "" {
		if res, done := e.checkDoneIf(ctx, ex, a); done {
			return e.finish(a, res, doneIfStatus(ctx, res))
		}
	}
	sink := &outputSink{rec: e.rec, log: a.log, step: stepID, attempt: a.n}
	if runsInBackground(st) {
		req := a.req
		req.Command, req.Binds, req.Output = a.cmd.Run, a.cmd.Binds, sink
		return e.runBackground(ctx, ex, a, req)
	}
	m := a.masks.Writer(sink)
	req := a.req
	req.Command, req.Binds, req.Output = a.cmd.Run, a.cmd.Binds, m
	if st.Attrs.Interactive {
		req.Terminal = opt.Terminal
	}
	detach := e.attachInput(&req, stepID, a.n)
	res := ex.Run(ctx, req)
	detach()
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
	status = statusOf(ctx, res)
	if err := e.keep(a, res, status); err != nil {
		return status, err
	}
	return e.finish(a, res, status)
}

// keep takes in what an attempt left: its changes to the shell session
// and its named outputs (offered to the engineer only when it succeeded),
// with notes on what could not be kept.
func (e *Engine) keep(a *attempt, res Result, status journal.Status) error {
	a.session = e.capture(a.st.ID, res.Session)
	notes := res.SessionNotes
	if status == journal.Interrupted || status == journal.TimedOut {
		notes = nil // a shell stopped halfway lists nothing: no news
	}
	if status == journal.OK {
		notes = append(notes, e.offerOutputs(a.st, a.n, res.Outputs)...)
	} else {
		e.DropOutputs(a.st.ID)
	}
	for _, n := range notes {
		if err := e.Note(a.st.ID, n); err != nil {
			return err
		}
	}
	return nil
}

// prepare resolves the values of an attempt and fills them in.
func (e *Engine) prepare(ctx context.Context, st *runbook.Step, opt RunOptions) (*attempt, error) {
	vals, err := e.resolve(ctx, st, true)
	if err != nil {
		return nil, err
	}
	if err := e.fetchEditSecrets(ctx, st.ID); err != nil {
		return nil, err
	}
	code, err := e.command(st, true)
	if err != nil {
		return nil, err
	}
	a := &attempt{st: st, hold: opt.Hold}
	if a.cmd, err = Fill(st, code, vals); err != nil {
		return nil, fmt.Errorf("step %s: %w", st.ID, err)
	}
	if st.Attrs.DoneIf != "" {
		if a.doneIf, err = Fill(DoneIfStep(st), st.Attrs.DoneIf, vals); err != nil {
			return nil, fmt.Errorf("step %s: done-if: %w", st.ID, err)
		}
	}
	if st.Attrs.ReadyIf != "" && runsInBackground(st) {
		if a.readyIf, err = Fill(DoneIfStep(st), st.Attrs.ReadyIf, vals); err != nil {
			return nil, fmt.Errorf("step %s: ready-if: %w", st.ID, err)
		}
	}
	dir, err := e.stepDir(st, vals)
	if err != nil {
		return nil, err
	}
	a.secrets = e.secrets()
	a.masks = e.masks.get(a.secrets)
	a.req = Request{Step: st, Env: Export(e.environ, e.exported(vals)), Dir: dir, Timeout: st.Attrs.Timeout, Secrets: a.secrets,
		Session: e.sessionFor(st, true)}
	// A step's named outputs ($RUNBOOK_OUTPUT): shell steps of its own
	// (not a check, not one in the background).
	a.req.Outputs = st.Kind == runbook.KindShell && !st.Attrs.Background
	a.n = 1
	e.rec.read(func(s *journal.State, _ bool) {
		if ss := s.Steps[st.ID]; ss != nil && len(ss.Attempts) > 0 {
			a.n = ss.Attempts[len(ss.Attempts)-1].N + 1
		}
	})
	return a, nil
}

// recordStart journals the attempt's start with the exact command
// (masked). In a run of many steps (Hold) the start is synced while the
// step's process starts (recorder.recordOverlapped); a done-if check or an
// interactive step waits for it.
func (e *Engine) recordStart(a *attempt, opt RunOptions) (<-chan error, error) {
	started := journal.Event{Type: journal.StepStarted, Step: a.st.ID, Attempt: a.n, Hash: a.st.Hash,
		Command: a.masks.String(a.cmd.Display)}
	if a.doneIf.Run != "" {
		started.Note = "done-if: " + a.masks.String(a.doneIf.Display)
	}
	if runsInBackground(a.st) {
		started.Background = true
		a.hold = false // its end comes whenever it comes
	}
	if opt.Hold && a.doneIf.Run == "" && !a.st.Attrs.Interactive && !started.Background {
		return e.rec.recordOverlapped(started)
	}
	_, err := e.rec.record(started)
	return nil, err
}

// checkDoneIf runs the step's done-if check. Its output is kept in the
// log, not shown: it is noise unless someone wonders why a step was not
// run. done is set when the attempt ends here (the work is done, or the
// check was interrupted).
func (e *Engine) checkDoneIf(ctx context.Context, ex Executor, a *attempt) (Result, bool) {
	check := *DoneIfStep(a.st)
	check.Code, check.Console, check.Expected = a.st.Attrs.DoneIf, false, ""
	check.Attrs.Interactive = false
	m := a.masks.Writer(a.log)
	req := a.req
	req.Step, req.Command, req.Binds, req.Output = &check, a.doneIf.Run, a.doneIf.Binds, m
	req.Outputs = false
	if req.Session != nil {
		// It sees the session (a done-if testing $VPC_ID sees the value
		// captured); what it changes is not kept.
		req.Session = e.sessionFor(a.st, false)
	}
	if req.Timeout == 0 {
		req.Timeout = DoneIfTimeout
	}
	res := ex.Run(ctx, req)
	m.Close()
	return res, res.Interrupted || ctx.Err() != nil || res.OK()
}

func doneIfStatus(ctx context.Context, res Result) journal.Status {
	if res.Interrupted || ctx.Err() != nil {
		return journal.Interrupted
	}
	return journal.AlreadyDone
}

// finish closes the attempt's log and journals its end.
func (e *Engine) finish(a *attempt, res Result, status journal.Status) (journal.Status, error) {
	ev := journal.Event{Type: journal.StepFinished, Step: a.st.ID, Attempt: a.n, Status: status,
		DurationMS: time.Since(a.t0).Milliseconds(), Session: a.session}
	if logErr := a.log.Close(); logErr != nil && res.Err == nil {
		res.Err = logErr
	}
	ev.Log = a.log.Path()
	if !res.TimedOut && !res.Interrupted && (res.Err == nil || res.ExitCode != 0) {
		code := res.ExitCode
		ev.ExitCode = &code
	}
	switch {
	case res.TimedOut:
		ev.Error = fmt.Sprintf("timed out after %s", a.st.Attrs.Timeout)
	case res.Err != nil:
		ev.Error = a.masks.String(res.Err.Error())
	}
	rec := e.rec.record
	if a.hold {
		rec = e.rec.recordHeld
	}
	if _, err := rec(ev); err != nil {
		return status, err
	}
	return status, nil
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
	rec     *recorder
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
	// Not copied: subscribers get the executor's buffer, valid during
	// the call (see Event.Output); a flood then costs no allocation.
	s.rec.output(s.step, s.attempt, p)
	return len(p), nil
}

// exported are the values put in the step's environment: every value
// known without fetching, plus the step's own.
func (e *Engine) exported(vals map[string]Value) map[string]string {
	out := e.vars.known()
	for name, v := range vals {
		out[name] = v.Text
	}
	return out
}

// stepDir is the doc's directory joined with the step's cwd, whose
// placeholders are filled as plain text (it is a path, not shell code)
// and whose $NAME and ${NAME} are the session's variables (or the
// environment's). A step of the session without a cwd starts where the
// last `cd` left the session.
func (e *Engine) stepDir(st *runbook.Step, vals map[string]Value) (string, error) {
	cwd := st.Attrs.Cwd
	// The front matter's cwd is every step's starting point: a `cd` in
	// the session wins over it, as it would in a terminal; a step's own
	// cwd wins over both.
	fmCwd := ""
	if fm := e.Doc().FrontMatter; fm != nil {
		fmCwd = fm.Cwd
	}
	if cwd == "" || cwd == fmCwd {
		if e.sessionFor(st, false) != nil {
			if dir, ok, err := e.sessionDir(st); ok || err != nil {
				return dir, err
			}
		}
		if cwd == "" {
			return e.docDir, nil
		}
	}
	dir := e.expandSession(st, fillPlain(cwd, vals))
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(e.docDir, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("step %s: cwd %s is not a directory", st.ID, e.mask(dir))
	}
	return dir, nil
}

// expandSession expands $NAME and ${NAME} in a step's cwd with the
// session's variables (else the environment's), as the shell would have:
// a path, not code. A name with no value is an error rather than an
// empty string: `$WORKDIR/build` must not become `/build`.
func (e *Engine) expandSession(st *runbook.Step, path string) string {
	if !strings.Contains(path, "$") {
		return path
	}
	vals := map[string]string{}
	if e.sessionFor(st, false) != nil {
		for _, v := range e.shell.forStep(false).Vars {
			if v.Kind == journal.VarScalar && !v.Unset {
				vals[v.Name] = v.Value
			}
		}
	}
	return os.Expand(path, func(name string) string {
		if v, ok := vals[name]; ok {
			return v
		}
		if v, ok := lookupEnv(e.environ, name); ok {
			return v
		}
		return "$" + name // left as written: the directory check names it
	})
}

func lookupEnv(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// fillPlain fills the placeholders of a text that is neither shell nor SQL
// with plain values; a placeholder without a value is left as written.
func fillPlain(text string, vals map[string]Value) string {
	var b strings.Builder
	last := 0
	runbook.ScanPlaceholders(text, func(name string, start, end int) {
		if v, ok := vals[name]; ok {
			b.WriteString(text[last:start])
			b.WriteString(v.Text)
			last = end
		}
	})
	b.WriteString(text[last:])
	return b.String()
}
