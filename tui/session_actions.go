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
		var vals []string
		for _, o := range a.Outputs {
			vals = append(vals, fmt.Sprintf("<%s> = %s", o.Name, o.Shown))
		}
		return m.decideForm("Outputs", a.Step.Title+" wrote values for later steps. Use them?", strings.Join(vals, "\n"),
			"Use them", "Skip them", steps.Choice{Kind: steps.ChooseAccept}, steps.Choice{Kind: steps.ChooseSkip})
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
