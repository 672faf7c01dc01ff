package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// An attempt runbook died in names no log, but its log is found; one that
// printed nothing, a finished attempt without a log and a symlinked log
// give none.
func TestAttemptLog(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, LogDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LogPath("a", 1)), []byte("half\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, LogPath("link", 1))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		step string
		a    Attempt
		want string
	}{
		{"a", Attempt{N: 1, Status: Running}, LogPath("a", 1)},
		{"a", Attempt{N: 1, Status: Interrupted}, LogPath("a", 1)},
		{"a", Attempt{N: 1, Status: Failed}, ""},
		{"a", Attempt{N: 1, Status: OK, Log: "logs/x.log"}, "logs/x.log"},
		{"a", Attempt{N: 2, Status: Running}, ""},
		{"link", Attempt{N: 1, Status: Running}, ""},
	} {
		if got := AttemptLog(dir, c.step, c.a); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.step, c.a, got, c.want)
		}
	}
}
