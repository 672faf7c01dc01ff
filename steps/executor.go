// Package steps executes one step of a runbook: the Executor interface and
// its registry, variable resolution and quote-aware substitution, secret
// masking, and the Engine that runs steps and emits events. Concrete
// executors live in sub-packages (steps/shell, steps/sql) and are registered
// explicitly by the command that builds the engine.
package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Request is everything an executor needs to run one step once. The engine
// has already substituted placeholders into Command and masks Output.
type Request struct {
	Step *runbook.Step
	// Command is the final text to run (placeholders filled).
	Command string
	// Binds are the values of the `?` markers of a SQL step's Command,
	// sent as bind parameters (see Fill). Only SQL steps have them.
	Binds []Bind
	// Env is the complete environment for the process (os.Environ plus
	// the run's variables).
	Env []string
	// Dir is the working directory (the doc's directory joined with cwd).
	Dir string
	// Timeout is 0 for none; on expiry the whole process group is killed and
	// Result.TimedOut is set.
	Timeout time.Duration
	// Output receives the step's combined output as it is produced.
	Output io.Writer
	// Terminal is the real terminal for interactive steps; nil otherwise.
	Terminal *os.File
	// Secrets are the values the engine masks in Output. An executor that
	// lays out its own output (the SQL executor's tables) masks them
	// before it measures, so that padding does not betray a secret's
	// length.
	Secrets []string
	// Session is the run's shell session the step starts in (a shell
	// step that is not isolated): the executor restores it before the
	// step's code runs and, with Session.Capture, reports in
	// Result.Session what the code changed. nil: a fresh shell, as
	// always (docs/format.md, "Session").
	Session *ShellSession
	// Outputs asks for a private file named by $RUNBOOK_OUTPUT, where the
	// step may write `name=value` lines; its content is Result.Outputs.
	Outputs bool
	// Background marks a step that keeps running while later steps run:
	// besides the terminal hang-up, a watchdog kills its process group if
	// runbook dies, so that it never outlives runbook (steps/shell).
	Background bool
	// Started, when set, is called with the main process's id (the
	// process group's) once it has started.
	Started func(pid int)
	// Input, when set, is called once a step that is not interactive
	// runs on a terminal of its own, with that terminal's input: what is
	// written to it is what a person would type there (Engine.Input).
	Input func(w io.Writer)
	// Waiting, when set, is called with true when the step's processes
	// are blocked reading their terminal (a question, a password prompt;
	// Linux only), and with false when they go on or the step ends.
	Waiting func(waiting bool)
}

// ShellSession is the shell state a step starts in: the variables and
// functions earlier steps left (values included, secrets too: they go to
// the shell through memory only). The working directory is Request.Dir.
type ShellSession struct {
	Vars  []journal.ShellVar
	Funcs []journal.ShellFunc
	// Capture asks for what the step changes (Result.Session); a done-if
	// check or a check step only sees the session.
	Capture bool
}

// Result is the outcome of one attempt.
type Result struct {
	ExitCode int
	Duration time.Duration
	// Err is set when the step could not run or failed for a reason other
	// than a non-zero exit code (bad SQL, connection refused, …).
	Err         error
	TimedOut    bool
	Interrupted bool // cancelled by the engineer (Ctrl-C)
	// Session is what the step changed in the shell session
	// (Request.Session.Capture), values as the shell had them: the engine
	// decides which are secret. nil when nothing was captured.
	Session *journal.SessionChange
	// SessionNotes say what could not be captured and why (a value in a
	// form the reader does not know, a step that replaced the capture).
	SessionNotes []string
	// Outputs is what the step wrote to $RUNBOOK_OUTPUT (Request.Outputs).
	Outputs []byte
}

// OK reports whether the attempt succeeded.
func (r Result) OK() bool {
	return r.ExitCode == 0 && r.Err == nil && !r.TimedOut && !r.Interrupted
}

// ErrInterrupted is the context cause the engine uses when the engineer
// interrupts a step; executors report it as Result.Interrupted.
var ErrInterrupted = errors.New("interrupted")

// Executor runs one kind of step. Run must return only when every process
// it started has exited: no orphans. Cancelling ctx with cause
// ErrInterrupted means Ctrl-C (SIGINT to the group, then SIGKILL after a
// grace period).
type Executor interface {
	Run(ctx context.Context, req Request) Result
}

// Registry maps step kinds to executors.
type Registry struct {
	byKind map[runbook.StepKind]Executor
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byKind: map[runbook.StepKind]Executor{}}
}

// Register sets the executor for a kind, replacing any earlier one.
func (r *Registry) Register(k runbook.StepKind, e Executor) { r.byKind[k] = e }

// For returns the executor for a kind.
func (r *Registry) For(k runbook.StepKind) (Executor, error) {
	e, ok := r.byKind[k]
	if !ok {
		return nil, fmt.Errorf("no executor for %s steps", k)
	}
	return e, nil
}

// SourceResolver fetches variable values from one kind of source, named by
// the prefix before the first colon of a front-matter `source:` (for
// example "aws-secretsmanager" for "aws-secretsmanager:prod/db#password").
// Values from a resolver are always treated as secrets.
type SourceResolver interface {
	Resolve(ctx context.Context, ref string) (string, error)
}

// Preflight is a check the engine runs once before the first step of a run
// (the AWS identity guard, the MySQL target preview). An error refuses to
// run any step; the message is shown as is.
type Preflight func(ctx context.Context) error
