package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/runbook-sh/runbook/runbook/atomicfile"
)

// RepairResult says what Repair did.
type RepairResult struct {
	// Intact is set when the journal had nothing to repair.
	Intact bool
	// Kept is the number of events kept; Dropped the number of lines
	// dropped, from the damaged one to the end.
	Kept, Dropped int
	// Saved is where the damaged journal was copied, or where the whole
	// run directory was moved when nothing could be kept (SetAside).
	Saved    string
	SetAside bool
	// Steps are the steps named in the dropped lines that could still be
	// read: their results are no longer in the run, so check them before
	// running them again.
	Steps []string
}

// Repair makes a damaged run usable again without guessing: the events
// before the first damaged line are kept, the damaged journal is saved
// beside it (journal.jsonl.damaged-<time>), and the run resumes from what
// was kept. When nothing can be kept (an empty journal, a damaged first
// line) the run directory is moved aside (<run>.damaged-<time>) so that
// the next run starts afresh. It takes the run's lock: a run in use is
// not repaired. A journal written by a newer runbook is not damage and is
// refused.
func Repair(runDir string) (*RepairResult, error) {
	w, err := openRun(runDir, false)
	if err != nil {
		return nil, err
	}
	defer w.closeFiles()
	path := filepath.Join(runDir, JournalFile)
	f, err := openAt(w.rd, JournalFile, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("repair %s: %w", path, err)
	}
	data, err := readAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("repair %s: %w", path, err)
	}
	events, good, err := scan(path, data)
	var de *DamageError
	switch {
	case err == nil:
		return &RepairResult{Intact: true, Kept: len(events)}, nil
	case !errors.As(err, &de):
		return nil, err // e.g. written by a newer runbook: not ours to cut
	}
	stamp := ".damaged-" + time.Now().UTC().Format("20060102T150405Z")
	res := &RepairResult{Dropped: countLines(data[good:]), Steps: stepsIn(data[good:])}
	if good == 0 {
		res.Saved, res.SetAside = runDir+stamp, true
		if err := os.Rename(runDir, res.Saved); err != nil {
			return nil, fmt.Errorf("repair: set the run aside: %w", err)
		}
		return res, nil
	}
	res.Saved = path + stamp
	if err := atomicfile.Write(res.Saved, data, atomicfile.Options{Perm: filePerm}); err != nil {
		return nil, fmt.Errorf("repair: save the damaged journal: %w", err)
	}
	kept := data[:good]
	if !bytes.HasSuffix(kept, []byte{'\n'}) {
		kept = append(slices.Clip(kept), '\n')
	}
	keptEvents, err := decodeAll(path, kept)
	if err != nil {
		return nil, fmt.Errorf("repair %s: what would be kept does not read back: %w", path, err)
	}
	if err := atomicfile.Write(path, kept, atomicfile.Options{Perm: filePerm}); err != nil {
		return nil, fmt.Errorf("repair: %w", err)
	}
	res.Kept = len(keptEvents)
	return res, nil
}

func countLines(b []byte) int {
	n := 0
	for _, l := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(l)) > 0 {
			n++
		}
	}
	return n
}

// stepsIn lists the steps named in the lines of b that decode.
func stepsIn(b []byte) []string {
	var out []string
	for _, l := range bytes.Split(b, []byte{'\n'}) {
		if e, err := Decode(l); err == nil && e.Step != "" && !slices.Contains(out, e.Step) {
			out = append(out, e.Step)
		}
	}
	return out
}
