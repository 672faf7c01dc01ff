package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, content string, mode fs.FileMode) string {
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

func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}

func TestWriteReplacesAndKeepsMode(t *testing.T) {
	path := writeTemp(t, "old", 0o751)
	fi, _ := os.Stat(path)
	if err := Write(path, []byte("new"), Options{Keep: fi}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	after, _ := os.Stat(path)
	if string(b) != "new" || after.Mode() != 0o751 {
		t.Fatalf("content %q mode %v", b, after.Mode())
	}
	onlyFile(t, filepath.Dir(path), "doc.md")

	fresh := filepath.Join(t.TempDir(), "report.md")
	if err := Write(fresh, []byte("r"), Options{Perm: 0o600}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode() != 0o600 {
		t.Fatalf("new file mode %v", fi.Mode())
	}
}

// failFS injects a failure at one step of the write, and records the mode
// the temporary file had when it was created.
type failFS struct {
	osFS
	at      string // "create", "write", "sync", "chmod", "rename"
	created *fs.FileMode
}

var errInjected = errors.New("injected failure")

func (f failFS) CreateTemp(dir, pattern string) (tempFile, error) {
	if f.at == "create" {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrPermission}
	}
	tf, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if fi, err := tf.Stat(); err == nil && f.created != nil {
		*f.created = fi.Mode()
	}
	return failTemp{tf, f.at}, nil
}

func (f failFS) Rename(from, to string) error {
	if f.at == "rename" {
		return errInjected
	}
	return os.Rename(from, to)
}

type failTemp struct {
	*os.File
	at string
}

func (f failTemp) Write(b []byte) (int, error) {
	if f.at == "write" {
		n, _ := f.File.Write(b[:len(b)/2])
		return n, errInjected
	}
	return f.File.Write(b)
}

func (f failTemp) Sync() error {
	if f.at == "sync" {
		return errInjected
	}
	return f.File.Sync()
}

func (f failTemp) Chmod(m fs.FileMode) error {
	if f.at == "chmod" {
		return errInjected
	}
	return f.File.Chmod(m)
}

func TestWriteFailuresLeaveTheFileAndNoLitter(t *testing.T) {
	for _, at := range []string{"create", "write", "sync", "chmod", "before-rename", "rename"} {
		t.Run(at, func(t *testing.T) {
			path := writeTemp(t, "old", 0o644)
			fi, _ := os.Stat(path)
			o := Options{Keep: fi}
			if at == "before-rename" {
				o.BeforeRename = func() error { return errInjected }
			}
			err := write(path, []byte("new content"), o, failFS{at: at})
			if err == nil || (at != "before-rename" && !strings.HasPrefix(err.Error(), "write "+path+": ")) {
				t.Fatalf("err = %v, want one starting with the file", err)
			}
			if strings.Contains(err.Error(), tempMarker) {
				t.Errorf("error names the temporary file: %v", err)
			}
			if b, _ := os.ReadFile(path); string(b) != "old" {
				t.Errorf("file changed to %q", b)
			}
			onlyFile(t, filepath.Dir(path), "doc.md")
		})
	}
}

func TestTempFileCreatedPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	path := writeTemp(t, "old", 0o644)
	var created fs.FileMode
	if err := write(path, []byte("new"), Options{Perm: 0o644}, failFS{created: &created}); err != nil {
		t.Fatal(err)
	}
	if created != 0o600 {
		t.Fatalf("temporary file created %v, want 0600", created)
	}
}

// A kill -9 between create and rename leaves a temporary file: the next
// RemoveStale removes it, but never one a live writer holds, one that is
// not ours by name, or a symlink.
func TestRemoveStale(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no file locks")
	}
	path := writeTemp(t, "doc", 0o644)
	dir := filepath.Dir(path)
	stale := filepath.Join(dir, ".doc.md.runbook-123.tmp")
	os.WriteFile(stale, []byte("half"), 0o600)
	other := filepath.Join(dir, ".other.md.runbook-1.tmp")
	os.WriteFile(other, nil, 0o600)
	link := filepath.Join(dir, ".doc.md.runbook-9.tmp")
	os.Symlink(path, link)

	live, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	lockTemp(live)

	removed := RemoveStale(path)
	if len(removed) != 1 || removed[0] != stale {
		t.Fatalf("removed %v, want only %s", removed, stale)
	}
	for _, keep := range []string{other, link, live.Name(), path} {
		if _, err := os.Lstat(keep); err != nil {
			t.Errorf("%s removed", keep)
		}
	}
	// through a symlink to the doc, the temp files beside the target
	os.WriteFile(stale, nil, 0o600)
	alias := filepath.Join(t.TempDir(), "alias.md")
	os.Symlink(path, alias)
	if removed := RemoveStale(alias); len(removed) != 1 {
		t.Fatalf("via symlink removed %v", removed)
	}
}
