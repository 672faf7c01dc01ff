package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/tui"
)

// openTUI opens the interactive checklist on a file: `runbook FILE`.
// Without a terminal it runs in line mode, like `runbook run FILE`.
func openTUI(cmd *cobra.Command, s *streams, file string) error {
	return openTUIFlags(cmd.Context(), s, file, &runFlags{})
}

// openTUIFlags opens the TUI with run's engine flags (`runbook FILE`,
// `runbook demo`), or line mode exactly when `runbook run` would use it
// (no terminal, --no-tui, --yes, --dry-run).
func openTUIFlags(ctx context.Context, s *streams, file string, f *runFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !useTUI(s, f) {
		return runRun(ctx, s, file, f)
	}
	doc, err := runbook.Load(file)
	if err != nil {
		return err
	}
	if err := doc.Err(); err != nil {
		return err
	}
	newRun := false
	for {
		w, err := wireOrHeld(ctx, s, doc, &f.engineFlags, wireOptions{NewRun: newRun, Logs: true, Unreachable: tuiUnreachable}, true)
		if err != nil {
			return err
		}
		res, err := runTUI(ctx, w.engine, s, true)
		cerr := w.Close()
		if err != nil {
			return err
		}
		if !res.NewRun {
			return errors.Join(tuiExit(res), cerr)
		}
		// The engineer chose not to resume: the unfinished run stays on
		// disk as it is and the lane's next run starts (docs/run-model.md).
		newRun = true
	}
}

// tuiExit is the exit status of a TUI session: quitting interrupted a
// running step (q, or the terminal hung up) → 1, as in line mode.
func tuiExit(res tui.Result) error {
	switch {
	case res.Interrupted != "":
		return &failedError{msg: fmt.Sprintf("step %s interrupted; open the doc again to resume", res.Interrupted)}
	case res.HungUp:
		return &failedError{msg: "stopped by a signal (the terminal hung up); open the doc again to resume"}
	}
	return nil
}

// openTUIWith shows the TUI on an engine the caller opened (and closes).
// `runbook run` calls it on a terminal instead of line mode.
func openTUIWith(ctx context.Context, e *steps.Engine, s *streams) error {
	res, err := runTUI(ctx, e, s, false)
	if err != nil {
		return err
	}
	return tuiExit(res)
}

func runTUI(ctx context.Context, e *steps.Engine, s *streams, offerNewRun bool) (tui.Result, error) {
	cfg := tui.RunConfig{In: s.in, Out: s.out}
	cfg.OfferNewRun = offerNewRun
	return tui.Run(ctx, e, cfg)
}
