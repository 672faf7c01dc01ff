package journal

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Runs are named in lanes. A lane is the name given with --run, or the
// doc's default (DefaultRunName); its runs are <lane>.1, <lane>.2, … in the
// order they started, and a run directory is never renamed. Opening a doc
// resumes its lane's latest run when that run is unfinished, and otherwise
// starts the lane's next run; reports and status read the lane's latest run
// unless told a run's full name. A run directory named exactly <lane> (made
// by runbook before lanes) is the lane's run 1.

// RunRef names one run of a state directory.
type RunRef struct {
	Name string // the run's full name, its directory name
	Dir  string
	Lane string
	N    int // its number in the lane
	// Doc is the absolute path of the doc the run ran ("" if unknown).
	Doc string
}

// SplitRunName splits "deploy.3" into lane "deploy" and number 3. A name
// without a numeric suffix is run 1 of the lane of its own name.
func SplitRunName(name string) (lane string, n int) {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil && n > 0 && name[i+1] != '0' && !strings.ContainsAny(name[i+1:], "+-") {
			return name[:i], n
		}
	}
	return name, 1
}

// LaneRunName is the name of run n of a lane.
func LaneRunName(lane string, n int) string { return lane + "." + strconv.Itoa(n) }

// laneMembers are the run directories of a lane (of any doc), highest
// number first.
func laneMembers(stateDir, lane string) ([]RunRef, error) {
	entries, err := os.ReadDir(stateDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read state directory %s: %w", stateDir, pathCause(err))
	}
	var refs []RunRef
	for _, ent := range entries {
		name := ent.Name()
		if !ent.IsDir() {
			continue
		}
		l, n := SplitRunName(name)
		switch {
		case name == lane:
			n = 1
		case l != lane || name == l:
			continue
		}
		refs = append(refs, RunRef{Name: name, Dir: filepath.Join(stateDir, name), Lane: lane, N: n})
	}
	sort.SliceStable(refs, func(i, j int) bool {
		if refs[i].N != refs[j].N {
			return refs[i].N > refs[j].N
		}
		return refs[i].Name < refs[j].Name // a legacy dir and lane.1: the .1 first
	})
	return refs, nil
}

// LaneRuns are the runs of lane in stateDir that belong to the doc at
// docAbs, latest first. Only each run's first event is read.
func LaneRuns(stateDir, lane, docAbs string) ([]RunRef, error) {
	all, err := laneMembers(stateDir, lane)
	if err != nil {
		return nil, err
	}
	var out []RunRef
	for _, r := range all {
		ok, doc := belongsTo(r.Dir, docAbs)
		if !ok && doc == "" && LockHolder(r.Dir) != nil {
			// A run another process is starting right now: its lock is
			// taken, its first event not written yet. It is the lane's
			// latest run, and opening it says who holds it; skipping it
			// would start a second run of the doc beside it.
			ok = true
		}
		if ok {
			r.Doc = doc
			out = append(out, r)
		}
	}
	return out, nil
}

// NextRunName is the name of the next run of a lane: one more than the
// highest number any doc's run of the lane has, so that names are never
// reused.
func NextRunName(stateDir, lane string) (string, error) {
	all, err := laneMembers(stateDir, lane)
	if err != nil {
		return "", err
	}
	n := 1
	if len(all) > 0 {
		n = all[0].N + 1
	}
	for {
		name := LaneRunName(lane, n)
		if _, err := os.Lstat(filepath.Join(stateDir, name)); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
		n++
	}
}

// FindRun resolves a run name for reading (report, status): the latest
// run of the lane `name` of this doc, else the run named exactly `name`.
// ok is false when there is no such run. A run that belongs to another doc
// is an error.
func FindRun(stateDir, name, docAbs string) (ref RunRef, ok bool, err error) {
	if err := CheckRunName(name); err != nil {
		return RunRef{}, false, err
	}
	refs, err := LaneRuns(stateDir, name, docAbs)
	if err != nil || len(refs) > 0 {
		if len(refs) > 0 {
			return refs[0], true, nil
		}
		return RunRef{}, false, err
	}
	dir := filepath.Join(stateDir, name)
	if _, err := os.Stat(filepath.Join(dir, JournalFile)); err != nil {
		return RunRef{}, false, nil
	}
	lane, n := SplitRunName(name)
	ref = RunRef{Name: name, Dir: dir, Lane: lane, N: n}
	if mine, doc := belongsTo(dir, docAbs); !mine {
		return ref, false, &OtherDocError{Run: name, Dir: dir, Doc: doc}
	}
	return ref, true, nil
}

// OtherDocError says a run is another doc's.
type OtherDocError struct{ Run, Dir, Doc string }

func (e *OtherDocError) Error() string {
	return fmt.Sprintf("run %s (%s) is the run of %s, not of this doc", e.Run, e.Dir, e.Doc)
}

// RunsOf lists every run of the doc at docAbs in stateDir, most recently
// updated first, whatever its lane: the past runs a frontend offers to
// pick from.
func RunsOf(stateDir, docAbs string) ([]RunSummary, error) {
	all, err := Runs(stateDir)
	if err != nil {
		return nil, err
	}
	var out []RunSummary
	for _, r := range all {
		if r.Error != "" || BelongsTo(r.Doc, docAbs) {
			out = append(out, r)
		}
	}
	return out, nil
}

// BelongsTo reports whether a run that recorded doc path ran belongs to
// the doc at abs: the same path, or a file that no longer exists (the doc
// was moved or renamed and keeps its runs), or the same file under another
// name. Runs are named after the file name only, so infra/deploy.md and
// app/deploy.md under one state directory share lanes but never runs.
func BelongsTo(ran, abs string) bool {
	if ran == "" || ran == abs {
		return true
	}
	old, err := os.Stat(ran)
	if err != nil {
		return true
	}
	cur, err := os.Stat(abs)
	return err != nil || os.SameFile(old, cur)
}

// belongsTo reads the doc a run directory's journal recorded (its first
// event) and applies BelongsTo.
func belongsTo(dir, abs string) (bool, string) {
	doc, err := firstDoc(filepath.Join(dir, JournalFile))
	if err != nil {
		return false, ""
	}
	return BelongsTo(doc, abs), doc
}

// firstDoc is the doc path of a journal's run-started event; "" for a
// journal without events yet. A directory without a journal is an error.
func firstDoc(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadBytes('\n')
	if err != nil {
		// No complete first line: no event was ever acknowledged.
		return "", nil
	}
	e, err := Decode(line)
	if err != nil || e.Type != RunStarted {
		return "", nil
	}
	return e.Doc, nil
}

// SplitRunNameLane is the lane of a run name given as a lane or a run's
// full name ("deploy" or "deploy.3" → "deploy").
func SplitRunNameLane(name string) string {
	lane, _ := SplitRunName(name)
	return lane
}
