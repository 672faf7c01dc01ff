package runbook

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Conflict is one patch whose target changed on disk.
type Conflict struct {
	Line int    // line of the target in the version that was read
	What string // the patch's What
}

// ConflictError says which targets changed on disk since the document was
// read. When it is returned nothing was written.
type ConflictError struct {
	Path      string
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	lines := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		lines[i] = fmt.Sprintf("%s:%d: %s changed on disk since it was read; nothing written", e.Path, c.Line, c.What)
	}
	return strings.Join(lines, "\n")
}

// WriteFile applies patches, made against base (the bytes the document was
// parsed from), to the file at path, atomically.
//
// The file is read again first. If it still equals base the patches apply
// as they are. Otherwise each patch is moved to wherever its Anchor's bytes
// (taken from base) now occur: if they occur exactly once the patch applies
// there, keeping the other changes made to the file; if they no longer
// occur, or occur more than once, the target itself changed (or became
// ambiguous) and WriteFile returns a *ConflictError listing every such
// target and writes nothing.
//
// The new content goes to a temporary file in the same directory, which is
// synced, given the original file's permissions and renamed over it; the
// directory is synced too. A symlink is followed and its target replaced.
// On any error the file is untouched and no temporary file is left behind.
func WriteFile(path string, base []byte, patches []Patch) error {
	return writeFile(path, base, patches, osFS{})
}

// relocate moves the patches made against base onto cur.
func relocate(path string, base, cur []byte, patches []Patch) ([]Patch, error) {
	if bytes.Equal(base, cur) {
		return patches, nil
	}
	out := make([]Patch, 0, len(patches))
	var conflicts []Conflict
	for _, p := range patches {
		a := p.Anchor
		if a.Start < 0 || a.End > len(base) || a.Start > a.End || !a.Contains(p.Span) || a.Len() == 0 {
			return nil, fmt.Errorf("%s: %s has no usable anchor to find it again", path, p.What)
		}
		anchor := base[a.Start:a.End]
		i := bytes.Index(cur, anchor)
		if i < 0 || bytes.Contains(cur[i+1:], anchor) {
			conflicts = append(conflicts, Conflict{Line: wbLineAt(base, a.Start), What: p.What})
			continue
		}
		d := i - a.Start
		q := p
		q.Span = Span{p.Span.Start + d, p.Span.End + d}
		q.Anchor = Span{a.Start + d, a.End + d}
		out = append(out, q)
	}
	if len(conflicts) > 0 {
		slices.SortFunc(conflicts, func(a, b Conflict) int { return a.Line - b.Line })
		return nil, &ConflictError{Path: path, Conflicts: conflicts}
	}
	// two anchors found in the same place, e.g. both blocks now identical
	sorted := slices.Clone(out)
	sortPatches(sorted)
	for i := 1; i < len(sorted); i++ {
		if patchOverlaps(sorted[i-1].Span, sorted[i].Span) {
			return nil, &ConflictError{Path: path, Conflicts: []Conflict{{
				Line: wbLineAt(cur, sorted[i].Span.Start), What: sorted[i].What,
			}}}
		}
	}
	return out, nil
}

// fileSystem is what writeFile needs from the OS; tests inject failures.
type fileSystem interface {
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	EvalSymlinks(name string) (string, error)
	CreateTemp(dir, pattern string) (tempFile, error)
	Rename(from, to string) error
	Remove(name string) error
	SyncDir(dir string) error
}

type tempFile interface {
	Name() string
	Write(b []byte) (int, error)
	Sync() error
	Chmod(mode fs.FileMode) error
	Chown(uid, gid int) error
	Close() error
}

type osFS struct{}

func (osFS) ReadFile(name string) ([]byte, error)     { return os.ReadFile(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)    { return os.Stat(name) }
func (osFS) EvalSymlinks(name string) (string, error) { return filepath.EvalSymlinks(name) }
func (osFS) Rename(from, to string) error             { return os.Rename(from, to) }
func (osFS) Remove(name string) error                 { return os.Remove(name) }
func (osFS) CreateTemp(dir, pattern string) (tempFile, error) {
	return os.CreateTemp(dir, pattern)
}

// SyncDir makes the rename durable. Some systems cannot sync a directory
// (Windows, some network file systems); the rename itself has happened,
// so that is not an error.
func (osFS) SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there
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

func writeFile(path string, base []byte, patches []Patch, fsys fileSystem) (err error) {
	target, err := fsys.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	info, err := fsys.Stat(target)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("write %s: not a regular file", path)
	}
	cur, err := fsys.ReadFile(target)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ps, err := relocate(path, base, cur, patches)
	if err != nil {
		return err
	}
	out, err := applyPatches(cur, ps)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if bytes.Equal(out, cur) {
		return nil
	}

	dir := filepath.Dir(target)
	tmp, err := fsys.CreateTemp(dir, "."+filepath.Base(target)+".runbook-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
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
	if _, err = tmp.Write(out); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	// best effort: a doc edited by root for someone else stays theirs
	// (before the chmod: a chown clears set-id bits)
	if uid, gid, ok := fileOwner(info); ok {
		_ = tmp.Chown(uid, gid)
	}
	if err = tmp.Chmod(info.Mode().Perm() | info.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return fmt.Errorf("write %s: keep mode: %w", path, err)
	}
	closed = true
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// narrow the window for a lost update: someone may have saved the file
	// while we were writing ours
	if again, rerr := fsys.ReadFile(target); rerr != nil || !bytes.Equal(again, cur) {
		err = changedWhileWriting(path, base, patches)
		return err
	}
	if err = fsys.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		// the new content is in place; only its durability is in doubt
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

func changedWhileWriting(path string, base []byte, patches []Patch) error {
	ce := &ConflictError{Path: path}
	for _, p := range patches {
		ce.Conflicts = append(ce.Conflicts, Conflict{Line: wbLineAt(base, p.Anchor.Start), What: p.What})
	}
	slices.SortFunc(ce.Conflicts, func(a, b Conflict) int { return a.Line - b.Line })
	return ce
}
