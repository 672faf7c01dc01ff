package main

import "github.com/spf13/cobra"

// Placeholder until the demo command lands.
func newDemoCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "demo",
		Short:  "(demo: not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usagef("demo is not built yet")
		},
	}
}
