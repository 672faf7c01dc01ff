package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

func newStatusCmd(s *streams) *cobra.Command {
	var asJSON bool
	var repair string
	var sf stateFlags
	cmd := &cobra.Command{
		Use:   "status [FILE]",
		Short: "List runs and their progress",
		Long: `List the runs in a state location with their progress. With FILE, the
state location of the doc (--state, RUNBOOK_STATE, its front matter's
state:, else .runbook beside it) and the doc's steps are used, so that
progress counts steps not started yet and steps changed since they ran.
On S3 (--state s3://bucket/prefix) every run of the team is listed with
who holds it, where, and whether its lease is live (docs/team.md).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, loc, err := sf.locationOfArgs(args)
			if err != nil {
				return err
			}
			if repair != "" {
				if loc.S3() {
					return usagef("--repair works on a state directory; a run on S3 is repaired in its cache after `runbook status --state %s`", loc)
				}
				return repairRun(s, loc.Dir, repair)
			}
			dir, remote, err := sf.openState(cmd.Context(), loc, nil, false)
			if err != nil {
				return err
			}
			out, err := journal.StatusOf(dir, doc)
			if err != nil {
				return err
			}
			if remote != nil {
				if err := addLocks(cmd.Context(), remote, doc, &out); err != nil {
					return err
				}
			}
			return printStatus(s, dir, out, asJSON, remote != nil)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/cli.md)")
	sf.addStateFlags(cmd.Flags(), true)
	cmd.Flags().Var(runNameFlag{&repair}, "repair", "repair the damaged journal of run NAME: keep the events before the damage, save the rest beside it (docs/journal.md)")
	return cmd
}

// addLocks says who holds each run of an S3 location, and where each
// run is (its S3 URL rather than the local cache).
func addLocks(ctx context.Context, r *state.Remote, doc *runbook.Document, out *journal.StatusJSON) error {
	loc := r.Store.Location()
	out.StateDir = loc.String()
	now := time.Now()
	for i := range out.Runs {
		run := &out.Runs[i]
		info, err := r.Store.LockInfo(ctx, run.Name)
		if err != nil {
			return err
		}
		run.Live = false
		if info != nil && info.Live(now) && run.Error == "" {
			// held on another machine: its running step is running, not
			// interrupted, as the holder's own screen shows it
			*run = liveView(r, doc, run.Name)
		}
		run.Dir = strings.TrimSuffix(loc.String(), "/") + "/" + run.Name
		if info != nil {
			live := info.Live(now)
			run.Live = live
			run.Lock = &journal.LockJSON{Who: info.Who, Host: info.Host, PID: info.PID, Since: info.Start,
				Expires: info.Expires.UTC(), Live: live, Text: "held by " + info.Describe(now)}
		}
		if n := r.Ahead(run.Name); n > 0 && run.Error == "" {
			run.Error = fmt.Sprintf("this machine has %d event(s) not in S3: `runbook sync` pushes them", n)
		}
	}
	return nil
}

// liveView is a cached run seen as live (its holder's lease is).
func liveView(r *state.Remote, doc *runbook.Document, name string) journal.RunJSON {
	dir := journal.RunDir(r.Cache, name)
	_, st, err := journal.Load(dir)
	if err != nil {
		lane, _ := journal.SplitRunName(name)
		return journal.RunJSON{Name: name, Lane: lane, Status: journal.RunUnreadable, Counts: map[string]int{}, Error: err.Error()}
	}
	d := doc
	if d == nil && st.Doc != "" {
		d, _ = runbook.Load(st.Doc) // gone or unreadable: counts from the journal alone
	}
	return journal.NewView(d, st, true).JSON(name, dir)
}

func printStatus(s *streams, dir string, out journal.StatusJSON, asJSON, shared bool) error {
	if asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	// run names, paths, who and errors come from the journal: escaped
	hw := termtext.NewWriter(s.out)
	defer hw.Flush()
	if len(out.Runs) == 0 {
		fmt.Fprintf(hw, "no runs in %s\n", out.StateDir)
		return nil
	}
	tw := tabwriter.NewWriter(hw, 0, 4, 2, ' ', 0)
	if shared {
		fmt.Fprintln(tw, "RUN\tSTATUS\tPROGRESS\tUPDATED\tWHO\tWHERE\tLOCK")
	} else {
		fmt.Fprintln(tw, "RUN\tSTATUS\tPROGRESS\tUPDATED\tWHO\tDOC")
	}
	for _, r := range out.Runs {
		if r.Error != "" && r.Status == journal.RunUnreadable {
			fmt.Fprintf(tw, "%s\tunreadable\t-\t-\t-\t%s\n", r.Name, r.Error)
			continue
		}
		updated := "-"
		if r.Updated != nil {
			updated = r.Updated.Local().Format("2006-01-02 15:04")
		}
		if !shared {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Status, progress(r), updated, r.Who, r.Doc)
			continue
		}
		lock := "-"
		if r.Lock != nil {
			lock = r.Lock.Text
		}
		if r.Error != "" {
			lock += "; " + r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Status, progress(r), updated, r.Who, r.Host, lock)
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
