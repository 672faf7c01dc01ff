package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/runbook-sh/runbook/steps"
)

// sessionDialog answers the session's actions of a run that is one
// terminal session (issue 14): outputs are confirmed (and edited) in the
// values view (wire.go), lacking values are run again or typed, a
// background step is restarted or not. nil for another action.
func (m *Model) sessionDialog(a steps.Action) tea.Cmd {
	switch a.Kind {
	case steps.ActOutputs:
		return m.confirmOutputs(a)
	case steps.ActRestart:
		return m.decideForm("Background step", a.Step.Title+" ran in the background when the run stopped; later steps may need it. Start it again?", "",
			"Start it", "Skip it", steps.Choice{Kind: steps.ChooseRun}, steps.Choice{Kind: steps.ChooseSkip})
	case steps.ActSessionValues:
		return m.sessionValuesForm(a)
	}
	return nil
}

// sessionValuesForm asks for the values a resumed run's shell session
// lacks (a secret is never on disk): run the steps that set them again,
// type them (a secret without echo), or go on without them.
func (m *Model) sessionValuesForm(a steps.Action) tea.Cmd {
	var names []string
	var typable []steps.MissingValue
	for _, mv := range a.Missing {
		names = append(names, fmt.Sprintf("%s (set by %s)", mv.Name, mv.Step))
		if !mv.Func {
			typable = append(typable, mv)
		}
	}
	choice := "rerun"
	opts := []huh.Option[string]{huh.NewOption("Run them again", "rerun")}
	if len(typable) > 0 {
		opts = append(opts, huh.NewOption("Type them", "type"))
	}
	opts = append(opts, huh.NewOption("Go on without them", "skip"))
	return m.openDialog("Session values", func() tea.Cmd {
		switch choice {
		case "rerun":
			return m.choose(steps.Choice{Kind: steps.ChooseRun})
		case "skip":
			return m.choose(steps.Choice{Kind: steps.ChooseSkip})
		}
		return m.typeSessionValues(typable)
	}, huh.NewGroup(huh.NewSelect[string]().
		Title("The shell session lacks values an earlier runbook had (secrets are never on disk).").
		Description(strings.Join(names, "\n")).Options(opts...).Value(&choice)))
}

// typeSessionValues asks for each value; those typed go to the session
// (ChooseValues), and the session asks again for any still missing.
func (m *Model) typeSessionValues(ms []steps.MissingValue) tea.Cmd {
	vals := make([]string, len(ms))
	fields := make([]huh.Field, 0, len(ms))
	for i, mv := range ms {
		desc := "set by " + mv.Step
		in := huh.NewInput().Title(mv.Name).Value(&vals[i])
		if mv.Secret {
			in.EchoMode(huh.EchoModePassword)
			desc += " (secret: masked, never written to disk)"
		}
		fields = append(fields, in.Description(desc))
	}
	return m.openDialog("Session values", func() tea.Cmd {
		values := map[string]string{}
		for i, mv := range ms {
			if vals[i] != "" {
				values[mv.Name] = vals[i]
			}
		}
		return m.choose(steps.Choice{Kind: steps.ChooseValues, Values: values})
	}, huh.NewGroup(fields...))
}
