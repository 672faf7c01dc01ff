package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/steps"
)

// sessionDialog answers the session's actions of a run that is one
// terminal session (issue 14) with a yes/no dialog each, so that a flow
// never stalls in the TUI; richer views (typing a lacking value, editing
// an output, the captured values, a background tab) are the TUI's to add
// on this API. nil for another action.
func (m *Model) sessionDialog(a steps.Action) tea.Cmd {
	switch a.Kind {
	case steps.ActOutputs:
		return m.confirmOutputs(a)
	case steps.ActRestart:
		return m.decideForm("Background step", a.Step.Title+" ran in the background when the run stopped; later steps may need it. Start it again?", "",
			"Start it", "Skip it", steps.Choice{Kind: steps.ChooseRun}, steps.Choice{Kind: steps.ChooseSkip})
	case steps.ActSessionValues:
		var names []string
		for _, mv := range a.Missing {
			names = append(names, fmt.Sprintf("%s (set by %s)", mv.Name, mv.Step))
		}
		return m.decideForm("Session values", "The shell session lacks values an earlier runbook had (secrets are never on disk). Run the steps that set them again?",
			strings.Join(names, "\n"), "Run them again", "Go on without them", steps.Choice{Kind: steps.ChooseRun}, steps.Choice{Kind: steps.ChooseSkip})
	}
	return nil
}
