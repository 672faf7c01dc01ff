package main

import (
	"fmt"

	"github.com/spf13/cobra"

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
			if err := openTUIFlags(cmd.Context(), s, path, f); err != nil {
				return err
			}
			fmt.Fprintf(s.err, "the demo runbook and its run are in %s (open it again with: runbook %s)\n", path, path)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "", "create the demo's temp directory under DIR (default: the system temp dir)")
	fl.BoolVar(&f.noTUI, "no-tui", false, "line mode: print progress line by line")
	fl.StringVar(&f.run, "run", "", "run name (default: derived from the file name)")
	fl.StringArrayVar(&f.sets, "set", nil, "NAME=VALUE for a placeholder, variable or question id (repeatable)")
	fl.StringVar(&f.values, "values", "", "YAML file of NAME: VALUE")
	fl.BoolVar(&f.yes, "yes", false, "line mode: run every step without asking")
	fl.BoolVar(&f.dryRun, "dry-run", false, "line mode: print each final command, run nothing")
	fl.BoolVar(&f.writeBack, "write-back", false, "line mode: write the answers given into the copy at the end")
	return cmd
}
