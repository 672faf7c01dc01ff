package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/runbook-sh/runbook/runbook"
)

// ErrNoJournal is returned by Load for a run directory without a journal.
var ErrNoJournal = errors.New("no journal")

// ReadFile reads every event of a journal, strictly: a journal is what
// decides which steps never run again, so damage is never skipped
// silently. A complete last event without its newline is kept. Anything
// else that is not a clean sequence of events — a last line cut short, an
// empty journal, an unreadable line, a status this runbook does not know,
// a missing or repeated event (seq), a journal that does not start with
// run-started — is a *runbook.Error naming the file and line, whose
// message gives the command that repairs the run (a *DamageError inside).
// The journal is opened without following a symlink.
func ReadFile(path string) ([]Event, error) {
	data, err := readNoFollow(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read journal %s: %w", path, ErrNoJournal)
		}
		// Unreadable state is bad input (exit 2), named by its file.
		return nil, &runbook.Error{Path: path, Err: fmt.Errorf("unreadable journal: %w", pathCause(err))}
	}
	return decodeAll(path, data)
}

// readNoFollow reads a file of a run, refusing a symlink as the file or
// as its run directory.
func readNoFollow(path string) ([]byte, error) {
	rd, err := openDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	f, err := openAt(rd, filepath.Base(path), os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

// DamageError is a journal that cannot be trusted as it is, and how to
// repair it.
type DamageError struct {
	What   string
	Line   int
	Repair string // the command that keeps the events before Line
}

func (e *DamageError) Error() string {
	if e.Line <= 1 {
		return fmt.Sprintf("journal damaged: %s; nothing in it can be kept: `%s` sets the run aside (kept for inspection) so that the next run starts afresh", e.What, e.Repair)
	}
	return fmt.Sprintf("journal damaged: %s; the events before line %d are intact: `%s` keeps them and saves the damaged file beside them", e.What, e.Line, e.Repair)
}

// RepairCommand is the command line that repairs the run in runDir.
func RepairCommand(runDir string) string {
	stateDir, run := runDirs(runDir)
	return fmt.Sprintf("runbook status --state-dir %s --repair %s", shellQuote(stateDir), shellQuote(run))
}

func damaged(path string, line int, format string, args ...any) error {
	return &runbook.Error{Path: path, Line: line, Err: &DamageError{
		What: fmt.Sprintf(format, args...), Line: line, Repair: RepairCommand(filepath.Dir(path)),
	}}
}

// pathCause is the reason of a *fs.PathError without the path and
// operation that the caller names already.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func decodeAll(path string, data []byte) ([]Event, error) {
	events, _, err := scan(path, data)
	return events, err
}

// scan decodes data strictly (see ReadFile). On damage it also returns
// the byte offset where the damaged line starts: everything before it is
// intact.
func scan(path string, data []byte) (events []Event, good int, err error) {
	off := 0
	for line := 1; off < len(data); line++ {
		raw := data[off:]
		last := true
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw, last = raw[:i], i == len(data)-off-1
		}
		start := off
		off += len(raw) + 1
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		e, derr := Decode(raw)
		if derr != nil {
			var ve *versionError
			switch {
			case errors.As(derr, &ve):
				// not damage: a newer runbook wrote it; repairing would lose it
				return nil, start, &runbook.Error{Path: path, Line: line, Err: derr}
			case last && !bytes.HasSuffix(data, []byte{'\n'}):
				return nil, start, damaged(path, line, "the last event is cut short (a write interrupted by a crash, a power cut or a full disk)")
			}
			return nil, start, damaged(path, line, "unreadable event: %v", derr)
		}
		prev := 0
		if n := len(events); n > 0 {
			prev = events[n-1].Seq
		}
		if why := checkEvent(e, prev); why != "" {
			return nil, start, damaged(path, line, "%s", why)
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil, 0, damaged(path, 1, "the journal is empty (truncated, or never written)")
	}
	return events, len(data), nil
}

// checkEvent says what is wrong with an event in its place, or "".
func checkEvent(e Event, prevSeq int) string {
	switch {
	case e.Type == "":
		return "an event with no type"
	case prevSeq == 0 && e.Type != RunStarted:
		return fmt.Sprintf("the first event is %s, not run-started: the start of the journal is missing", e.Type)
	case e.Seq != prevSeq+1:
		return fmt.Sprintf("event seq %d follows seq %d: an event is missing or repeated", e.Seq, prevSeq)
	}
	switch e.Type {
	case StepStarted, StepFinished, StepSkipped, StepMarked, StepAccepted, StepEdited:
		if e.Step == "" {
			return fmt.Sprintf("a %s event names no step", e.Type)
		}
	}
	switch e.Type {
	case StepFinished:
		switch e.Status {
		case OK, Failed, TimedOut, Interrupted, AlreadyDone:
		default:
			return fmt.Sprintf("step %s finished with unknown status %q", e.Step, e.Status)
		}
	case RunFinished:
		if e.Status != OK && e.Status != Failed {
			return fmt.Sprintf("the run finished with unknown status %q", e.Status)
		}
	}
	return ""
}

// Load reads a run directory's journal and replays it.
func Load(runDir string) ([]Event, *State, error) {
	if err := CheckStateDir(filepath.Dir(runDir)); err != nil {
		return nil, nil, err
	}
	events, err := ReadFile(filepath.Join(runDir, JournalFile))
	if err != nil {
		return nil, nil, err
	}
	return events, Replay(events), nil
}

// OpenLog opens an attempt's log for reading (path is the run directory
// joined with the log's relative path) without following a symlink as
// the log or as its logs/ directory: a log planted as a link to another
// file must not end up in a report or on the screen.
func OpenLog(path string) (*os.File, error) {
	dir, err := openDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	return openAt(dir, filepath.Base(path), os.O_RDONLY, 0)
}
