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

	"github.com/runbook-sh/runbook/runbook"
)

// Writer appends events to a run's journal. Append returns only once the
// event is on disk, so whatever a caller shows after Append survives a
// kill -9 or a power cut. A Writer also creates the attempts' log files.
//
// A Writer holds the run's lock (LockFile, with its identity) for its
// lifetime: two processes appending to one run would interleave two
// histories. Every file of the run is opened relative to the run
// directory, never through a symlink.
type Writer struct {
	dir  string
	rd   *os.File // the run directory; nil for a memory journal
	logs *os.File // its logs/ directory
	lock *os.File // LockFile, flock'ed
	f    *os.File // the journal; nil until the first event of a new run
	// creating is set until the first event of a new run: the journal is
	// written under a temporary name and renamed into place with that
	// event, so that a journal never exists without its run-started.
	creating bool
	mu       sync.Mutex
	seq      int
	now      func() time.Time
	// broken is set after a failed write or sync: appending after a partial
	// line would make the journal unreadable.
	broken error
	// dirty is set while an event written by AppendUnsynced is not synced.
	dirty bool
	// syncs counts the syncs of the journal file (Syncs).
	syncs int
	// mirror copies the journal to a shared state (SetMirror); nil for a
	// run kept only here.
	mirror Mirror
}

// journalNew is the name a new journal has until its first event is in it.
const journalNew = JournalFile + ".new"

// openRun opens (creating it when create is set) the run directory under
// a checked state directory, and takes the run's lock.
func openRun(runDir string, create bool) (_ *Writer, err error) {
	stateDir, _ := runDirs(runDir)
	if create {
		err = prepareStateDir(stateDir)
	} else {
		err = CheckStateDir(stateDir)
	}
	if err != nil {
		return nil, err
	}
	if create {
		if err := os.Mkdir(runDir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("cannot create the run directory: %w", pathCause(err))}
		}
	}
	w := &Writer{dir: runDir, now: time.Now}
	defer func() {
		if err != nil {
			w.closeFiles()
		}
	}()
	if w.rd, err = openDir(runDir); err != nil {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("open the run: %w", pathCause(err))}
	}
	// ours and private whatever the umask or whoever created it first
	if err := w.rd.Chmod(dirPerm); err != nil {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("open the run: %w", pathCause(err))}
	}
	if w.lock, err = acquire(w.rd, runDir); err != nil {
		return nil, err
	}
	if err := mkdirAt(w.rd, LogDir); err != nil {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("create logs directory: %w", pathCause(err))}
	}
	if w.logs, err = openAt(w.rd, LogDir, os.O_RDONLY|oDirectory, 0); err != nil {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("open logs directory: %w", pathCause(err))}
	}
	return w, nil
}

// Create starts a new journal in runDir, creating the state directory and
// the run directory (0700) and the logs directory. It fails if the run
// already has a journal. The journal file appears with its first event.
func Create(runDir string) (*Writer, error) {
	w, err := openRun(runDir, true)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(runDir, JournalFile)
	if f, err := openAt(w.rd, JournalFile, os.O_RDONLY, 0); err == nil {
		f.Close()
		w.closeFiles()
		return nil, fmt.Errorf("create journal: %s already exists", path)
	}
	w.creating = true
	return w, nil
}

// Open reopens an existing journal for appending. The journal is read
// strictly (see ReadFile): a damaged one is an error naming the file, the
// line and the command that repairs it. A complete last event that lacks
// its newline is kept, and the newline added so that the next event starts
// on a line of its own.
func Open(runDir string) (*Writer, error) {
	w, err := openRun(runDir, false)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Writer, error) {
		w.closeFiles()
		return nil, err
	}
	path := filepath.Join(runDir, JournalFile)
	if w.f, err = openAt(w.rd, JournalFile, os.O_RDWR|os.O_APPEND, 0); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail(fmt.Errorf("open journal %s: %w", path, ErrNoJournal))
		}
		return fail(&runbook.Error{Path: path, Err: fmt.Errorf("unreadable journal: %w", pathCause(err))})
	}
	// an older runbook locks the journal itself
	if err := flockNB(w.f); err != nil {
		_, run := runDirs(runDir)
		return fail(&runbook.Error{Path: runDir, Err: &InUseError{Run: run}})
	}
	data, err := readAll(w.f)
	if err != nil {
		return fail(&runbook.Error{Path: path, Err: fmt.Errorf("unreadable journal: %w", err)})
	}
	events, err := decodeAll(path, data)
	if err != nil {
		return fail(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		if _, err := w.f.Write([]byte{'\n'}); err != nil {
			return fail(fmt.Errorf("open journal %s: end the last line: %w", path, err))
		}
		if err := w.f.Sync(); err != nil {
			return fail(fmt.Errorf("open journal %s: %w", path, err))
		}
	}
	w.seq = events[len(events)-1].Seq
	return w, nil
}

// Memory returns a journal that keeps nothing, for dry runs: it numbers
// events after lastSeq and discards them and all log output.
func Memory(runDir string, lastSeq int) *Writer {
	return &Writer{dir: runDir, seq: lastSeq, now: time.Now}
}

