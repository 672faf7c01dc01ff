package journal

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// datasync uses fdatasync: the journal only needs its data and size on
// disk, not its modification time, and that saves a metadata write per event.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// startWriteback asks the kernel to start writing f's dirty pages to disk
// without waiting for it (the data is not safe until a sync; this only
// leaves that sync less to do). Errors are the sync's to report.
func startWriteback(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = unix.SyncFileRange(int(fd), 0, 0, unix.SYNC_FILE_RANGE_WRITE) })
	}
}
