package runbook

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runbook-sh/runbook/runbook/atomicfile"
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
// The new content replaces the file through atomicfile.Write (a synced
// temporary file renamed over it, keeping the file's mode and owner). A
// symlink is followed and its target replaced. On any error the file is
// untouched and no temporary file is left behind.
func WriteFile(path string, base []byte, patches []Patch) error {
	return writeFile(path, base, patches, atomicfile.Write)
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

// replaceFunc replaces a file's content atomically: atomicfile.Write, or
// a test's stand-in.
type replaceFunc func(path string, data []byte, o atomicfile.Options) error

func writeFile(path string, base []byte, patches []Patch, replace replaceFunc) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	info, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("write %s: not a regular file", path)
	}
	cur, err := os.ReadFile(target)
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
	return replace(target, out, atomicfile.Options{
		Keep: info,
		Name: path, // the path the engineer gave, not a symlink's target
		// narrow the window for a lost update: someone may have saved the
		// file while we were writing ours
		BeforeRename: func() error {
			if again, rerr := os.ReadFile(target); rerr != nil || !bytes.Equal(again, cur) {
				return changedWhileWriting(path, base, patches)
			}
			return nil
		},
	})
}

func changedWhileWriting(path string, base []byte, patches []Patch) error {
	ce := &ConflictError{Path: path}
	for _, p := range patches {
		ce.Conflicts = append(ce.Conflicts, Conflict{Line: wbLineAt(base, p.Anchor.Start), What: p.What})
	}
	slices.SortFunc(ce.Conflicts, func(a, b Conflict) int { return a.Line - b.Line })
	return ce
}
