package runbook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/atomicfile"
)

// wbQuestionPatch is a patch like Answer makes, built by hand so WriteFile is
// tested without the parser: block is the anchor, old inside it is replaced.
func wbQuestionPatch(t *testing.T, src, block, old, new, what string) Patch {
	t.Helper()
	b := strings.Index(src, block)
	if b < 0 || strings.Count(src, block) != 1 {
		t.Fatalf("block %q not once in the source", block)
	}
	o := strings.Index(block, old)
	if o < 0 {
		t.Fatalf("%q not in block %q", old, block)
	}
	return Patch{
		Span: Span{b + o, b + o + len(old)}, Old: []byte(old), New: []byte(new),
		Anchor: Span{b, b + len(block)}, What: what,
	}
}

const wbBase = "# Title\r\n\r\n[VERIFY] First question?\r\n\r\nSome prose.\t \r\n\r\n[VERIFY] Second question?\r\n"

func wbPatches(t *testing.T) []Patch {
	return []Patch{
		wbQuestionPatch(t, wbBase, "[VERIFY] First question?", "[VERIFY] First question?", "First question? **Verified:** yes _(bob, 2026-11-24)_", "question q1 (line 3)"),
		wbQuestionPatch(t, wbBase, "[VERIFY] Second question?", "[VERIFY] Second question?", "Second question? **Verified:** no _(bob, 2026-11-24)_", "question q2 (line 7)"),
	}
}

func wbWriteTemp(t *testing.T, content string, mode fs.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.md")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask
		t.Fatal(err)
	}
	return path
}

func wbReadString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wbOnlyFile fails unless dir holds exactly the named file (no temp files).
func wbOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}

func TestWriteFileUnchangedOnDisk(t *testing.T) {
	path := wbWriteTemp(t, wbBase, 0o640)
	if err := WriteFile(path, []byte(wbBase), wbPatches(t)); err != nil {
		t.Fatal(err)
	}
	want := "# Title\r\n\r\nFirst question? **Verified:** yes _(bob, 2026-11-24)_\r\n\r\nSome prose.\t \r\n\r\nSecond question? **Verified:** no _(bob, 2026-11-24)_\r\n"
	if got := wbReadString(t, path); got != want {
		t.Errorf("file:\n%q\nwant\n%q", got, want)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640", fi.Mode().Perm())
		}
	}
	wbOnlyFile(t, filepath.Dir(path), "doc.md")
}

func TestWriteFileKeepsExecutableMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	path := wbWriteTemp(t, wbBase, 0o755)
	if err := WriteFile(path, []byte(wbBase), wbPatches(t)[:1]); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", fi.Mode().Perm())
	}
}

func TestWriteFileRelocatesAfterOtherChanges(t *testing.T) {
	// someone added a paragraph at the top and edited the prose in between
	onDisk := "# Title\r\n\r\nA new intro line.\r\n\r\n[VERIFY] First question?\r\n\r\nSome prose, edited.\r\n\r\n[VERIFY] Second question?\r\n"
	path := wbWriteTemp(t, onDisk, 0o644)
	if err := WriteFile(path, []byte(wbBase), wbPatches(t)); err != nil {
		t.Fatal(err)
	}
	want := "# Title\r\n\r\nA new intro line.\r\n\r\nFirst question? **Verified:** yes _(bob, 2026-11-24)_\r\n\r\nSome prose, edited.\r\n\r\nSecond question? **Verified:** no _(bob, 2026-11-24)_\r\n"
	if got := wbReadString(t, path); got != want {
		t.Errorf("file:\n%q\nwant\n%q", got, want)
	}
	wbOnlyFile(t, filepath.Dir(path), "doc.md")
}

func TestWriteFileConflict(t *testing.T) {
	tests := []struct {
		name, onDisk, want string
	}{
		{
			"target edited",
			strings.Replace(wbBase, "Second question?", "Second question, reworded?", 1),
			"DOC:7: question q2 (line 7) changed on disk since it was read; nothing written",
		},
		{
			"target duplicated",
			wbBase + "\r\n[VERIFY] First question?\r\n",
			"DOC:3: question q1 (line 3) changed on disk since it was read; nothing written",
		},
		{
			"both removed",
			"# Title\r\n",
			"DOC:3: question q1 (line 3) changed on disk since it was read; nothing written\n" +
				"DOC:7: question q2 (line 7) changed on disk since it was read; nothing written",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := wbWriteTemp(t, tt.onDisk, 0o644)
			err := WriteFile(path, []byte(wbBase), wbPatches(t))
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConflictError", err)
			}
			if got := strings.ReplaceAll(err.Error(), path, "DOC"); got != tt.want {
				t.Errorf("error:\n%s\nwant\n%s", got, tt.want)
			}
			if got := wbReadString(t, path); got != tt.onDisk {
				t.Errorf("file changed to %q", got)
			}
			wbOnlyFile(t, filepath.Dir(path), "doc.md")
		})
	}
}

func TestWriteFileFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges")
	}
	path := wbWriteTemp(t, wbBase, 0o644)
	link := filepath.Join(t.TempDir(), "link.md")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte(wbBase), wbPatches(t)[:1]); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi, err)
	}
	if got := wbReadString(t, path); !strings.Contains(got, "**Verified:** yes") {
		t.Errorf("target not written: %q", got)
	}
}

func TestWriteFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone.md")
	err := WriteFile(path, []byte(wbBase), wbPatches(t))
	if err == nil || !strings.Contains(err.Error(), "gone.md") {
		t.Fatalf("err = %v, want one naming the file", err)
	}
	if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
		t.Errorf("file created: %v", serr)
	}
}

func TestWriteFileReadOnlyDir(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs a non-root unix user: root writes into read-only directories (TestWriteFileFailures covers the same path)")
	}
	path := wbWriteTemp(t, wbBase, 0o644)
	dir := filepath.Dir(path)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	err := WriteFile(path, []byte(wbBase), wbPatches(t))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming the file", err)
	}
	if got := wbReadString(t, path); got != wbBase {
		t.Errorf("file changed to %q", got)
	}
	wbOnlyFile(t, dir, "doc.md")
}

// A failed replace leaves the doc as it was.
func TestWriteFileFailures(t *testing.T) {
	path := wbWriteTemp(t, wbBase, 0o644)
	failing := func(p string, data []byte, o atomicfile.Options) error {
		return fmt.Errorf("write %s: injected failure", o.Name)
	}
	err := writeFile(path, []byte(wbBase), wbPatches(t), failing)
	if err == nil || !strings.HasPrefix(err.Error(), "write "+path+": ") {
		t.Fatalf("err = %v, want one starting with the file", err)
	}
	if got := wbReadString(t, path); got != wbBase {
		t.Errorf("file changed to %q", got)
	}
	wbOnlyFile(t, filepath.Dir(path), "doc.md")
}

func TestWriteFileBadPatch(t *testing.T) {
	path := wbWriteTemp(t, wbBase, 0o644)
	p := wbPatches(t)[0]
	p.Old = []byte("something else")
	if err := WriteFile(path, []byte(wbBase), []Patch{p}); err == nil {
		t.Fatal("a patch whose Old does not match was applied")
	}
	if got := wbReadString(t, path); got != wbBase {
		t.Errorf("file changed to %q", got)
	}
}

func TestApplyPatchesOverlap(t *testing.T) {
	src := []byte("abcdef")
	_, err := applyPatches(src, []Patch{
		{Span: Span{1, 3}, Old: []byte("bc"), New: []byte("X"), What: "one"},
		{Span: Span{2, 4}, Old: []byte("cd"), New: []byte("Y"), What: "two"},
	})
	if err == nil || err.Error() != "two: overlaps the edit of one" {
		t.Errorf("err = %v", err)
	}
	_, err = applyPatches(src, []Patch{
		{Span: Span{2, 2}, Old: []byte{}, New: []byte("X"), What: "one"},
		{Span: Span{2, 2}, Old: []byte{}, New: []byte("Y"), What: "two"},
	})
	if err == nil {
		t.Error("two insertions at one offset were applied")
	}
	got, err := applyPatches(src, []Patch{
		{Span: Span{4, 6}, Old: []byte("ef"), New: []byte("EF")},
		{Span: Span{0, 0}, Old: []byte{}, New: []byte(">")},
		{Span: Span{1, 4}, Old: []byte("bcd"), New: nil},
		{Span: Span{4, 4}, Old: []byte{}, New: []byte("|")},
	})
	if err != nil || string(got) != ">a|EF" {
		t.Errorf("applyPatches = %q, %v; want \">a|EF\"", got, err)
	}
}

func TestWriteFileChangedWhileWriting(t *testing.T) {
	path := wbWriteTemp(t, wbBase, 0o644)
	theirs := wbBase + "their line\r\n"
	// their save lands while our temporary file is written
	racing := func(p string, data []byte, o atomicfile.Options) error {
		if err := os.WriteFile(path, []byte(theirs), 0o644); err != nil {
			return err
		}
		return atomicfile.Write(p, data, o)
	}
	err := writeFile(path, []byte(wbBase), wbPatches(t), racing)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 2 {
		t.Fatalf("err = %v, want a *ConflictError for both questions", err)
	}
	if got := wbReadString(t, path); got != theirs {
		t.Errorf("their save was overwritten: %q", got)
	}
	wbOnlyFile(t, filepath.Dir(path), "doc.md")
}

func TestEditWriteFile(t *testing.T) {
	src := "# T\n\n[VERIFY] Ready?\n"
	path := wbWriteTemp(t, src, 0o600)
	doc, err := Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e := NewEdit(doc)
	if err := e.Answer(doc.Questions[0], "yes", "bob", wbWhen); err != nil {
		t.Fatal(err)
	}
	d, err := e.Diff()
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(filepath.ToSlash(path), "./")
	want := "--- a/" + name + "\n+++ b/" + name + "\n@@ -1,3 +1,3 @@\n # T\n \n-[VERIFY] Ready?\n+Ready? **Verified:** yes _(bob, 2026-11-24)_\n"
	if d != want {
		t.Errorf("diff:\n%q\nwant\n%q", d, want)
	}
	if err := e.WriteFile(); err != nil {
		t.Fatal(err)
	}
	if got := wbReadString(t, path); got != "# T\n\nReady? **Verified:** yes _(bob, 2026-11-24)_\n" {
		t.Errorf("file: %q", got)
	}
	// writing the same edit again: the target is gone, nothing is written
	err = e.WriteFile()
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Errorf("second write: err = %v, want a *ConflictError", err)
	}
}
