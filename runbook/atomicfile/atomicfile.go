// Package atomicfile is the one way runbook replaces a file: the doc on
// write-back, a report written with -o. A reader sees the old content or
// the new, never half of it; a failure leaves the old file and no litter;
// a temporary file left by a kill -9 is found and removed by the next
// command that touches the file (RemoveStale).
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Options shape one write.
type Options struct {
	// Name is the file as errors call it (default: the path written), e.g.
	// the symlink the engineer named rather than its target.
	Name string
	// Perm is the mode of a file that does not exist yet.
	Perm fs.FileMode
	// Keep, when set, is the file being replaced: its mode (set-id and
	// sticky bits included) and, best effort, its owner are kept.
	Keep fs.FileInfo
	// BeforeRename runs once the new content is complete and synced, right
	// before it replaces the file; an error cancels the write (e.g. the
	// file changed on disk meanwhile).
	BeforeRename func() error
}

// tempMarker sits between the file's name and the random part of a
// temporary file's name: ".doc.md.runbook-123456.tmp".
const tempMarker = ".runbook-"

func tempPattern(path string) string { return "." + filepath.Base(path) + tempMarker + "*.tmp" }

// Write replaces path with data. The data goes to a temporary file in the
// same directory, created 0600 and locked while it is written (so that
// RemoveStale can tell it from litter), synced, given its final mode and
// renamed over path; the directory is synced too. Errors name path, not
// the temporary file; on any error path is untouched and the temporary
// file removed.
func Write(path string, data []byte, o Options) error {
	return write(path, data, o, osFS{})
}

func write(path string, data []byte, o Options, fsys fileSystem) (err error) {
	name := o.Name
	if name == "" {
		name = path
	}
	fail := func(what string, err error) error {
		if what != "" {
			return fmt.Errorf("write %s: %s: %w", name, what, pathCause(err))
		}
		return fmt.Errorf("write %s: %w", name, pathCause(err))
	}
	dir := filepath.Dir(path)
	tmp, err := fsys.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return fail("", err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				tmp.Close()
			}
			fsys.Remove(tmp.Name())
		}
	}()
	lockTemp(tmp) // best effort: an unlocked temp file is only removed sooner
	if _, err = tmp.Write(data); err != nil {
		return fail("", err)
	}
	if err = tmp.Sync(); err != nil {
		return fail("sync", err)
	}
	mode := o.Perm
	if o.Keep != nil {
		// a doc edited by root for someone else stays theirs (before the
		// chmod: a chown clears set-id bits)
		if uid, gid, ok := fileOwner(o.Keep); ok {
			_ = tmp.Chown(uid, gid)
		}
		mode = o.Keep.Mode().Perm() | o.Keep.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	}
	if err = tmp.Chmod(mode); err != nil {
		return fail("keep mode", err)
	}
	if o.BeforeRename != nil {
		if err = o.BeforeRename(); err != nil {
			return err
		}
	}
	if err = fsys.Rename(tmp.Name(), path); err != nil {
		return fail("", err)
	}
	// the lock goes with the close, after the rename: the name it guarded
	// is gone by then
	// (the data was synced before the rename: a close error now says
	// nothing about it)
	closed = true
	_ = tmp.Close()
	if err := fsys.SyncDir(dir); err != nil {
		// the new content is in place; only its durability is in doubt
		return fail("sync directory", err)
	}
	return nil
}

// RemoveStale removes the temporary files an interrupted Write of path
// left beside it (a kill -9 or a power cut between create and rename):
// regular files named like Write's, owned by this user and not locked by
// a live writer. It returns the names removed. Errors are ignored: a file
// it cannot remove is left for next time, and never blocks the command.
func RemoveStale(path string) []string {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	matches, err := filepath.Glob(filepath.Join(filepath.Dir(path), escapeGlob(tempPrefix(path))+"*.tmp"))
	if err != nil {
		return nil
	}
	var removed []string
	for _, m := range matches {
		if removeIfStale(m) {
			removed = append(removed, m)
		}
	}
	return removed
}

func tempPrefix(path string) string { return "." + filepath.Base(path) + tempMarker }

// escapeGlob quotes the pattern characters of a file name.
func escapeGlob(s string) string {
	if runtime.GOOS == "windows" {
		return s // no escaping there; a name with [ * ? is rare and unmatched
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pathCause is the reason of a *fs.PathError or *os.LinkError without
// its path (the temporary file's, which would only confuse).
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// fileSystem is what write needs from the OS; tests inject failures.
type fileSystem interface {
	CreateTemp(dir, pattern string) (tempFile, error)
	Rename(from, to string) error
	Remove(name string) error
	SyncDir(dir string) error
}

type tempFile interface {
	Name() string
	Fd() uintptr
	Write(b []byte) (int, error)
	Sync() error
	Chmod(mode fs.FileMode) error
	Chown(uid, gid int) error
	Close() error
}

type osFS struct{}

func (osFS) Rename(from, to string) error { return os.Rename(from, to) }
func (osFS) Remove(name string) error     { return os.Remove(name) }

// CreateTemp creates the file 0600 whatever the umask: until it has its
// final mode it may be read by nobody else.
func (osFS) CreateTemp(dir, pattern string) (tempFile, error) {
	return os.CreateTemp(dir, pattern)
}

// SyncDir makes the rename durable. Some systems cannot sync a directory
// (Windows, some network file systems); the rename itself has happened,
// so that is not an error.
func (osFS) SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
