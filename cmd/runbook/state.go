package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/tui"
)

// stateFlags choose where runs live (docs/team.md): --state URL (or
// RUNBOOK_STATE, or the front matter's `state:`), and the legacy
// --state-dir.
type stateFlags struct {
	state    string
	stateDir string
	profile  string
	region   string
	// unreachable decides what to do when S3 cannot be read (run only).
	unreachable func(error, time.Duration) state.Decision
}

func (f *stateFlags) addStateFlags(fl *pflag.FlagSet, withAWS bool) {
	fl.StringVar(&f.state, "state", "", "where runs live: a directory or s3://bucket/prefix (default: RUNBOOK_STATE, the front matter's state:, else .runbook beside the file)")
	fl.StringVar(&f.stateDir, "state-dir", "", "state directory (same as --state DIR)")
	if withAWS {
		fl.StringVar(&f.profile, "profile", "", "AWS profile")
		fl.StringVar(&f.region, "region", "", "AWS region")
	}
}

// locationOfArgs loads the doc a command was given (none: args is empty)
// and the state location that applies to it.
func (f *stateFlags) locationOfArgs(args []string) (doc *runbook.Document, loc state.Location, err error) {
	file := ""
	if len(args) == 1 {
		if doc, err = runbook.Load(args[0]); err != nil {
			return nil, loc, err
		}
		file = args[0]
	}
	loc, err = f.location(doc, file)
	return doc, loc, err
}

// location resolves the state location of a command on doc (nil: none).
func (f *stateFlags) location(doc *runbook.Document, file string) (state.Location, error) {
	fm, docDir, def := "", "", ".runbook"
	if file != "" {
		def = journal.DefaultStateDir(file)
		docDir = filepath.Dir(file)
	}
	if doc != nil && doc.FrontMatter != nil {
		fm = doc.FrontMatter.State
	}
	loc, err := state.Choose(f.state, f.stateDir, fm, docDir, def)
	if err != nil {
		if f.state == "" && fm != "" && doc != nil {
			return loc, &runbook.Error{Path: doc.Path, Line: doc.FrontMatter.StateLine, Err: err}
		}
		return loc, usagef("--state: %v", err)
	}
	return loc, nil
}

// openState opens a state location for a command: a directory as it is;
// S3 through its local cache, pulled first (keep filters the runs, nil
// for all; logs fetches their logs too). dir is the state directory to
// read; remote is nil for a directory.
func (f *stateFlags) openState(ctx context.Context, loc state.Location, keep func(string) bool, logs bool) (dir string, remote *state.Remote, err error) {
	if !loc.S3() {
		return loc.Dir, nil, nil
	}
	store, err := state.OpenS3(ctx, loc, state.S3Options{Profile: f.profile, Region: f.region})
	if err != nil {
		return "", nil, &usageError{err}
	}
	remote, err = state.NewRemote(store)
	if err != nil {
		return "", nil, &usageError{err}
	}
	began := time.Now()
	for {
		err := remote.Pull(ctx, keep, logs)
		if err == nil {
			break
		}
		if f.unreachable == nil || !state.Transient(err) {
			return "", nil, fmt.Errorf("read runs: %w", err)
		}
		switch f.unreachable(err, time.Since(began)) {
		case state.GoLocal:
			// what this machine has of the runs; the lock decides later
			return remote.Cache, remote, nil
		case state.Stop:
			return "", nil, fmt.Errorf("read runs: %w", err)
		}
	}
	return remote.Cache, remote, nil
}

// inLane keeps the runs of a lane (every doc's: the next run's number
// counts them all).
func inLane(lane string) func(string) bool {
	return func(run string) bool {
		l, _ := journal.SplitRunName(run)
		return run == lane || l == lane
	}
}

// maxWait is how long --if-unreachable wait waits for S3 before the run
// stops (RUNBOOK_S3_MAX_WAIT, default 5m).
func maxWait() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("RUNBOOK_S3_MAX_WAIT")); err == nil && d > 0 {
		return d
	}
	return 5 * time.Minute
}

