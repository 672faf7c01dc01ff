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

// ReadFile reads every event of a journal. A last line without its newline
// is the trace of a write cut short by a crash: that event was never shown
// to anyone, so it is ignored. Any other bad line is an error naming the
// file and line (*runbook.Error).
func ReadFile(path string) ([]Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read journal %s: %w", path, ErrNoJournal)
		}
		// Unreadable state is bad input (exit 2), named by its file.
		return nil, &runbook.Error{Path: path, Err: fmt.Errorf("unreadable journal: %w", pathCause(err))}
	}
	return decodeAll(path, data)
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
	var events []Event
	for line := 1; len(data) > 0; line++ {
		var raw []byte
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // torn last line
		}
		raw, data = data[:i], data[i+1:]
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		e, err := Decode(raw)
		if err != nil {
			return nil, &runbook.Error{Path: path, Line: line, Err: fmt.Errorf("unreadable journal event: %w", err)}
		}
		if e.Type == "" {
			return nil, &runbook.Error{Path: path, Line: line, Err: errors.New("unreadable journal event: no type")}
		}
		events = append(events, e)
	}
	return events, nil
}

// Load reads a run directory's journal and replays it.
func Load(runDir string) ([]Event, *State, error) {
	events, err := ReadFile(filepath.Join(runDir, JournalFile))
	if err != nil {
		return nil, nil, err
	}
	return events, Replay(events), nil
}
