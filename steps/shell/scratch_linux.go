package shell

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// procFD says whether /proc/<pid>/fd is there to name scratch files by.
var procFD = sync.OnceValue(func() bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d/fd", os.Getpid()))
	return err == nil
})

// newScratch is an anonymous memory file of runbook's, named
// /proc/<runbook's pid>/fd/<n>: nothing reaches the disk, no other user
// can open it (/proc/<pid>/fd is the process owner's), the step's own
// descriptors cannot shadow it (the step does not inherit it), and it is
// gone once runbook closes it or dies.
func newScratch(name string) (*scratch, error) {
	if !procFD() {
		return newTempScratch(name)
	}
	fd, err := unix.MemfdCreate("runbook-"+name, unix.MFD_CLOEXEC)
	if err != nil {
		return newTempScratch(name)
	}
	f := os.NewFile(uintptr(fd), "runbook-"+name)
	return &scratch{f: f, path: fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), fd)}, nil
}
