package journal

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/runbook-sh/runbook/runbook"
)

// LockFile is the run's lock inside its directory. The process that has
// the run open holds an exclusive flock on it and writes who it is into
// it, so that a second runbook can say who holds the run instead of just
// "in use". The kernel drops the lock when the holder dies, so a kill -9
// never leaves a stale lock; the identity left in the file is then only
// history, overwritten by the next holder.
const LockFile = "lock"

// Holder is who has a run open.
type Holder struct {
	User  string    `json:"user"`
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

func (h Holder) String() string {
	return fmt.Sprintf("%s on %s (pid %d) since %s", h.User, h.Host, h.PID, h.Since.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// InUseError says that another process holds the run.
type InUseError struct {
	Run    string
	Holder *Holder // nil when the holder did not say (an older runbook)
}

func (e *InUseError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("run %s is in use by another runbook process", e.Run)
	}
	return fmt.Sprintf("run %s is in use by %s; wait for it to finish, or stop that process", e.Run, e.Holder)
}

// currentHolder is this process.
func currentHolder() Holder {
	h := Holder{PID: os.Getpid(), Since: time.Now().UTC().Truncate(time.Second)}
	if u, err := user.Current(); err == nil && u.Username != "" {
		h.User = u.Username
	} else if v := os.Getenv("USER"); v != "" {
		h.User = v
	} else {
		h.User = "unknown"
	}
	h.Host, _ = os.Hostname()
	return h
}

// acquire takes the run's lock in the open run directory rd and records
// this process as its holder. The lock file is opened without following
// a symlink.
func acquire(rd *os.File, runDir string) (*os.File, error) {
	f, err := openAt(rd, LockFile, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("lock the run: %w", pathCause(err))}
	}
	if err := flockNB(f); err != nil {
		defer f.Close()
		if errIsBusy(err) {
			_, run := runDirs(runDir)
			return nil, &runbook.Error{Path: runDir, Err: &InUseError{Run: run, Holder: readHolder(f)}}
		}
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("lock the run: %w", err)}
	}
	b, _ := json.Marshal(currentHolder())
	// best effort: the lock holds without the identity
	if f.Truncate(0) == nil {
		f.WriteAt(append(b, '\n'), 0)
	}
	return f, nil
}

func readHolder(f *os.File) *Holder {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}

// LockHolder returns who holds the run in runDir now, or nil when nobody
// does (or the run has no lock file).
func LockHolder(runDir string) *Holder {
	rd, err := openDir(runDir)
	if err != nil {
		return nil
	}
	defer rd.Close()
	f, err := openAt(rd, LockFile, os.O_RDONLY, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	if !heldByOther(f) {
		return nil
	}
	if h := readHolder(f); h != nil {
		return h
	}
	return &Holder{User: "unknown"}
}

// Acquire takes the lock of the run in runDir (creating the run
// directory), for a caller that writes the run without a Writer
// (runbook/state's DirStore). Closing the file releases it.
func Acquire(runDir string) (io.Closer, error) {
	stateDir, _ := runDirs(runDir)
	if err := prepareStateDir(stateDir); err != nil {
		return nil, err
	}
	if err := os.Mkdir(runDir, dirPerm); err != nil && !os.IsExist(err) {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("cannot create the run directory: %w", pathCause(err))}
	}
	rd, err := openDir(runDir)
	if err != nil {
		return nil, &runbook.Error{Path: runDir, Err: fmt.Errorf("open the run: %w", pathCause(err))}
	}
	defer rd.Close()
	return acquire(rd, runDir)
}
