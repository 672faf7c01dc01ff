package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/atomicfile"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/report"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
)

// reportOptions are the report command's flags and dependencies.
type reportOptions struct {
	stateFlags
	file   string
	run    string
	format string
	out    string
	upload string

	// load reads a run directory (journal.Load; tests may swap it).
	load    func(runDir string) ([]journal.Event, *journal.State, error)
	now     func() time.Time
	environ func(string) (string, bool)
}

func newReportCmd(s *streams) *cobra.Command {
	o := &reportOptions{load: journal.Load, now: time.Now, environ: os.LookupEnv}
	cmd := &cobra.Command{
		Use:   "report FILE",
		Short: "Export a run as a completion report (md, html, json, junit)",
		Long: `Export a finished or half-finished run of FILE as a completion report:
  md     the runbook itself, annotated with each step's status and output
  html   one self-contained page (no scripts, nothing fetched), printable
  json   everything in the journal, schema in docs/report.schema.json
  junit  JUnit XML, one testcase per step, for CI dashboards
The report goes to stdout, or atomically to -o OUT. Secrets are masked.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			if !cmd.Flags().Changed("format") && o.out != "" {
				o.format = formatFromName(o.out, o.format)
			}
			return runReport(cmd, s, o)
		},
	}
	f := cmd.Flags()
	f.Var(runNameFlag{&o.run}, "run", "run name (default: derived from FILE)")
	f.StringVar(&o.format, "format", "md", "report format: "+strings.Join(report.Formats(), ", "))
	f.StringVarP(&o.out, "output", "o", "", "write the report to this file (atomically) instead of stdout")
	f.StringVar(&o.upload, "upload", "", "also upload the report to S3, e.g. s3://bucket/prefix/")
	o.addStateFlags(f, true)
	return cmd
}

// formatFromName picks the format from -o's extension when --format is not
// given: report.html is HTML without saying so twice.
func formatFromName(name, def string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		return "html"
	case ".json":
		return "json"
	case ".xml":
		return "junit"
	case ".md", ".markdown":
		return "md"
	}
	return def
}

func runReport(cmd *cobra.Command, s *streams, o *reportOptions) error {
	switch o.format {
	case "md", "html", "json", "junit":
	default:
		return usagef("unknown --format %q (want %s)", o.format, strings.Join(report.Formats(), ", "))
	}
	doc, err := runbook.Load(o.file)
	if err != nil {
		return err
	}
	// --run names a lane (its latest run) or one run by its full name;
	// without it, the doc's own lane (docs/run-model.md).
	lane := o.run
	if lane == "" {
		lane = journal.DefaultRunName(o.file)
	}
	loc, err := o.location(doc, o.file)
	if err != nil {
		return err
	}
	stateDir, remote, err := o.openState(cmd.Context(), loc, inLane(journal.SplitRunNameLane(lane)), true)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(o.file)
	if err != nil {
		return err
	}
	ref, ok, err := journal.FindRun(stateDir, lane, abs)
	if err != nil {
		return usagef("read run %q: %v", lane, err)
	}
	if !ok {
		return usagef("no run %q of %s in %s; runs are listed by `runbook status %s`", lane, o.file, stateDir, o.file)
	}
	run, runDir := ref.Name, ref.Dir
	events, st, err := o.load(runDir)
	if err != nil {
		return usagef("read run %q: %v", run, err)
	}
	in := report.Input{Doc: doc, State: st, Events: events, RunDir: runDir,
		Secrets: secretValues(doc, o.environ), Now: o.now(), Live: runIsLive(stateDir, run)}
	if remote != nil {
		info, err := remote.Store.LockInfo(cmd.Context(), run)
		if err != nil {
			return err
		}
		in.Live = info != nil && info.Live(o.now())
	}

	var body bytes.Buffer
	if err := report.Write(&body, o.format, in); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if o.out != "" {
		if err := writeReport(o.out, body.Bytes()); err != nil {
			return err
		}
	} else if o.upload == "" {
		out := s.out
		if terminal(s.out) != nil {
			// read on a terminal: the doc's text is shown escaped; a
			// report piped or saved keeps its exact bytes
			out = termtext.NewWriter(s.out)
		}
		if _, err := out.Write(body.Bytes()); err != nil {
			return err
		}
		if tw, ok := out.(*termtext.Writer); ok {
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	if o.upload != "" {
		name := run + "-report" + report.Extension(o.format)
		if o.out != "" {
			name = filepath.Base(o.out)
		}
		url, err := uploadReport(cmd.Context(), o.upload, name, body.Bytes(), report.ContentType(o.format), o.profile, o.region)
		if err != nil {
			return err
		}
		fmt.Fprintln(s.out, url)
	}
	return nil
}

// runIsLive reports whether a runbook process has the run open now (its
// journal lock is held), so a step still running is really running.
func runIsLive(stateDir, run string) bool {
	runs, err := journal.Runs(stateDir)
	if err != nil {
		return false
	}
	for _, r := range runs {
		if r.Run == run || filepath.Base(r.Dir) == run {
			return r.Live
		}
	}
	return false
}

// secretValues finds the run's secret values that this process can see
// (RUNBOOK_VAR_<NAME> and env: sources), to mask them again in the report.
// The engine never wrote them anywhere; this is defence in depth.
func secretValues(doc *runbook.Document, env func(string) (string, bool)) []string {
	var out []string
	add := func(name string, v *runbook.Variable) {
		if val, ok := env(steps.EnvPrefix + steps.EnvName(name)); ok && val != "" {
			out = append(out, val)
		}
		if v != nil && strings.HasPrefix(v.Source, "env:") {
			if val, ok := env(strings.TrimPrefix(v.Source, "env:")); ok && val != "" {
				out = append(out, val)
			}
		}
	}
	for _, p := range doc.Placeholders {
		if p.Secret || (p.Var != nil && p.Var.Secret) {
			add(p.Name, p.Var)
		}
	}
	if doc.FrontMatter != nil {
		for _, v := range doc.FrontMatter.Variables {
			if v.Secret {
				add(v.Name, v)
			}
		}
	}
	return out
}

// writeReport replaces path atomically (a reader never sees half a
// report; a failed write leaves the old file). An existing file keeps its
// mode; a new one is 0644, for sharing.
func writeReport(path string, data []byte) error {
	o := atomicfile.Options{Perm: 0o644}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		o.Keep = fi
	}
	atomicfile.RemoveStale(path)
	if err := atomicfile.Write(path, data, o); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return &usageError{err} // a directory that is not there or not ours
		}
		return err
	}
	return nil
}
