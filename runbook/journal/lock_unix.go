//go:build unix

package journal

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive, non-blocking lock; the kernel drops it when
// the process dies, so a kill -9 never leaves a stale lock behind. Almost:
// a step process that the dead runbook had just forked still holds a copy
// of the journal's descriptor until its exec completes (a millisecond or
// so), so a runbook started right after the kill retries for a moment
// before it calls the run in use.
func lockFile(f *os.File) error {
	var err error
	for try := 0; try < lockTries; try++ {
		if try > 0 {
			time.Sleep(lockRetry)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
	}
	return errors.New("the run is in use by another runbook process")
}

// A lock still held after lockTries × lockRetry belongs to a live runbook.
const (
	lockTries = 20
	lockRetry = 10 * time.Millisecond
)

// inUse reports whether another process holds the journal's lock: the run
// is open in a live runbook right now.
func inUse(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
