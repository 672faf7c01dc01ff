package main

import "github.com/spf13/cobra"

// openTUI opens the interactive checklist on a file (placeholder until the
// TUI lands).
func openTUI(_ *cobra.Command, _ *streams, file string) error {
	return usagef("the interactive mode is not built yet; try: runbook list %s", file)
}
