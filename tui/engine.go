package tui

import (
	"context"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Engine is the part of *steps.Engine the TUI drives. It is an interface so
// that tests can use a fake; the TUI never executes anything itself.
//
// Every method may block on disk or on a process: call them only from a
// tea.Cmd, never from Update.
type Engine interface {
	Subscribe(fn func(Event)) (unsubscribe func())
	Doc() *runbook.Document
	RunDir() string
	State() *journal.State
	StepStatus(id string) journal.Status
	Missing(stepID string) []string
	Var(name string) (string, bool)
	IsSecret(name string) bool
	SetVar(name, value string) error
	Preview(stepID string) (string, error)
	Run(ctx context.Context, stepID string, opt RunOptions) (journal.Status, error)
	Skip(stepID, note string) error
	MarkDone(stepID, note string) error
	EditCommand(stepID, command string) error
	Accept(stepID string) error
	Answer(questionID, value string) error
	SkipQuestion(questionID string) error
	Note(stepID, text string) error
	PendingWriteBack() (diff string, err error)
	WriteBack() error
	Finish() error
}
