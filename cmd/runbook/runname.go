package main

import "github.com/runbook-sh/runbook/runbook/journal"

// runNameFlag is --run: a run name becomes a directory name under the
// state directory, so a bad one (empty, "../x", "a/b", control
// characters) is refused when the flag is parsed: exit 2, one line.
type runNameFlag struct{ p *string }

func (f runNameFlag) String() string {
	if f.p == nil {
		return ""
	}
	return *f.p
}

func (f runNameFlag) Set(s string) error {
	if err := journal.CheckRunName(s); err != nil {
		return err
	}
	*f.p = s
	return nil
}

func (runNameFlag) Type() string { return "name" }

// laneOf is the lane a run name belongs to: "deploy.3" → "deploy"; ""
// (the doc's default lane) stays "". Every new run is the next of a lane
// (journal.NextRunName): the TUI's "Start a new run" after opening a past
// run starts the next run of that run's lane, named as `run` names it.
func laneOf(run string) string {
	if run == "" {
		return ""
	}
	lane, _ := journal.SplitRunName(run)
	return lane
}
