package tui

import (
	"os"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// TEMPORARY until steps/engine.go lands: these become aliases of
// steps.Event and steps.RunOptions so that *steps.Engine satisfies Engine.

// Event is what the engine publishes to subscribers.
type Event struct {
	Journal *journal.Event
	Step    string
	Attempt int
	Output  []byte
}

// RunOptions are passed to Engine.Run.
type RunOptions struct{ Terminal *os.File }
