package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

// Exit codes are part of the CLI contract (PRODUCT.md §5).
const (
	exitOK      = 0
	exitFailed  = 1 // a step or check failed
	exitBadCall = 2 // bad usage or bad input
)

// failedError means the command did its job and found a failure (a step or
// a check failed): exit 1. Its message has already been printed when silent.
type failedError struct {
	msg    string
	silent bool
}

func (e *failedError) Error() string { return e.msg }

// usageError is bad usage or bad input: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitCode maps an error returned by a command to the process exit code; it
// is the only place that decides.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var fe *failedError
	if errors.As(err, &fe) {
		return exitFailed
	}
	var ue *usageError
	var de *runbook.Error
	var he *state.HeldError
	if errors.As(err, &ue) || errors.As(err, &de) || errors.As(err, &he) {
		return exitBadCall
	}
	return exitFailed
}

// streams are the command's standard streams, injectable for tests.
type streams struct {
	in       io.Reader
	out, err io.Writer
	buf      *bufio.Writer // out's buffer, for commands that print and exit
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "runbook [FILE]",
		Short: "Execute Markdown runbooks as interactive checklists",
		Long: `Execute Markdown runbooks as interactive checklists.

runbook FILE opens the checklist of a runbook: it asks the document's
[VERIFY] questions and writes confirmed answers back into it, asks each
placeholder once, and runs shell and SQL steps with their live output.
Every event is journaled under .runbook/ beside the file, so a run
resumes where it stopped, even after kill -9. Without a terminal it runs
in line mode, as runbook run does.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if v, _ := cmd.Flags().GetBool("version"); v {
				_, err := fmt.Fprintln(s.out, versionLine())
				return err
			}
			if len(args) == 0 {
				return cmd.Help()
			}
			return openTUI(cmd, s, args[0])
		},
	}
	// Not cobra's own --version (root.Version): its output comes from a
	// text/template, and it would differ from `runbook version`'s.
	root.Flags().Bool("version", false, "print the version (the same as runbook version)")
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		switch {
		case printsAndExits(cmd):
			s.tuneForShortLife()
		case cmd.Name() != "run": // run decides once it knows whether it opens the TUI
			longLived()
		}
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err}
	})
	root.AddCommand(
		newVersionCmd(s),
		newListCmd(s),
		newCheckCmd(s),
		newRunCmd(s),
		newStatusCmd(s),
		newReportCmd(s),
		newSyncCmd(s),
		newDemoCmd(s),
		newManCmd(),
	)
	return root
}

// execute runs the CLI and returns the exit code; errors are printed here
// as one line on stderr.
func execute(args []string, in io.Reader, out, errw io.Writer) int {
	s := &streams{in: in, out: out, err: errw}
	root := newRootCmd(s)
	if isCompletionRequest(args) {
		registerCompletions(root)
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if ferr := s.flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if err != nil {
		var fe *failedError
		if !(errors.As(err, &fe) && fe.silent) {
			// errors quote docs, values and paths: never raw controls
			fmt.Fprintf(errw, "runbook: %s\n", termtext.Escape(err.Error()))
		}
		code := exitCode(err)
		if code == exitFailed && cmd != nil && isArgError(err) {
			code = exitBadCall
		}
		return code
	}
	return exitOK
}

// noColor: NO_COLOR set to any non-empty value turns colours off; set but
// empty it does not (https://no-color.org).
func noColor() bool { return os.Getenv("NO_COLOR") != "" }

// isArgError recognises cobra's own argument and unknown-command errors,
// which are not typed.
func isArgError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires ", "unknown flag", "unknown shorthand"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
