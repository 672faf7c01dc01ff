package main

import "github.com/spf13/cobra"

// Placeholder until the check command lands.
func newCheckCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "check",
		Short:  "(check: not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usagef("check is not built yet")
		},
	}
}
