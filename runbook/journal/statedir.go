package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/runbook-sh/runbook/runbook"
)

// The state directory holds what runbook trusts on resume: which steps
// are done, what each printed. Whoever can write in it can make runbook
// skip a step or follow a symlink planted in it, so it must be a real
// directory (never a symlink), of the user who runs, and writable by
// nobody else. Inside it, runbook never follows a symlink: run
// directories, journals, locks, logs/ and log files are opened with
// no-follow semantics (O_NOFOLLOW, relative to an open directory).

// ErrUnsafeStateDir marks a state directory refused for its type, owner
// or permissions.
var ErrUnsafeStateDir = errors.New("unsafe state directory")

// CheckStateDir refuses a state directory that is a symlink, not a
// directory, someone else's, or writable by its group or others. A
// missing directory is fine (it will be created private). The error is a
// *runbook.Error naming the directory (exit 2).
func CheckStateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &runbook.Error{Path: dir, Err: fmt.Errorf("unreadable state directory: %w", pathCause(err))}
	}
	return checkStateDirInfo(dir, fi)
}

func checkStateDirInfo(dir string, fi fs.FileInfo) error {
	bad := func(why string) error {
		return &runbook.Error{Path: dir, Err: fmt.Errorf("%w: %s", ErrUnsafeStateDir, why)}
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return bad(fmt.Sprintf("it is a symlink (to %s); runbook never follows one for its state: use the real path with --state-dir", target))
	case !fi.IsDir():
		return bad("not a directory")
	case fi.Mode().Perm()&0o022 != 0:
		return bad(fmt.Sprintf("writable by other users (mode %04o); fix it with: chmod go-w %s", fi.Mode().Perm(), shellQuote(dir)))
	}
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return bad(fmt.Sprintf("owned by uid %d, not by you (uid %d): another user could rewrite what your runs trust", uid, os.Geteuid()))
	}
	return nil
}

// prepareStateDir creates the state directory (0700) if needed and checks
// it. Not being able to create it is bad input (exit 2), not a failure.
func prepareStateDir(dir string) error {
	if err := CheckStateDir(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return &runbook.Error{Path: dir, Err: fmt.Errorf("cannot create the state directory: %w (choose another with --state-dir)", pathCause(err))}
	}
	return CheckStateDir(dir)
}

// shellQuote quotes a path for a command the user may paste.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '.' || r == '-' || r == '_') {
			return "'" + filepathQuote(s) + "'"
		}
	}
	return s
}

func filepathQuote(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, `'\''`...)
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// runDirs splits a run directory into its state directory and run name.
func runDirs(runDir string) (stateDir, run string) {
	return filepath.Dir(runDir), filepath.Base(runDir)
}
