package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/demo"
)

// newDemoCmd is `runbook demo`: a copy of the built-in example runbook in a
// temporary directory, opened like any other runbook. The copy (and its
// run state, and the files its steps write) stay in that directory.
func newDemoCmd(s *streams) *cobra.Command {
	f := &runFlags{}
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open a built-in example runbook (offline; writes only to a temp dir)",
		Long: `Copy the built-in "acme-api" example runbook into a new temporary
directory and open it: questions with suggested answers, placeholders and a
secret, a step that fails once, a slow step with live output, manual items
and a table of checks. Everything runs offline with bash and coreutils.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := demo.WriteCopy(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.err, "demo runbook copied to %s\n", path)
			if !useTUI(s, f) && terminal(s.in) == nil {
				if err := unattendedDemo(s, path, f); err != nil {
					return err
				}
			}
			if err := openTUIFlags(cmd.Context(), s, path, f); err != nil {
				return err
			}
			fmt.Fprintf(s.err, "the demo runbook and its run are in %s (open it again with: runbook %s)\n", path, path)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "", "create the demo's temp directory under DIR (default: the system temp dir)")
	f.addFlags(fl)
	return cmd
}

// unattendedDemo lets the demo run where nobody can answer (CI, a pipe):
// every question takes its suggested answer and the account id a sample
// value, unless given with --set, and steps run without asking. A real
// runbook never gets this: there, anything unanswered fails before the
// first step.
func unattendedDemo(s *streams, path string, f *runFlags) error {
	doc, err := runbook.Load(path)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	for _, kv := range f.sets {
		name, _, _ := strings.Cut(kv, "=")
		given[name] = true
	}
	var sets []string
	for _, q := range doc.Questions {
		if q.Suggested != "" && !given[q.ID] {
			sets = append(sets, q.ID+"="+q.Suggested)
		}
	}
	if !given["account-id"] {
		sets = append(sets, "account-id=123456789012")
	}
	f.sets = append(sets, f.sets...)
	f.yes = true
	fmt.Fprintln(s.err, "no terminal: running the demo in line mode with its suggested answers (--yes)")
	return nil
}
