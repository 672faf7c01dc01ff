package main

import "github.com/spf13/cobra"

// Placeholder until the list command lands.
func newListCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "list",
		Short:  "(list: not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usagef("list is not built yet")
		},
	}
}
