package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Writer appends events to a run's journal. Append returns only once the
// event is on disk, so whatever a caller shows after Append survives a
// kill -9 or a power cut. A Writer also creates the attempts' log files.
//
// A Writer holds an exclusive lock on the journal for its lifetime: two
// processes appending to one run would interleave two histories.
type Writer struct {
	dir string
	f   *os.File // nil for a memory journal
	mu  sync.Mutex
	seq int
	now func() time.Time
	// broken is set after a failed write or sync: appending after a partial
	// line would make the journal unreadable.
	broken error
	// dirty is set while an event written by AppendUnsynced is not synced.
	dirty bool
}

// Create starts a new journal in runDir, creating the directory (0700) and
// the logs directory. It fails if the run already has a journal.
func Create(runDir string) (*Writer, error) {
	if err := mkdirPrivate(runDir); err != nil {
		return nil, err
	}
	if err := mkdirPrivate(filepath.Join(runDir, LogDir)); err != nil {
		return nil, err
	}
	path := filepath.Join(runDir, JournalFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, filePerm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create journal: %s already exists", path)
		}
		return nil, fmt.Errorf("create journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal %s: %w", path, err)
	}
	// The new names must survive a crash too: sync the file and both
	// directories once, here, rather than on every append.
	for _, err := range []error{f.Sync(), syncDir(runDir), syncDir(filepath.Dir(runDir))} {
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("create journal %s: %w", path, err)
		}
	}
	return &Writer{dir: runDir, f: f, now: time.Now}, nil
}

// Open reopens an existing journal for appending. A torn last line (the
// process died in the middle of a write, so the event was never shown) is
// cut off so that the next event starts on a line of its own.
func Open(runDir string) (*Writer, error) {
	path := filepath.Join(runDir, JournalFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	fail := func(err error) (*Writer, error) {
		f.Close()
		return nil, err
	}
	data, err := readAll(f)
	if err != nil {
		return fail(fmt.Errorf("open journal %s: %w", path, err))
	}
	events, err := decodeAll(path, data)
	if err != nil {
		return fail(err)
	}
	if keep := bytes.LastIndexByte(data, '\n') + 1; keep < len(data) {
		if err := f.Truncate(int64(keep)); err != nil {
			return fail(fmt.Errorf("open journal %s: cut torn line: %w", path, err))
		}
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("open journal %s: %w", path, err))
		}
	}
	if err := mkdirPrivate(filepath.Join(runDir, LogDir)); err != nil {
		return fail(err)
	}
	w := &Writer{dir: runDir, f: f, now: time.Now}
	if n := len(events); n > 0 {
		w.seq = events[n-1].Seq
	}
	return w, nil
}

// Memory returns a journal that keeps nothing, for dry runs: it numbers
// events after lastSeq and discards them and all log output.
func Memory(runDir string, lastSeq int) *Writer {
	return &Writer{dir: runDir, seq: lastSeq, now: time.Now}
}

// SetClock replaces time.Now, for tests.
func (w *Writer) SetClock(now func() time.Time) { w.now = now }

// Dir is the run directory.
func (w *Writer) Dir() string { return w.dir }

// Persistent reports whether events reach the disk (false for Memory and
// once closed).
func (w *Writer) Persistent() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f != nil
}

// Append sets the event's version, sequence number and (if zero) time,
// writes it as one line and syncs it to disk (with any event written by
// AppendUnsynced before it) before returning it.
func (w *Writer) Append(e Event) (Event, error) {
	return w.append(e, true)
}

// AppendUnsynced writes an event like Append but leaves it in the page
// cache: the caller must not show it before the next Append or Sync
// returns. It lets the end of one step and the start of the next share one
// disk sync.
func (w *Writer) AppendUnsynced(e Event) (Event, error) {
	return w.append(e, false)
}

// Sync makes every event written so far durable.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sync()
}

func (w *Writer) sync() error {
	if w.broken != nil {
		return w.broken
	}
	if w.f == nil || !w.dirty {
		return nil
	}
	if err := datasync(w.f); err != nil {
		w.broken = fmt.Errorf("journal sync: %w", err)
		return w.broken
	}
	w.dirty = false
	return nil
}

func (w *Writer) append(e Event, sync bool) (Event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken != nil {
		return Event{}, w.broken
	}
	e.V = SchemaVersion
	e.Seq = w.seq + 1
	if e.Time.IsZero() {
		e.Time = w.now()
	}
	e.Time = e.Time.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return Event{}, fmt.Errorf("journal %s event: %w", e.Type, err)
	}
	if w.f != nil {
		// One write call per line: with O_APPEND a crash leaves at worst one
		// torn last line, which readers ignore.
		if _, err := w.f.Write(append(line, '\n')); err != nil {
			w.broken = fmt.Errorf("journal write: %w", err)
			return Event{}, w.broken
		}
		w.dirty = true
		if sync {
			if err := w.sync(); err != nil {
				return Event{}, err
			}
		}
	}
	w.seq = e.Seq
	return e, nil
}

// Seq is the sequence number of the last event appended.
func (w *Writer) Seq() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// Close releases the journal. It is safe to call while another goroutine
// appends or syncs: both take w.mu, so the file is never closed under them.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := errors.Join(w.sync(), w.f.Close())
	w.f = nil
	return err
}

// Log is the output log of one attempt. The file is created on the first
// write, so a step that prints nothing leaves no empty file behind.
// Writes are not synced one by one (a 1 GB output would crawl); Close
// syncs, and the step-finished event that names the log comes after.
type Log struct {
	runDir  string
	rel     string
	discard bool
	created bool
	f       *os.File
	err     error
}

// Log returns the log of one attempt; several Log values for the same
// attempt append to the same file (the done-if check, then the command).
func (w *Writer) Log(step string, attempt int) *Log {
	return &Log{runDir: w.dir, rel: LogPath(step, attempt), discard: !w.Persistent()}
}

// Write appends to the log file, creating it (0600) on first use.
func (l *Log) Write(p []byte) (int, error) {
	if l.discard {
		return len(p), nil
	}
	if l.err != nil {
		return 0, l.err
	}
	if l.f == nil {
		f, err := os.OpenFile(filepath.Join(l.runDir, l.rel), os.O_WRONLY|os.O_CREATE|os.O_APPEND, filePerm)
		if err != nil {
			l.err = fmt.Errorf("step log: %w", err)
			return 0, l.err
		}
		l.f, l.created = f, true
	}
	n, err := l.f.Write(p)
	if err != nil {
		l.err = fmt.Errorf("step log %s: %w", l.rel, err)
	}
	return n, l.err
}

// Path is the log's path relative to the run directory, or "" if nothing
// was ever written to it.
func (l *Log) Path() string {
	if !l.created {
		return ""
	}
	return l.rel
}

// Close syncs the log and its directory entry to disk.
func (l *Log) Close() error {
	if l.f == nil {
		return l.err
	}
	err := errors.Join(l.err, l.f.Sync(), l.f.Close(), syncDir(filepath.Dir(filepath.Join(l.runDir, l.rel))))
	l.f = nil
	l.discard = true // a closed log ignores late writes instead of reopening
	if err != nil {
		return fmt.Errorf("step log %s: %w", l.rel, err)
	}
	return nil
}

func mkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("create run directory: %w", err)
	}
	// MkdirAll leaves an existing directory alone; ours must be private
	// whatever the umask or whoever created it first.
	if err := os.Chmod(dir, dirPerm); err != nil {
		return fmt.Errorf("create run directory: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func readAll(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(f)
	return buf.Bytes(), err
}
