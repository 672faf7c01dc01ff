package journal

import (
	"os"
	"syscall"
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
