package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
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
	for {
		w, err := wireEngine(ctx, doc, f.engineFlags, wireOptions{})
		if err != nil {
			return err
		}
		e, err := w.Open(ctx)
		if err != nil {
			w.Close()
			return err
		}
		res, err := runTUI(ctx, e, s, true)
		cerr := w.Close()
		if err != nil {
			return err
		}
		if !res.NewRun {
			return cerr
		}
		// The engineer chose not to resume: the unfinished run stays on
		// disk as it is and a new one starts under a dated name.
		base := f.run
		if base == "" {
			base = journal.DefaultRunName(doc.Path)
		}
		f.run = fmt.Sprintf("%s-%s", base, time.Now().Format("20060102-150405"))
	}
}

// openTUIWith shows the TUI on an engine the caller opened (and closes).
// `runbook run` calls it on a terminal instead of line mode.
func openTUIWith(ctx context.Context, e *steps.Engine, s *streams) error {
	_, err := runTUI(ctx, e, s, false)
	return err
}

func runTUI(ctx context.Context, e *steps.Engine, s *streams, offerNewRun bool) (tui.Result, error) {
	cfg := tui.RunConfig{In: s.in, Out: s.out}
	cfg.OfferNewRun = offerNewRun
	return tui.Run(ctx, e, cfg)
}