// unreachableChooser tells the engineer that S3 stays unreachable before
// a step starts, and asks (on a terminal) or applies mode: wait (keep
// trying, up to maxWait, then stop), local (go on locally; `runbook
// sync` later) or stop.
func unreachableChooser(errw io.Writer, in io.Reader, mode string) func(error, time.Duration) state.Decision {
	var rd *bufio.Reader
	limit := maxWait()
	return func(err error, waited time.Duration) state.Decision {
		fmt.Fprintf(errw, "runbook: the shared state is unreachable before the next step: %v\n", err)
		switch mode {
		case "local":
			fmt.Fprintln(errw, "runbook: going on locally (journaled); `runbook sync` pushes the events once S3 is back")
			return state.GoLocal
		case "stop":
			return state.Stop
		case "ask":
			if rd == nil {
				rd = bufio.NewReader(in)
			}
			for {
				fmt.Fprint(errw, "[w]ait and retry, go on [l]ocally (runbook sync later), or [s]top? ")
				line, rerr := rd.ReadString('\n')
				switch strings.ToLower(strings.TrimSpace(line)) {
				case "w", "wait", "r", "retry":
					return state.Wait
				case "l", "local":
					fmt.Fprintln(errw, "runbook: going on locally (journaled); `runbook sync` pushes the events once S3 is back")
					return state.GoLocal
				case "s", "stop", "q":
					return state.Stop
				}
				if rerr != nil {
					return state.Stop
				}
			}
		}
		if waited >= limit {
			fmt.Fprintf(errw, "runbook: still unreachable after %s: stopping (run again to resume)\n", waited.Round(time.Second))
			return state.Stop
		}
		fmt.Fprintf(errw, "runbook: waiting and retrying (for %s so far, up to %s)\n", waited.Round(100*time.Millisecond), limit)
		return state.Wait
	}
}

// tuiUnreachable is the TUI's answer when S3 stays unreachable before a
// step starts: with --if-unreachable ask (the default) the TUI's dialog
// asks the engineer (ask is then passed to the TUI); with wait, local or
// stop that mode decides, silently (nothing may be printed under the
// TUI). Before the TUI shows, ask answers stop: the run does not open,
// and the error says why.
func tuiUnreachable(ask *tui.Unreachable, mode string) func(error, time.Duration) state.Decision {
	if mode != "" && mode != "ask" {
		return unreachableChooser(io.Discard, nil, mode)
	}
	return func(err error, waited time.Duration) state.Decision {
		switch ask.Ask(err, waited) {
		case tui.UnreachableWait:
			return state.Wait
		case tui.UnreachableLocal:
			return state.GoLocal
		}
		return state.Stop
	}
}

// heldElsewhere refuses, before anything is shown, a run on S3 that
// someone holds: with a live lease, or an expired one without
// --take-over. The lock itself is taken with the first event (Begin),
// atomically; this only says it early.
func heldElsewhere(ctx context.Context, r *state.Remote, e *steps.Engine, takeOver bool) error {
	run := e.Opened().Run
	info, err := r.Store.LockInfo(ctx, run)
	if err != nil || info == nil {
		return nil // Begin decides, and says why
	}
	now := time.Now()
	if live := info.Live(now); live || !takeOver {
		return &heldRun{HeldError: &state.HeldError{Run: run, Holder: *info, Expired: !live, Now: now}, view: e.View()}
	}
	return nil
}

// heldRun is a run someone else holds, with what it looks like, for the
// TUI's read-only view.
type heldRun struct {
	*state.HeldError
	view *journal.RunView
}

func (h *heldRun) Unwrap() error { return h.HeldError }

// wireOrHeld opens the run like wireEngine; on a terminal (inTUI), a run
// someone else holds is shown read-only first, and one whose lease
// expired can be taken over from there (the TUI's dialog shows the
// holder), which opens it again with --take-over.
func wireOrHeld(ctx context.Context, s *streams, doc *runbook.Document, f *engineFlags, o wireOptions, inTUI bool) (*wired, error) {
	w, err := wireEngine(ctx, doc, *f, o)
	var h *heldRun
	if !inTUI || !errors.As(err, &h) {
		return w, err
	}
	held := tui.Held{Run: h.Run, Holder: "held by " + h.Holder.Describe(time.Now()), Expired: h.Expired, View: h.view}
	cfg := tuiConfig(os.Getenv, os.Environ())
	cfg.In, cfg.Out = s.in, s.out
	takeOver, terr := tui.ShowHeld(ctx, cfg, held)
	if terr != nil || !takeOver {
		return nil, errors.Join(err, terr)
	}
	f.takeOver = true
	return wireEngine(ctx, doc, *f, o)
}

// where is the run's location for the engineer: its S3 URL, or its
// directory.
func (w *wired) where() string {
	if w.remote == nil {
		return w.engine.RunDir()
	}
	return strings.TrimSuffix(w.remote.Store.Location().String(), "/") + "/" + w.engine.Opened().Run
}
