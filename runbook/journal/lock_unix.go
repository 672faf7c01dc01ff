//go:build unix

package journal

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// flockNB takes an exclusive, non-blocking lock; the kernel drops it when
// the process dies, so a kill -9 never leaves a stale lock behind. Almost:
// a step process that the dead runbook had just forked still holds a copy
// of the descriptor until its exec completes (a millisecond or so), so a
// lock found busy is tried again for a moment before it counts as held.
func flockNB(f *os.File) error {
	for try := 0; ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == syscall.EINTR:
			continue
		case errIsBusy(err) && try < lockTries:
			try++
			time.Sleep(lockRetry)
			continue
		}
		return err
	}
}

// A lock still busy after lockTries × lockRetry belongs to a live runbook.
const (
	lockTries = 20
	lockRetry = 10 * time.Millisecond
)

func errIsBusy(err error) bool { return errors.Is(err, syscall.EWOULDBLOCK) }

// heldByOther reports whether another open file holds f's lock.
func heldByOther(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

// inUse reports whether a live runbook has the run open: it holds the
// lock file, or (an older runbook) the journal itself.
func inUse(runDir string) bool {
	if LockHolder(runDir) != nil {
		return true
	}
	rd, err := openDir(runDir)
	if err != nil {
		return false
	}
	defer rd.Close()
	f, err := openAt(rd, JournalFile, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	return heldByOther(f)
}
