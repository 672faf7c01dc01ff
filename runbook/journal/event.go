// Package journal is the crash-safe record of a run: an append-only JSONL
// file of events, each written and fsynced before anything shows it, plus
// per-attempt output logs. Replaying the events gives the run's State.
package journal

import (
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the newest version of the events this runbook reads
// and writes ("v"); bump it on any incompatible change and keep reading
// older versions.
//
// Version 2 adds the run's shell session (step-finished `session`,
// step-started `background`, the `output` event): a runbook that knows
// nothing of them must not resume such a run as if it had no session (its
// steps would run without the values earlier steps set), so those events
// are written as version 2, which it refuses. Every other event is still
// written as version 1, and a journal without them stays readable by it.
const SchemaVersion = 2

// VersionOf is the schema version an event is written with: the oldest
// that has everything it holds.
func VersionOf(e Event) int {
	if e.Session != nil || e.Background || e.Type == OutputGiven || len(e.Outputs) > 0 {
		return 2
	}
	return 1
}

// Type names an event.
type Type string

const (
	RunStarted    Type = "run-started"   // Who, Host, Doc, DocHash, Run
	RunResumed    Type = "run-resumed"   // Who, Host, DocHash
	AnswerGiven   Type = "answer"        // Question, Value (or Note when skipped for now)
	VariableSet   Type = "variable"      // Name, Value (empty + Secret for secrets), Source
	StepStarted   Type = "step-started"  // Step, Attempt, Hash, Command (masked)
	StepFinished  Type = "step-finished" // Step, Attempt, Status, ExitCode, DurationMS, Error, Log, Session
	StepSkipped   Type = "step-skipped"  // Step, Note
	StepMarked    Type = "step-done"     // Step, Note: done by hand
	StepAccepted  Type = "step-accepted" // Step, Hash: a stale step accepted as is
	StepEdited    Type = "step-edited"   // Step, Command (masked), Refs, Unrestorable: command edited for this run only
	NoteAdded     Type = "note"          // Step (optional), Note
	WroteBack     Type = "write-back"    // Questions (Written) and outputs (Outputs) written into the doc, DocHash after
	OutputGiven   Type = "output"        // Step, Attempt, Name, Value (empty + Secret for secrets), Who: a named output confirmed
	RunFinished   Type = "run-finished"  // Status
	IdentityFound Type = "identity"      // AWS: Account, ARN, Region
)

// Status is a step's state in a run.
type Status string

const (
	Pending     Status = "pending"
	Running     Status = "running"
	OK          Status = "ok"
	Failed      Status = "failed"
	Skipped     Status = "skipped"
	DoneByHand  Status = "done-by-hand"
	AlreadyDone Status = "already-done"
	Interrupted Status = "interrupted" // killed by Ctrl-C, or running when the program died
	TimedOut    Status = "timed-out"
	Stale       Status = "stale" // finished, but the step's content changed since
)

// Finished reports whether the status counts as done for progress and for
// "run all remaining".
func (s Status) Finished() bool {
	switch s {
	case OK, Skipped, DoneByHand, AlreadyDone:
		return true
	}
	return false
}

// Event is one line of the journal. Fields are a union; each Type uses the
// ones listed beside it.
type Event struct {
	V    int       `json:"v"`
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	Type Type      `json:"type"`

	Run     string `json:"run,omitempty"`
	Doc     string `json:"doc,omitempty"`
	DocHash string `json:"docHash,omitempty"`
	Who     string `json:"who,omitempty"`
	Host    string `json:"host,omitempty"`

	Step       string `json:"step,omitempty"`
	Attempt    int    `json:"attempt,omitempty"`
	Hash       string `json:"hash,omitempty"`
	Command    string `json:"command,omitempty"`
	Status     Status `json:"status,omitempty"`
	ExitCode   *int   `json:"exitCode,omitempty"`
	DurationMS int64  `json:"durationMs,omitempty"`
	Error      string `json:"error,omitempty"`
	Log        string `json:"log,omitempty"` // path relative to the run directory

	Question string   `json:"question,omitempty"`
	Name     string   `json:"name,omitempty"`
	Value    string   `json:"value,omitempty"`
	Secret   bool     `json:"secret,omitempty"`
	Source   string   `json:"source,omitempty"`
	Note     string   `json:"note,omitempty"`
	Written  []string `json:"written,omitempty"` // question ids, for write-back
	Outputs  []string `json:"outputs,omitempty"` // placeholder names, for write-back

	Account string `json:"account,omitempty"`
	ARN     string `json:"arn,omitempty"`
	Region  string `json:"region,omitempty"`

	// Refs say, for an edited command, which variable's secret each mask
	// in Command stands for, so a resumed run can put the values back.
	// Unrestorable is set when a secret was masked in a form that has no
	// reference (quoted, encoded): a resumed run refuses that edit.
	Refs         []SecretRef `json:"refs,omitempty"`
	Unrestorable bool        `json:"unrestorable,omitempty"`

	// Session is what a shell step's attempt changed in the run's shell
	// session (step-finished); Background marks the start of a step that
	// runs in the background (step-started).
	Session    *SessionChange `json:"session,omitempty"`
	Background bool           `json:"background,omitempty"`
}

// SecretRef is a secret masked in an event's Command: the Mask at byte
// offset At stands for the value of variable Var.
type SecretRef struct {
	At  int    `json:"at"`
	Var string `json:"var"`
}

// Decode parses one journal line.
func Decode(line []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil {
		return Event{}, err
	}
	if e.V > SchemaVersion {
		return Event{}, &versionError{e.V}
	}
	return e, nil
}

// versionError is an event written by a newer runbook.
type versionError struct{ v int }

func (e *versionError) Error() string {
	return fmt.Sprintf("journal schema v%d is newer than this runbook (v%d)", e.v, SchemaVersion)
}
