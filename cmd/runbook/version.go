package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

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
		Short: "Print the version (also: runbook --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(s.out, versionLine())
			return err
		},
	}
}

// releaseVersion is the version set by the release build, else the
// module version of a `go install`, else "dev".
func releaseVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// versionLine is what `runbook version` and `runbook --version` print:
// "runbook v1.2.3 (abc1234, 2026-11-24T…) linux/amd64 go1.26.8".
func versionLine() string {
	line := "runbook " + releaseVersion()
	// A snapshot of an untagged tree has no commit ("none") and a zero
	// commit date: nothing worth printing.
	if commit != "" && commit != "none" {
		line += " (" + commit
		if t, err := time.Parse(time.RFC3339, date); date != "" && (err != nil || t.Year() > 1970) {
			line += ", " + date
		}
		line += ")"
	}
	return fmt.Sprintf("%s %s/%s %s", line, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
