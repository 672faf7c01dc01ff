package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/tui"
	"github.com/runbook-sh/runbook/tui/lines"
)

// runFlags are `runbook run`'s flags.
type runFlags struct {
	engineFlags
	noTUI     bool
	only      []string
	from      string
	yes       bool
	dryRun    bool
	checks    bool
	writeBack bool
}

func newRunCmd(s *streams) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a runbook (line mode with --no-tui or when stdout is not a terminal)",
		Long: `Run a runbook's steps in order, journaling every event under the state
directory so that an interrupted run resumes where it stopped.

Without a terminal (or with --no-tui) progress is printed line by line;
values come from --set, --values and RUNBOOK_VAR_<NAME>, and anything
missing fails before the first step runs.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), s, args[0], f)
		},
	}
	fl := cmd.Flags()
	f.addFlags(fl)
	fl.StringSliceVar(&f.only, "only", nil, "run only these step ids (comma-separated)")
	fl.StringVar(&f.from, "from", "", "start at this step id")
	fl.BoolVar(&f.checks, "checks", false, "also run the check steps of check tables")
	fl.StringVar(&f.mysqlDSN, "mysql-dsn", "", "MySQL connection for SQL steps (overrides the front matter)")
	f.addStateFlags(fl, true)
	fl.BoolVar(&f.takeOver, "take-over", false, "take over a run on S3 whose holder's lease expired (journaled; see docs/team.md)")
	fl.StringVar(&f.ifUnreachable, "if-unreachable", "", "when S3 stays unreachable before a step: ask, wait, local or stop (default: ask on a terminal, else wait)")
	return cmd
}

// addFlags registers the flags `run` shares with `demo`.
func (f *runFlags) addFlags(fl *pflag.FlagSet) {
	fl.BoolVar(&f.noTUI, "no-tui", false, "line mode: print progress line by line")
	fl.Var(runNameFlag{&f.run}, "run", "run name (default: derived from the file name)")
	fl.StringArrayVar(&f.sets, "set", nil, "NAME=VALUE for a placeholder, variable or question id (repeatable)")
	fl.StringVar(&f.values, "values", "", "YAML file of NAME: VALUE")
	fl.BoolVar(&f.yes, "yes", false, "run every step without asking (manual steps are left pending)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print each final command (secrets masked), run nothing")
	fl.BoolVar(&f.writeBack, "write-back", false, "write the answers given into the file at the end (the diff is shown)")
}

// terminal returns the *os.File behind a stream when it is a terminal.
func terminal(v any) *os.File {
	f, ok := v.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

func lineStyle(out io.Writer) lines.Style {
	var st lines.Style
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := os.Getenv(k); v != "" {
			v = strings.ToLower(v)
			st.Unicode = strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
			break
		}
	}
	st.Color = terminal(out) != nil && !noColor() && os.Getenv("TERM") != "dumb"
	return st
}

func runRun(ctx context.Context, s *streams, file string, f *runFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	doc, err := runbook.Load(file)
	if err != nil {
		return err
	}
	if err := doc.Err(); err != nil {
		return err
	}
	outTTY := terminal(s.out)
	inTTY := terminal(s.in)
	opt := lines.Options{
		Out: s.out, Ask: inTTY != nil && !f.yes, In: s.in, PromptOut: s.err,
		Yes: f.yes, DryRun: f.dryRun, Style: lineStyle(s.out), Terminal: inTTY,
		Selection: steps.Selection{From: strings.TrimSpace(f.from), Only: stepIDs(f.only), Checks: f.checks},
	}
	// Opening has no side effects: a run refused below for a missing
	// value leaves nothing on disk.
	mode := f.ifUnreachable
	switch {
	case mode == "" && inTTY != nil && !f.yes && !useTUI(s, f):
		mode = "ask"
	case mode == "":
		mode = "wait"
	case mode != "ask" && mode != "wait" && mode != "local" && mode != "stop":
		return usagef("--if-unreachable %q: want ask, wait, local or stop", mode)
	}
	unreachable := unreachableChooser(s.err, s.in, mode)
	ask := tui.NewUnreachable()
	if useTUI(s, f) {
		unreachable = tuiUnreachable(ask, f.ifUnreachable)
	}
	if useTUI(s, f) || len(doc.Source) > bigDoc {
		longLived()
	}
	w, err := wireOrHeld(ctx, s, doc, &f.engineFlags, wireOptions{NoPTY: outTTY == nil, DryRun: f.dryRun,
		Logs: useTUI(s, f), Unreachable: unreachable}, useTUI(s, f))
	if err != nil {
		return err
	}
	defer w.Close()
	e := w.engine
	if useTUI(s, f) {
		return openTUIWith(ctx, e, s, file, f.stateDir, ask)
	}

	ctx, stop := interruptOnSignals(ctx)
	defer stop()

	opt.Header = openingLine(e, doc.Path, w.where(), f.dryRun)
	if inTTY != nil {
		opt.ReadSecret = func() (string, error) { return readSecret(ctx, inTTY) }
	}
	sqlNoticed := false
	opt.BeforeStep = func(ctx context.Context, st *runbook.Step) string {
		if st.Kind != runbook.KindSQL || sqlNoticed {
			return ""
		}
		sqlNoticed = true
		t, err := w.SQLTarget(ctx)
		if err != nil {
			return "MySQL: " + err.Error()
		}
		return t
	}
	out, err := lines.Run(ctx, e, opt)
	if err := missingError(s, err); err != nil {
		if errors.Is(context.Cause(ctx), steps.ErrInterrupted) {
			return &failedError{msg: "interrupted; run again to resume"}
		}
		return err
	}
	if f.dryRun {
		if f.writeBack {
			return showWriteBack(s, e, false, "dry run: --write-back would write these answers into the file:")
		}
		return nil
	}
	if !out.Finished && len(e.Background()) > 0 {
		// The run stops here: so do the steps running in the background
		// (a resumed run offers to start them again), before the summary
		// says where the run stands.
		e.StopBackgroundSteps(journal.Interrupted)
		out.View = e.View()
	}
	return endOfRun(s, e, f, out)
}

// interruptOnSignals cancels ctx with steps.ErrInterrupted on Ctrl-C,
// SIGTERM and SIGHUP (an SSH session that drops): the executor stops the
// running step's process group (a SQL statement gets KILL QUERY), its end
// is journaled as interrupted, and the run stops, resumable (exit 1).
func interruptOnSignals(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case <-sig:
			cancel(steps.ErrInterrupted)
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		cancel(nil)
	}
}

// openingLine says which run this is, and why: resumed, or new after a
// finished one (docs/run-model.md).
func openingLine(e *steps.Engine, file, where string, dryRun bool) string {
	o := e.Opened()
	verb := "starting"
	switch {
	case dryRun:
		verb = "dry run of"
	case o.Resume:
		verb = "resuming"
	}
	line := fmt.Sprintf("%s run %s of %s (state: %s)", verb, o.Run, termtext.Escape(file), termtext.Escape(where))
	if p := o.Previous; p != nil && !dryRun {
		if p.Finished {
			line += fmt.Sprintf("\nrun %s finished %s on %s; this is a new run", p.Run, p.Status, p.Updated.Local().Format("2006-01-02 15:04"))
		} else {
			line += fmt.Sprintf("\nrun %s is left unfinished as it is", p.Run)
		}
	}
	return line
}

// endOfRun prints the summary and the answers not in the doc yet, and
// turns the outcome into the exit code (steps.Outcome.ExitCode).
func endOfRun(s *streams, e *steps.Engine, f *runFlags, out *steps.Outcome) error {
	fmt.Fprintln(s.out, "summary: "+lines.Summary(out.View))
	if len(out.Manual) > 0 {
		fmt.Fprintf(s.out, "%d manual step(s) need a person and are still pending: %s\n", len(out.Manual), strings.Join(out.Manual, ", "))
	}
	if len(out.Tolerated) > 0 {
		fmt.Fprintf(s.out, "%d continue-on-error step(s) failed: %s\n", len(out.Tolerated), strings.Join(out.Tolerated, ", "))
	}
	if out.Finished {
		fmt.Fprintf(s.out, "run %s finished: every step is done\n", e.Opened().Run)
	}
	header := "answers given in this run are not in the file yet; --write-back writes them:"
	if _, values := written(e); values < confirmedValues(e) {
		header = "answers given and values found in this run are not in the file yet; --write-back writes them:"
	}
	if err := showWriteBack(s, e, f.writeBack, header); err != nil {
		return err
	}
	switch {
	case out.Err != nil:
		return out.Err
	case out.Stopped == nil:
		return nil
	case out.Status == journal.Interrupted:
		return &failedError{msg: fmt.Sprintf("step %s interrupted; run again to resume", out.Stopped.ID)}
	case out.Status == journal.Pending && out.Reason != "":
		return &failedError{msg: out.Reason + "; run again to resume"}
	case out.Status == journal.Pending:
		return &failedError{msg: fmt.Sprintf("stopped before step %s; run again to resume", out.Stopped.ID)}
	}
	return &failedError{msg: fmt.Sprintf("step %s %s; run again to resume", out.Stopped.ID, out.Status)}
}

// stepIDs are --only's ids without the spaces of a list written
// "a, b" and without empty entries.
func stepIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// missingError prints the details of a *lines.MissingError and makes it,
// and a *lines.InputError, a usage error (exit 2); other errors pass
// through.
func missingError(s *streams, err error) error {
	var in *lines.InputError
	if errors.As(err, &in) {
		return &usageError{err}
	}
	var miss *lines.MissingError
	if !errors.As(err, &miss) {
		return err
	}
	for _, d := range miss.Details() {
		fmt.Fprintln(s.err, "  "+termtext.EscapeLine(d))
	}
	return &usageError{err}
}

// useTUI: the checklist on a terminal, unless a flag asks for what only
// line mode does (no questions, a dry run, a subset of the steps).
func useTUI(s *streams, f *runFlags) bool {
	if f.noTUI || f.yes || f.dryRun || len(f.only) > 0 || f.from != "" || f.checks {
		return false
	}
	return terminal(s.in) != nil && terminal(s.out) != nil
}

// showWriteBack prints the diff of the answers not yet in the doc, under
// header unless it writes them (when asked).
func showWriteBack(s *streams, e *steps.Engine, write bool, header string) error {
	diff, err := e.PendingWriteBack()
	if err != nil || diff == "" {
		return err
	}
	if !write {
		fmt.Fprintln(s.out, header)
	}
	fmt.Fprint(s.out, diff)
	if !write {
		return nil
	}
	answers, values := written(e)
	if err := e.WriteBack(); err != nil {
		return err
	}
	a2, v2 := written(e)
	what := fmt.Sprintf("%d answer(s)", a2-answers)
	if v2 > values {
		what += fmt.Sprintf(" and %d value(s)", v2-values)
	}
	fmt.Fprintf(s.out, "wrote %s into %s\n", what, termtext.Escape(e.Doc().Path))
	return nil
}

// written counts the answers and the confirmed named outputs (values)
// written into the doc.
func written(e *steps.Engine) (answers, values int) {
	st := e.State()
	for _, a := range st.Answers {
		if a.Written {
			answers++
		}
	}
	for _, o := range st.Outputs {
		if o.Written {
			values++
		}
	}
	return answers, values
}

// confirmedValues counts the confirmed named outputs that may go into
// the doc (not the secret ones).
func confirmedValues(e *steps.Engine) int {
	n := 0
	for _, o := range e.State().Outputs {
		if !o.Secret {
			n++
		}
	}
	return n
}
