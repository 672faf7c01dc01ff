//go:build unix

package runbook

import (
	"io/fs"
	"syscall"
)

// fileOwner returns the owner of a file, to give it back after a rewrite.
func fileOwner(info fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
