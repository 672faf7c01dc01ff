//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
	"time"
)

func lockTemp(tempFile) {}

// removeIfStale cannot tell a live writer without file locks: only files
// older than a minute are removed.
func removeIfStale(name string) bool {
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < time.Minute {
		return false
	}
	return os.Remove(name) == nil
}

// fileOwner has nothing to report where files have no unix owner.
func fileOwner(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
