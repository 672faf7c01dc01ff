package main

import "github.com/spf13/cobra"

// Placeholder until the status command lands.
func newStatusCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "status",
		Short:  "(status: not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usagef("status is not built yet")
		},
	}
}
