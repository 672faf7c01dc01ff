package main

import "github.com/spf13/cobra"

// Placeholder until the report command lands.
func newReportCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:    "report",
		Short:  "(report: not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usagef("report is not built yet")
		},
	}
}
