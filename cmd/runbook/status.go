package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

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
	out, err := journal.StatusOf(dir, doc)
	if err != nil {
		return err
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
			fmt.Fprintf(tw, "%s\tunreadable\t-\t-\t-\t%s\n", r.Name, r.Error)
			continue
		}
		updated := "-"
		if r.Updated != nil {
			updated = r.Updated.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Status, progress(r), updated, r.Who, r.Doc)
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

// progress is "5/12 done (1 failed)": the counted steps (journal.RunView),
// and those needing attention.
func progress(r journal.RunJSON) string {
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
	p := fmt.Sprintf("%d/%d done", r.Done, r.Total)
	if len(extra) > 0 {
		p += " (" + strings.Join(extra, ", ") + ")"
	}
	return p
}
