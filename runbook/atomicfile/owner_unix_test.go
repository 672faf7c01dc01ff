//go:build unix

package atomicfile

import (
	"os"
	"testing"
)

func TestWriteKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to hand a file to another user")
	}
	path := writeTemp(t, "old", 0o644)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skip(err)
	}
	fi, _ := os.Stat(path)
	if err := Write(path, []byte("new"), Options{Keep: fi}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if uid, gid, ok := fileOwner(fi); !ok || uid != 65534 || gid != 65534 {
		t.Errorf("owner %d:%d, want 65534:65534", uid, gid)
	}
}
