//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"syscall"
)

// lockTemp marks a temporary file as being written: RemoveStale leaves a
// locked one alone. The kernel drops the lock when the writer dies.
func lockTemp(f tempFile) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// removeIfStale removes name if it is a regular file of ours that no live
// writer holds.
func removeIfStale(name string) bool {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if uid, _, ok := fileOwner(fi); !ok || uid != os.Geteuid() {
		return false // someone else's, in a shared directory
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false // a live Write holds it
	}
	return os.Remove(name) == nil
}

// fileOwner returns the owner of a file, to give it back after a rewrite.
func fileOwner(info fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