// closeFiles releases every file and the lock.
func (w *Writer) closeFiles() error {
	var errs []error
	for _, f := range []**os.File{&w.f, &w.logs, &w.rd, &w.lock} {
		if *f != nil {
			errs = append(errs, (*f).Close())
			*f = nil
		}
	}
	return errors.Join(errs...)
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
	return w.rd != nil
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
	if w.f != nil && w.dirty {
		if err := datasync(w.f); err != nil {
			w.broken = fmt.Errorf("journal sync: %w", err)
			return w.broken
		}
		w.dirty, w.syncs = false, w.syncs+1
	}
	// what is shown after a sync is in the shared state too
	return w.mirrorWait()
}

func (w *Writer) append(e Event, sync bool) (Event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(e, sync)
}

// appendLocked is append with w.mu held.
func (w *Writer) appendLocked(e Event, sync bool) (Event, error) {
	if w.broken != nil {
		return Event{}, w.broken
	}
	e.V = VersionOf(e)
	e.Seq = w.seq + 1
	if e.Time.IsZero() {
		e.Time = w.now()
	}
	e.Time = e.Time.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return Event{}, fmt.Errorf("journal %s event: %w", e.Type, err)
	}
	if w.creating {
		if w.rd == nil {
			return Event{}, errors.New("journal: closed")
		}
		if err := w.createWith(append(line, '\n')); err != nil {
			w.broken = err
			return Event{}, err
		}
	} else if w.f != nil {
		// One write call per line: with O_APPEND a crash leaves at worst one
		// torn last line, which readers report (ReadFile).
		if _, err := w.f.Write(append(line, '\n')); err != nil {
			w.broken = fmt.Errorf("journal write: %w", err)
			return Event{}, w.broken
		}
		w.dirty = true
	}
	w.seq = e.Seq
	if w.rd != nil {
		if err := w.mirrorEvent(e, line); err != nil {
			return Event{}, err
		}
	}
	if sync && w.f != nil {
		if err := w.sync(); err != nil {
			return Event{}, err
		}
	}
	return e, nil
}

// Syncs is how many times the events appended after the journal's
// creation were synced to disk: the figure the engine keeps low (one per
// step in a run of many), for its tests.
func (w *Writer) Syncs() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncs
}

// Seq is the sequence number of the last event appended.
func (w *Writer) Seq() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// createWith writes a new run's first event under a temporary name and
// renames the file into place: a crash never leaves a journal without its
// run-started event. The temporary name is the run's own (the lock is
// held), so a leftover of a crash is simply overwritten.
func (w *Writer) createWith(first []byte) error {
	f, err := openAt(w.rd, journalNew, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, filePerm)
	if err != nil {
		return fmt.Errorf("create journal: %w", err)
	}
	// The new names must survive a crash too: both directories are synced
	// once, here, rather than on every append. The state directory holds
	// the run directory's name since openRun: it is synced meanwhile
	// (≈0.1 ms of the ≈0.8 ms a new run's syncs take), and waited for
	// before the first event counts as written.
	stateDir, _ := runDirs(w.dir)
	stateSynced := make(chan error, 1)
	go func() { stateSynced <- syncDir(stateDir) }()
	// One after the other, stopping at the first error: a journal whose
	// write or sync failed is never renamed into place.
	for _, step := range []func() error{
		func() error { _, err := f.Write(first); return err },
		f.Sync,
		func() error { return renameAt(w.rd, journalNew, JournalFile) },
		w.rd.Sync,
	} {
		if err = step(); err != nil {
			break
		}
	}
	if serr := <-stateSynced; err == nil {
		err = serr
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("create journal %s: %w", filepath.Join(w.dir, JournalFile), err)
	}
	flockNB(f) // for an older runbook, which locks the journal itself
	w.f, w.creating = f, false
	return nil
}

// Close releases the journal and the run's lock. It is safe to call while
// another goroutine appends or syncs: all take w.mu, so no file is closed
// under them.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rd == nil {
		return nil
	}
	err := w.sync()
	if w.mirror != nil {
		err = errors.Join(err, w.mirror.Close())
		w.mirror = nil
	}
	return errors.Join(err, w.closeFiles())
}

// Log is the output log of one attempt. The file is created on the first
// write, so a step that prints nothing leaves no empty file behind.
// Writes are not synced one by one (a 1 GB output would crawl); Close
// syncs, and the step-finished event that names the log comes after.
type Log struct {
	wb writeback // starts writing the log to disk as it grows

	logs    *os.File // the run's logs/ directory
	rel     string
	discard bool
	created bool
	f       *os.File
	err     error
	// done is told the log is complete (the Writer's mirror uploads it).
	done func(rel string)
}

// Log returns the log of one attempt; several Log values for the same
// attempt append to the same file (the done-if check, then the command).
func (w *Writer) Log(step string, attempt int) *Log {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := &Log{logs: w.logs, rel: LogPath(step, attempt), discard: w.logs == nil}
	if m := w.mirror; m != nil {
		l.done = m.Log
	}
	return l
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
		f, err := openAt(l.logs, filepath.Base(l.rel), os.O_WRONLY|os.O_CREATE|os.O_APPEND, filePerm)
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
	l.wb.wrote(l.f, n)
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
	err := errors.Join(l.err, l.f.Sync(), l.f.Close(), syncFile(l.logs))
	l.f = nil
	l.discard = true // a closed log ignores late writes instead of reopening
	if err != nil {
		return fmt.Errorf("step log %s: %w", l.rel, err)
	}
	if l.done != nil {
		l.done(l.rel)
	}
	return nil
}

// syncFile syncs an open directory; some systems cannot, which is not an
// error.
func syncFile(d *os.File) error {
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", d.Name(), err)
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
