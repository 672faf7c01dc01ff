package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/runbook-sh/runbook/runbook"
)

// RunSummary is one run of a state directory, for `runbook status`.
type RunSummary struct {
	Run      string         `json:"run"`
	Dir      string         `json:"dir"`
	Doc      string         `json:"doc,omitempty"`
	DocHash  string         `json:"docHash,omitempty"`
	Who      string         `json:"who,omitempty"`
	Host     string         `json:"host,omitempty"`
	Started  time.Time      `json:"started"`
	Updated  time.Time      `json:"updated"`
	Finished bool           `json:"finished"`
	Status   Status         `json:"status,omitempty"`
	Counts   map[Status]int `json:"counts"`
	Events   int            `json:"events"`
	// Live is set when a runbook process has the run open right now;
	// Holder says who, when it recorded itself (LockFile).
	Live   bool    `json:"live"`
	Holder *Holder `json:"holder,omitempty"`
	// Error is set (and the rest mostly empty) when the journal could not
	// be read; one bad run does not hide the others.
	Error string `json:"error,omitempty"`
	// State is the replayed run, for callers that need more than counts.
	State *State `json:"-"`
}

// Runs lists the runs under stateDir, most recently updated first. A
// missing state directory has no runs.
func Runs(stateDir string) ([]RunSummary, error) {
	if err := CheckStateDir(stateDir); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(stateDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, &runbook.Error{Path: stateDir, Err: fmt.Errorf("unreadable state directory: %w", pathCause(err))}
	}
	var runs []RunSummary
	for _, ent := range entries {
		if !ent.IsDir() { // a symlink is not followed
			continue
		}
		dir := filepath.Join(stateDir, ent.Name())
		if _, err := os.Lstat(filepath.Join(dir, JournalFile)); err != nil {
			if h := LockHolder(dir); h != nil {
				// A run a process is starting: its lock is taken, its
				// first event not written yet. It is live, not absent.
				runs = append(runs, RunSummary{Run: ent.Name(), Dir: dir, Counts: map[Status]int{},
					Started: h.Since, Updated: h.Since, Live: true, Holder: h, State: NewState()})
			}
			continue
		}
		sum := RunSummary{Run: ent.Name(), Dir: dir, Counts: map[Status]int{}}
		events, st, err := Load(dir)
		if err != nil {
			sum.Error = err.Error()
			runs = append(runs, sum)
			continue
		}
		sum.Doc, sum.DocHash, sum.Who, sum.Host = st.Doc, st.DocHash, st.Who, st.Host
		sum.Started, sum.Updated, sum.Finished, sum.Status = st.Started, st.Updated, st.Finished, st.Status
		sum.Counts = st.Counts()
		sum.Events = len(events)
		sum.Live = inUse(dir)
		if sum.Live {
			sum.Holder = LockHolder(dir)
		}
		sum.State = st
		runs = append(runs, sum)
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Updated.Equal(runs[j].Updated) {
			return runs[i].Updated.After(runs[j].Updated)
		}
		return runs[i].Run < runs[j].Run
	})
	return runs, nil
}
