package main

import "github.com/spf13/cobra"

// Placeholder until the run command lands.
func newRunCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "run",
		Short:  "(run: not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usagef("run is not built yet")
		},
	}
}
