package journal

import "time"

// State is a run as replayed from its journal: what the TUI, `status` and
// reports show. Build it with Replay; never persist it (the journal is the
// only source of truth).
type State struct {
	Run      string
	Doc      string
	DocHash  string
	Who      string
	Host     string
	Started  time.Time
	Updated  time.Time
	Finished bool
	Status   Status // of the whole run once finished: ok or failed
	// FinishedAt is the time of the run-finished event (zero while open).
	FinishedAt time.Time
	// Resumed counts the times the run was reopened after it started.
	Resumed int
	// Seq is the sequence number of the last event replayed.
	Seq int

	// Steps by step id; steps never touched are absent (Pending).
	Steps map[string]*StepState
	// Answers by question id.
	Answers map[string]Answer
	// Vars by name; secret values are never here, only Secret=true.
	Vars map[string]Var
	// Session is the run's shell session: what the shell steps left
	// behind, folded in the order they ran (secret values never here).
	Session *Session
	// Outputs are the named outputs confirmed, by placeholder name.
	Outputs  map[string]Output
	Identity *Identity
	Notes    []Note
}

// StepState is one step's history in the run.
type StepState struct {
	Status   Status
	Hash     string // the step's content hash when it last ran
	Attempts []Attempt
	Note     string // skip or done-by-hand note
	Command  string // edited command for this run, if any (masked)
	// CommandRefs and CommandUnrestorable come with Command: where its
	// secrets stood (by variable), or that some cannot be restored.
	CommandRefs         []SecretRef
	CommandUnrestorable bool
	// Accepted is set when the engineer accepted the step as is after its
	// content changed (Hash is then the new content's hash).
	Accepted bool
}

// Attempt is one execution of a step.
type Attempt struct {
	N        int
	Started  time.Time
	Duration time.Duration
	Command  string // masked, as shown before it ran
	ExitCode *int
	Status   Status
	Error    string
	Log      string // relative to the run directory
	// Session is what the attempt changed in the run's shell session.
	Session *SessionChange
	// Outputs are the named outputs of the attempt the engineer
	// confirmed, by placeholder name.
	Outputs []string
	// Background is set for an attempt run in the background.
	Background bool
}

// Answer is a confirmed answer to a question (or a "skip for now").
type Answer struct {
	Value   string
	Skipped bool
	Who     string
	Time    time.Time
	Written bool // written back into the doc
}

// Var is a variable's value in the run.
type Var struct {
	Value  string // empty when Secret
	Secret bool
	Source string
}

// Identity is the AWS caller identity checked at the start of the run.
type Identity struct {
	Account string
	ARN     string
	Region  string
}

// Note is a free-form note, optionally attached to a step.
type Note struct {
	Step string
	Text string
	Time time.Time
}
