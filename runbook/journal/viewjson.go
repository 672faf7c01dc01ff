package journal

import (
	"path/filepath"
	"time"

	"github.com/runbook-sh/runbook/runbook"
)

// RunJSON is a run as every JSON output shows it (`runbook status --json`
// and the JSON report's "run"), built from one RunView so that they agree
// with each other and with the TUI and line mode.
type RunJSON struct {
	Name     string     `json:"name"` // the run's full name, its directory's name
	Lane     string     `json:"lane"` // the --run name it belongs to
	Dir      string     `json:"dir"`
	Doc      string     `json:"doc"` // the doc's absolute path when the run started
	Who      string     `json:"who"`
	Host     string     `json:"host"`
	Started  *time.Time `json:"started"`
	Updated  *time.Time `json:"updated"`
	Finished *time.Time `json:"finished"` // null while the run is open
	Status   RunStatus  `json:"status"`
	// Live is set while a runbook process has the run open.
	Live bool `json:"live"`
	// Complete: every counted step is settled (the run can finish).
	Complete bool `json:"complete"`
	// Done and Total count the counted steps; Counts has them by status.
	Done   int            `json:"done"`
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"`
	// Tolerated counts failures let through by continue-on-error.
	Tolerated int `json:"tolerated"`
	// Error says why the run's journal could not be read (status
	// "unreadable"; the rest is then mostly empty).
	Error string `json:"error,omitempty"`
	// Lock is who holds a run of a shared state (S3) and until when;
	// absent for a state directory and for a run nobody holds.
	Lock *LockJSON `json:"lock,omitempty"`
}

// LockJSON is the lock of a run in a shared state (docs/team.md).
type LockJSON struct {
	Who     string    `json:"who"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Expires time.Time `json:"expires"`
	// Live: the lease has not expired (the holder is presumably running).
	Live bool `json:"live"`
	// Text is "held by alice@bastion-1 since 14:02, lease live".
	Text string `json:"text"`
}

// RunUnreadable is the status of a run whose journal cannot be read.
const RunUnreadable RunStatus = "unreadable"

// JSON is the view as RunJSON, for the run named name in dir.
func (v *RunView) JSON(name, dir string) RunJSON {
	st := v.State
	lane, _ := SplitRunName(name)
	r := RunJSON{Name: name, Lane: lane, Dir: dir, Doc: st.Doc, Who: st.Who, Host: st.Host,
		Started: timePtr(st.Started), Updated: timePtr(st.Updated), Status: v.Status, Live: v.Live,
		Complete: v.Complete, Done: v.Counts.Done, Total: v.Counts.Total, Tolerated: v.Counts.Tolerated,
		Counts: map[string]int{}}
	if v.Finished {
		r.Finished = timePtr(st.FinishedAt)
	}
	for s, n := range v.Counts.By {
		if n > 0 {
			r.Counts[string(s)] = n
		}
	}
	return r
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// StatusJSON is `runbook status --json` (docs/cli.md).
type StatusJSON struct {
	SchemaVersion int       `json:"schemaVersion"`
	StateDir      string    `json:"stateDir"`
	File          string    `json:"file,omitempty"`
	Runs          []RunJSON `json:"runs"`
}

// StatusOf lists the runs of stateDir as `runbook status` shows them, most
// recently updated first: with doc, only that doc's runs; every run's
// progress is projected through the doc it ran (doc, else the file its
// journal names, when it can still be read), so that it counts what the
// TUI, line mode and reports count.
func StatusOf(stateDir string, doc *runbook.Document) (StatusJSON, error) {
	out := StatusJSON{SchemaVersion: runbook.JSONSchemaVersion, StateDir: stateDir, Runs: []RunJSON{}}
	var sums []RunSummary
	var err error
	if doc != nil {
		out.File = doc.Path
		abs, aerr := filepath.Abs(doc.Path)
		if aerr != nil {
			return out, aerr
		}
		sums, err = RunsOf(stateDir, abs)
	} else {
		sums, err = Runs(stateDir)
	}
	if err != nil {
		return out, err
	}
	docs := map[string]*runbook.Document{}
	for _, r := range sums {
		if r.Error != "" {
			lane, _ := SplitRunName(r.Run)
			out.Runs = append(out.Runs, RunJSON{Name: r.Run, Lane: lane, Dir: r.Dir, Status: RunUnreadable,
				Counts: map[string]int{}, Error: r.Error})
			continue
		}
		d := doc
		if d == nil && r.Doc != "" {
			if _, seen := docs[r.Doc]; !seen {
				docs[r.Doc], _ = runbook.Load(r.Doc) // gone or unreadable: counts from the journal alone
			}
			d = docs[r.Doc]
		}
		out.Runs = append(out.Runs, NewView(d, r.State, r.Live).JSON(r.Run, r.Dir))
	}
	return out, nil
}
