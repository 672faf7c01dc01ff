package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	newRun, flags := false, f.engineFlags
	ask := tui.NewUnreachable()
	for {
		w, err := wireOrHeld(ctx, s, doc, &flags, wireOptions{NewRun: newRun, Logs: true, Unreachable: tuiUnreachable(ask, f.ifUnreachable)}, true)
		if err != nil {
			return err
		}
		res, err := runTUI(ctx, w.engine, s, true, ask)
		hint := resumeHint(w.engine, file, flags.stateDir)
		cerr := w.Close()
		if err != nil {
			return err
		}
		switch {
		case res.OpenRun != "":
			// A past run picked in the TUI (P): open it by its full name.
			flags.run, newRun = res.OpenRun, false
		case res.NewRun:
			// The engineer chose not to resume: the unfinished run stays
			// on disk as it is and the lane's next run starts
			// (docs/run-model.md). Its name is the lane's (runname.go).
			flags.run, newRun = laneOf(flags.run), true
		default:
			printResumeHint(s, hint)
			return errors.Join(tuiExit(res), cerr)
		}
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
func openTUIWith(ctx context.Context, e *steps.Engine, s *streams, file, stateDir string, ask *tui.Unreachable) error {
	res, err := runTUI(ctx, e, s, false, ask)
	if err != nil {
		return err
	}
	printResumeHint(s, resumeHint(e, file, stateDir))
	return tuiExit(res)
}

// resumeHint is the line that says how to pick the run up again, "" when
// the run is complete (every counted step settled).
func resumeHint(e *steps.Engine, file, stateDir string) string {
	v := e.View()
	name := e.Opened().Run
	if v.State != nil && v.State.Run != "" {
		name = v.State.Run
	}
	return tui.ResumeHint(file, name, stateDir, v.Complete || v.Finished)
}

// printResumeHint prints the hint on stderr once the terminal is back.
func printResumeHint(s *streams, hint string) {
	if hint != "" {
		fmt.Fprintln(s.err, hint)
	}
}

func runTUI(ctx context.Context, e *steps.Engine, s *streams, offerNewRun bool, ask *tui.Unreachable) (tui.Result, error) {
	cfg := tuiConfig(os.Getenv, os.Environ())
	cfg.Unreachable = ask
	cfg.In, cfg.Out = s.in, s.out
	cfg.PastRuns = pastRuns(e)
	o := e.Opened()
	cfg.RunName = o.Run
	if p := o.Previous; p != nil {
		cfg.Previous = &tui.PastRun{Name: p.Run, Status: string(p.Status), Finished: p.Finished, Updated: p.Updated}
	}
	cfg.OfferNewRun = offerNewRun
	cfg.ClipboardTools = tui.DetectClipboard(exec.LookPath, os.Getenv)
	cfg.Pager = tui.PagerCommand(os.Getenv("PAGER"))
	cfg.Export = tuiExporter(e, os.LookupEnv, time.Now)
	return tui.Run(ctx, e, cfg)
}

// tuiConfig reads what the TUI needs from the environment, here in the
// composition root, so that the tui package reads none itself.
func tuiConfig(getenv func(string) string, environ []string) tui.RunConfig {
	cfg := tui.RunConfig{Env: environ}
	cfg.Editor = getenv("VISUAL")
	if cfg.Editor == "" {
		cfg.Editor = getenv("EDITOR")
	}
	// NO_COLOR counts when non-empty (no-color.org); the terminal
	// profile is told the same, since it only understands "1"/"true".
	if getenv("NO_COLOR") != "" {
		cfg.NoColor = true
		cfg.Env = append(slices.Clip(environ), "NO_COLOR=1")
	}
	cfg.ASCII = !utf8Locale(getenv)
	cfg.IsDark = darkBackground(getenv("COLORFGBG"))
	return cfg
}

// utf8Locale reports whether the locale's character set is UTF-8: the
// first of LC_ALL, LC_CTYPE and LANG that is set decides (POSIX order).
// None set, or "C"/"POSIX", is ASCII.
func utf8Locale(getenv func(string) string) bool {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if l := getenv(v); l != "" {
			l = strings.ToLower(l)
			return strings.Contains(l, "utf-8") || strings.Contains(l, "utf8")
		}
	}
	return false
}

// darkBackground guesses the background until the terminal answers the
// TUI's query: COLORFGBG ("15;0": light text on a dark background) when
// the terminal sets it, else dark.
func darkBackground(colorfgbg string) bool {
	parts := strings.Split(colorfgbg, ";")
	bg, err := strconv.Atoi(parts[len(parts)-1])
	if colorfgbg == "" || err != nil {
		return true
	}
	return bg < 7 || bg == 8
}

// pastRuns lists the runs of the engine's doc for the TUI's picker, most
// recent first; a state directory that cannot be listed gives none (the
// picker then offers a new run only).
func pastRuns(e *steps.Engine) []tui.PastRun {
	abs, err := filepath.Abs(e.Doc().Path)
	if err != nil {
		return nil
	}
	runs, err := journal.RunsOf(filepath.Dir(e.RunDir()), abs)
	if err != nil {
		return nil
	}
	out := make([]tui.PastRun, 0, len(runs))
	for _, r := range runs {
		if r.Error != "" {
			continue
		}
		status := string(r.Status)
		if status == "" {
			status = "not started"
		}
		out = append(out, tui.PastRun{Name: r.Run, Status: status, Finished: r.Finished, Updated: r.Updated})
	}
	return out
}
