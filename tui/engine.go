package tui

import (
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// Engine is the part of *steps.Engine the TUI uses: what a steps.Session
// drives (the workflow: what runs next, when to ask, when the run is
// finished), plus what the screens show and the engineer edits directly.
// It is an interface so that tests can use a fake; the TUI never executes
// anything itself.
//
// Every method may block on disk or on a process: call them only from a
// tea.Cmd, never from Update.
type Engine interface {
	steps.Runner
	Subscribe(fn func(Event)) (unsubscribe func())
	RunDir() string
	State() *journal.State
	Var(name string) (string, bool)
	IsSecret(name string) bool
	Note(stepID, text string) error
	PendingWriteBack() (diff string, err error)
	WriteBack() error
	// Input types into the running step's terminal; WaitingForInput is
	// the step blocked reading it, if one is (waiting.go).
	Input(id string, p []byte) error
	WaitingForInput() (string, bool)
	// The shell session and background steps of issue 14 (values.go,
	// background_view.go).
	ValuesSource
	SessionValueSetter
	BackgroundSource
	BackgroundStopper
}
