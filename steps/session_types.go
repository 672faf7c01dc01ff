package steps

import (
	"context"
	"fmt"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Runner is what a Session drives: *Engine, or a fake in frontend tests.
type Runner interface {
	Doc() *runbook.Document
	View() *journal.RunView
	StepStatus(id string) journal.Status
	Missing(stepID string) []string
	Preview(stepID string) (string, error)
	Run(ctx context.Context, stepID string, opt RunOptions) (journal.Status, error)
	SetVar(name, value string) error
	Answer(questionID, value string) error
	SkipQuestion(questionID string) error
	Skip(stepID, note string) error
	MarkDone(stepID, note string) error
	EditCommand(stepID, command string) error
	Accept(stepID string) error
	CheckValues(ids ...string) error
	Finish() error
	Flush() error
	Reload() (changed []string, err error)
}

// InputError is bad input found before anything ran: an unknown step id,
// a value that does not match its pattern or that no quoting makes safe
// where a step uses it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// The engine is what sessions drive in production.
var (
	_ Runner        = (*Engine)(nil)
	_ sessionRunner = (*Engine)(nil)
)

// sessionRunner is what a Runner offers for a run that is one terminal
// session (docs/format.md, "Session"): the shell session's values a
// resumed run lacks, named outputs, background steps. A Runner without
// it (a frontend test's fake) runs without them.
type sessionRunner interface {
	SeesSession(stepID string) bool
	MissingSession() []MissingValue
	SetSessionValue(name, value string) error
	DropMissingSession() []string
	PendingOutputs(step string) []OutputOffer
	ConfirmOutputs(step string, accept map[string]string) error
	DropOutputs(step string)
	BackgroundRunning(id string) bool
	StopBackground(id string) error
	StopBackgroundSteps(status journal.Status)
	OutputSteps(ids ...string) []string
}

// heldFinisher is a Runner that can hold the run's end back with the
// last step's (Engine.FinishHeld); a frontend test's fake need not.
type heldFinisher interface {
	FinishHeld() error
}

var _ heldFinisher = (*Engine)(nil)

// Policy is what a frontend can do, decided once when the session starts.
type Policy struct {
	// Ask is set when someone answers the session's actions. Without it,
	// an action that needs an answer stops the session, except a manual
	// step: it is left pending and the session goes on.
	Ask bool
	// Yes runs everything without asking (--yes): `confirm` steps,
	// inferred steps (a note lists them first) and steps that changed
	// since they ran. Manual steps still need a person.
	Yes bool
	// Upfront makes run-all ask everything before its first step runs:
	// unanswered questions, then every missing value of the plan (line
	// mode). Otherwise values are asked when a step needs them.
	Upfront bool
}

// ActionKind is what a frontend must do next.
type ActionKind int

const (
	ActDone     ActionKind = iota // the session's work is over: see Action.Outcome
	ActQuestion                   // answer Question (ChooseAnswer, ChooseSkip) or ChooseStop
	ActValues                     // give a value for each of Names (ChooseValues) or ChooseStop
	ActInferred                   // run the inferred Steps? ChooseRun, ChooseEach, ChooseSkip, ChooseStop; asked once
	ActConfirm                    // Step asks before running: ChooseRun, ChooseSkip, ChooseStop
	ActRerun                      // Step is done already (Status): ChooseRun again, or ChooseStop
	ActStale                      // Step changed since it ran (Status is what it was): ChooseRun, ChooseAccept, ChooseSkip, ChooseStop
	ActManual                     // a person does Step: ChooseDone, ChooseSkip, ChooseStop ("not yet")
	ActRun                        // run Step now: call Session.Run
	ActFailed                     // Step did not succeed (Status): ChooseRetry, ChooseEdit, ChooseSkip, ChooseDone, ChooseStop
	// ActSessionValues: a resumed run lacks values of the shell session
	// (Missing: secrets, never on disk, or values too large to journal)
	// that Step's shell would see: ChooseRun runs the steps that set them
	// again first, ChooseValues gives them (Values by name), ChooseSkip
	// goes on without them, ChooseStop.
	ActSessionValues
	// ActOutputs: Step wrote named outputs for placeholders (Outputs):
	// ChooseAccept takes them all as shown, ChooseValues takes those in
	// Values (a value "" keeps the step's, another replaces it), ChooseSkip
	// takes none, ChooseStop takes none and stops.
	ActOutputs
	// ActRestart: Step ran in the background when the run stopped and
	// later steps may need it: ChooseRun starts it again, ChooseSkip,
	// ChooseStop.
	ActRestart
)

var actionNames = [...]string{"done", "question", "values", "inferred", "confirm", "rerun", "stale", "manual", "run", "failed",
	"session-values", "outputs", "restart"}

func (k ActionKind) String() string {
	if int(k) >= 0 && int(k) < len(actionNames) {
		return actionNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", int(k))
}

// Action is the session's next action.
type Action struct {
	Kind     ActionKind
	Step     *runbook.Step
	Steps    []*runbook.Step // ActInferred: the inferred steps run-all would run
	Question *runbook.Question
	Names    []string // ActValues: placeholders without a value
	// Command is, for ActConfirm, the exact command that will run
	// (secrets masked).
	Command string
	// Status is the step's status: done (ActRerun), what it was before it
	// changed (ActStale), how it ended (ActFailed).
	Status journal.Status
	// Changed is set when the step changed on disk since it was last
	// shown: Command is the new one.
	Changed bool
	// Missing are the session values a resumed run lacks
	// (ActSessionValues).
	Missing []MissingValue
	// Outputs are a step's named outputs waiting for the engineer
	// (ActOutputs).
	Outputs []OutputOffer
	// Notes are what the session decided on its own since the last
	// action; frontends may show them.
	Notes   []Note
	Outcome *Outcome // ActDone
}

// NoteKind is a decision the session took without asking.
type NoteKind int

const (
	NotePassed         NoteKind = iota // Step is done already (Status): passed over
	NoteStale                          // Step changed since it ran: it runs again (Yes, or nobody to ask)
	NoteManual                         // Step needs a person and nobody can answer: left pending
	NoteInferred                       // the inferred Steps will run (Yes)
	NoteChanged                        // Step changed on disk: the new version runs
	NoteTolerated                      // Step failed (Status) but is continue-on-error: the run goes on
	NoteBackground                     // Step runs in the background (started now, or already): the run goes on
	NoteOutputs                        // Step's outputs Names were taken (Yes)
	NoteOutputsUnused                  // Step's outputs Names were not used: nobody could confirm them
	NoteRestart                        // background Step ran when the run stopped: started again (Yes, or nobody to ask)
	NoteNotNeeded                      // background Step ran when the run stopped; no later step needs it: skipped
	NoteSessionDropped                 // the session values Names a resumed run lacked are left unset
)

var noteNames = [...]string{"passed", "stale", "manual", "inferred", "changed", "tolerated",
	"background", "outputs", "outputs-unused", "restart", "not-needed", "session-dropped"}

func (k NoteKind) String() string {
	if int(k) >= 0 && int(k) < len(noteNames) {
		return noteNames[k]
	}
	return fmt.Sprintf("NoteKind(%d)", int(k))
}

// Note is one decision the session took without asking.
type Note struct {
	Kind   NoteKind
	Step   *runbook.Step
	Steps  []*runbook.Step
	Status journal.Status
	Names  []string // NoteOutputs, NoteOutputsUnused, NoteSessionDropped
}

// ChoiceKind is the engineer's answer to an action.
type ChoiceKind int

const (
	ChooseRun    ChoiceKind = iota // run it (confirm, rerun, stale, inferred: all)
	ChooseSkip                     // skip it, with Note (inferred: skip them all)
	ChooseDone                     // done by hand, with Note
	ChooseRetry                    // run the failed step again
	ChooseEdit                     // run Command instead, for this run, then retry
	ChooseAccept                   // keep the earlier result of a changed step; take a step's outputs
	ChooseEach                     // inferred steps: ask for each one
	ChooseAnswer                   // answer the question with Value ("" skips it for now)
	ChooseValues                   // the values of Names, in Values
	ChooseStop                     // stop here ("not yet", "cancel", "quit")
)

var choiceNames = [...]string{"run", "skip", "done", "retry", "edit", "accept", "each", "answer", "values", "stop"}

func (k ChoiceKind) String() string {
	if int(k) >= 0 && int(k) < len(choiceNames) {
		return choiceNames[k]
	}
	return fmt.Sprintf("ChoiceKind(%d)", int(k))
}

// Choice is the engineer's answer to the pending action.
type Choice struct {
	Kind    ChoiceKind
	Note    string            // ChooseSkip, ChooseDone
	Command string            // ChooseEdit
	Value   string            // ChooseAnswer
	Values  map[string]string // ChooseValues (ActValues, ActSessionValues, ActOutputs)
}

// Outcome is how a session's flow ended.
type Outcome struct {
	// Stopped is the step the flow stopped at before its end: it failed,
	// timed out or was interrupted (Status), or the engineer stopped
	// there (Status Pending). nil when the flow went through.
	Stopped *runbook.Step
	Status  journal.Status
	// Reason is one line for the engineer ("" when the flow went through).
	Reason string
	// Err is why a step could not run at all (a preflight refusal, the
	// journal failing, a value that cannot be substituted).
	Err error
	// Manual are manual steps left pending: nobody could do them.
	Manual []string
	// Tolerated are steps that failed in this flow but are
	// continue-on-error.
	Tolerated []string
	// Finished is set when the run is finished: every counted step
	// settled (docs/run-model.md).
	Finished bool
	View     *journal.RunView
}

// ExitCode is the process exit code of a flow that ended so: 1 when it
// stopped at a step (failed, timed out, interrupted, or the engineer said
// stop) or a step could not run, else 0. A continue-on-error failure does
// not fail the run; manual steps left pending do not either (they are
// listed). Bad input (exit 2) is the caller's to tell apart.
func (o *Outcome) ExitCode() int {
	if o == nil || (o.Stopped == nil && o.Err == nil) {
		return 0
	}
	return 1
}
