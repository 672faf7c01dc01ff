package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

func newSyncCmd(s *streams) *cobra.Command {
	var sf stateFlags
	var run string
	cmd := &cobra.Command{
		Use:   "sync [FILE]",
		Short: "Push the events recorded here while S3 was unreachable",
		Long: `A run on S3 that went on locally while S3 was unreachable keeps its
events on this machine. sync pushes them, run by run, when S3 still holds
exactly the events before them; if anyone else wrote to the run since,
nothing is pushed and sync says who (exit 1). See docs/team.md.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, loc, err := sf.locationOfArgs(args)
			if err != nil {
				return err
			}
			if !loc.S3() {
				return usagef("sync pushes runs to S3: give --state s3://bucket/prefix (a directory has nothing to sync)")
			}
			store, err := state.OpenS3(cmd.Context(), loc, state.S3Options{Profile: sf.profile, Region: sf.region})
			if err != nil {
				return &usageError{err}
			}
			remote, err := state.NewRemote(store)
			if err != nil {
				return &usageError{err}
			}
			runs := []string{run}
			if run == "" {
				if runs, err = remote.LocalRuns(cmd.Context()); err != nil {
					return err
				}
			}
			out := termtext.NewWriter(s.out)
			defer out.Flush()
			var refused []error
			total := 0
			for _, r := range runs {
				n, err := remote.Sync(cmd.Context(), r)
				var sr *state.SyncRefused
				switch {
				case errors.As(err, &sr):
					fmt.Fprintln(s.err, "runbook: "+termtext.EscapeLine(sr.Error()))
					refused = append(refused, err)
				case err != nil:
					return err
				case n > 0:
					fmt.Fprintf(out, "run %s: pushed %d event(s) to %s\n", r, n, loc)
					total += n
				}
			}
			if len(refused) > 0 {
				return &failedError{msg: fmt.Sprintf("%d run(s) not synced", len(refused))}
			}
			if total == 0 {
				fmt.Fprintf(out, "nothing to push: %s has every event of this machine's runs\n", loc)
			}
			return nil
		},
	}
	sf.addStateFlags(cmd.Flags(), true)
	cmd.Flags().Var(runNameFlag{&run}, "run", "sync only this run (its full name, e.g. deploy.1)")
	return cmd
}
