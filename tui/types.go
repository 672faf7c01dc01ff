package tui

import "github.com/runbook-sh/runbook/steps"

// Event and RunOptions are the engine's own types, so that *steps.Engine
// satisfies Engine as is.
type (
	Event      = steps.Event
	RunOptions = steps.RunOptions
)

// The real engine must stay usable by the TUI.
var _ Engine = (*steps.Engine)(nil)
