//go:build !unix

package journal

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Without openat and O_NOFOLLOW, each name is checked with Lstat before it
// is opened (a race remains, which the state directory's permissions
// close on a single-user machine).

const oDirectory = 0

func openDir(path string) (*os.File, error) {
	if err := notSymlink(path); err != nil {
		return nil, err
	}
	return os.Open(path)
}

func openAt(dir *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
	path := filepath.Join(dir.Name(), name)
	if err := notSymlink(path); err != nil {
		return nil, err
	}
	return os.OpenFile(path, flag, perm)
}

func mkdirAt(dir *os.File, name string) error {
	err := os.Mkdir(filepath.Join(dir.Name(), name), dirPerm)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

func renameAt(dir *os.File, from, to string) error {
	return os.Rename(filepath.Join(dir.Name(), from), filepath.Join(dir.Name(), to))
}

func notSymlink(path string) error {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return &fs.PathError{Op: "open", Path: path, Err: errors.New("is a symlink; runbook never follows one in its state directory")}
	}
	return nil
}

func owner(fs.FileInfo) (int, bool) { return 0, false }
