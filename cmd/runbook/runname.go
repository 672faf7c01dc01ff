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
