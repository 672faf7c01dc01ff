package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the release build (-ldflags -X main.version=…).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, c := version, commit
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			line := "runbook " + v
			if c != "" {
				line += " (" + c
				if date != "" {
					line += ", " + date
				}
				line += ")"
			}
			_, err := fmt.Fprintf(s.out, "%s %s/%s %s\n", line, runtime.GOOS, runtime.GOARCH, runtime.Version())
			return err
		},
	}
}
