package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

// statusJSON is `runbook status --json` (docs/cli.md).
type statusJSON struct {
	StateDir string      `json:"stateDir"`
	File     string      `json:"file,omitempty"`
	Runs     []statusRun `json:"runs"`
}

type statusRun struct {
	Run      string         `json:"run"`
	Dir      string         `json:"dir"`
	Doc      string         `json:"doc,omitempty"`
	Who      string         `json:"who,omitempty"`
	Host     string         `json:"host,omitempty"`
	Started  *time.Time     `json:"started,omitempty"`
	Updated  *time.Time     `json:"updated,omitempty"`
	Finished bool           `json:"finished"`
	Status   string         `json:"status"`
	Counts   map[string]int `json:"counts"`
	// Total and Stale are known only when FILE is given: the doc's steps.
	Total *int `json:"total,omitempty"`
	// Live is set while a runbook process has the run open.
	Live  bool   `json:"live"`
	Error string `json:"error,omitempty"`
}

func newStatusCmd(s *streams) *cobra.Command {
	var asJSON bool
	var stateDir, repair string
	cmd := &cobra.Command{
		Use:   "status [FILE]",
		Short: "List runs and their progress",
		Long: `List the runs in a state directory with their progress. With FILE, the
state directory beside it (or --state-dir) and the doc's steps are used, so
that progress counts steps not started yet and steps changed since they ran.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			var doc *runbook.Document
			dir := stateDir
			if len(args) == 1 {
				d, err := runbook.Load(args[0])
				if err != nil {
					return err
				}
				doc = d
				if dir == "" {
					dir = journal.DefaultStateDir(args[0])
				}
			}
			if dir == "" {
				dir = ".runbook"
			}
			if repair != "" {
				return repairRun(s, dir, repair)
			}
			return runStatus(s, dir, doc, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/cli.md)")
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "state directory (default: .runbook beside FILE, or ./.runbook)")
	cmd.Flags().Var(runNameFlag{&repair}, "repair", "repair the damaged journal of run NAME: keep the events before the damage, save the rest beside it (docs/journal.md)")
	return cmd
}

func runStatus(s *streams, dir string, doc *runbook.Document, asJSON bool) error {
	sums, err := journal.Runs(dir)
	if err != nil {
		return err
	}
	out := statusJSON{StateDir: dir, Runs: []statusRun{}}
	var docAbs string
	if doc != nil {
		out.File = doc.Path
		docAbs, _ = filepath.Abs(doc.Path)
	}
	for _, r := range sums {
		// With FILE, only that doc's runs.
		if doc != nil && r.Error == "" && r.Doc != "" && r.Doc != doc.Path && r.Doc != docAbs {
			continue
		}
		out.Runs = append(out.Runs, summarize(r, doc))
	}
	if asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	// run names, paths, who and errors come from the journal: escaped
	hw := termtext.NewWriter(s.out)
	defer hw.Flush()
	if len(out.Runs) == 0 {
		fmt.Fprintf(hw, "no runs in %s\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(hw, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATUS\tPROGRESS\tUPDATED\tWHO\tDOC")
	for _, r := range out.Runs {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\tunreadable\t-\t-\t-\t%s\n", r.Run, r.Error)
			continue
		}
		updated := "-"
		if r.Updated != nil {
			updated = r.Updated.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Run, r.Status, progress(r), updated, r.Who, r.Doc)
	}
	return tw.Flush()
}

// repairRun repairs a damaged journal (journal.Repair) and says what it
// kept, what it set aside and which steps to check.
func repairRun(s *streams, stateDir, run string) error {
	res, err := journal.Repair(journal.RunDir(stateDir, run))
	if err != nil {
		return err
	}
	out := termtext.NewWriter(s.out)
	defer out.Flush()
	switch {
	case res.Intact:
		fmt.Fprintf(out, "run %s: the journal is intact (%d events); nothing to repair\n", run, res.Kept)
		return nil
	case res.SetAside:
		fmt.Fprintf(out, "run %s: nothing in the journal could be kept; the run is set aside as %s and the next run starts afresh\n", run, res.Saved)
	default:
		fmt.Fprintf(out, "run %s: kept the %d intact events, dropped %d damaged line(s); the damaged journal is saved as %s\n", run, res.Kept, res.Dropped, res.Saved)
	}
	if len(res.Steps) > 0 {
		fmt.Fprintf(out, "the dropped lines mention step(s) %s: check what they did before running them again\n", strings.Join(res.Steps, ", "))
	}
	return nil
}

// summarize turns a journal summary into the status row; with the doc,
// steps never touched count as pending and changed ones as stale.
func summarize(r journal.RunSummary, doc *runbook.Document) statusRun {
	row := statusRun{Run: r.Run, Dir: r.Dir, Doc: r.Doc, Who: r.Who, Host: r.Host,
		Finished: r.Finished, Counts: map[string]int{}, Error: r.Error, Live: r.Live}
	if r.Error != "" {
		row.Status = "unreadable"
		return row
	}
	if !r.Started.IsZero() {
		row.Started, row.Updated = &r.Started, &r.Updated
	}
	counts := map[journal.Status]int{}
	if doc != nil && r.State != nil {
		total := 0
		for _, st := range doc.Steps {
			ss := r.State.Steps[st.ID]
			switch {
			case ss == nil:
				if st.Kind == runbook.KindCheck || st.Attrs.Skip {
					continue // not part of a run unless asked
				}
				counts[journal.Pending]++
			case ss.Status.Finished() && ss.Hash != "" && ss.Hash != st.Hash:
				counts[journal.Stale]++
			default:
				counts[ss.Status]++
			}
			total++
		}
		row.Total = &total
	} else {
		counts = r.Counts
	}
	for st, n := range counts {
		row.Counts[string(st)] = n
	}
	switch {
	case r.Finished:
		row.Status = string(r.Status)
	case r.Live:
		row.Status = "running"
	case counts[journal.Running] > 0:
		// A step was running when its runbook died: the next run of the
		// doc records it as interrupted.
		row.Status = "interrupted"
	case counts[journal.Failed]+counts[journal.TimedOut]+counts[journal.Interrupted] > 0:
		row.Status = "stopped"
	default:
		row.Status = "in progress"
	}
	return row
}

// progress is "5/12 done (1 failed)" with the doc, else counts by status.
func progress(r statusRun) string {
	done := 0
	for _, st := range []journal.Status{journal.OK, journal.Skipped, journal.DoneByHand, journal.AlreadyDone} {
		done += r.Counts[string(st)]
	}
	var extra []string
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch journal.Status(k) {
		case journal.OK, journal.Skipped, journal.DoneByHand, journal.AlreadyDone, journal.Pending:
			continue
		}
		extra = append(extra, fmt.Sprintf("%d %s", r.Counts[k], k))
	}
	p := fmt.Sprintf("%d done", done)
	if r.Total != nil {
		p = fmt.Sprintf("%d/%d done", done, *r.Total)
	}
	if len(extra) > 0 {
		p += " (" + strings.Join(extra, ", ") + ")"
	}
	return p
}
