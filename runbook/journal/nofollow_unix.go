//go:build unix

package journal

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// oDirectory makes openAt fail on anything but a directory.
const oDirectory = unix.O_DIRECTORY

// openDir opens a directory without following a symlink in its last
// component; the files of a run are then opened relative to it.
func openDir(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, noFollowError(path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openAt opens name inside dir, never through a symlink.
func openAt(dir *os.File, name string, flag int, perm os.FileMode) (*os.File, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, flag|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return nil, noFollowError(dir.Name()+"/"+name, err)
	}
	return os.NewFile(uintptr(fd), dir.Name()+"/"+name), nil
}

// mkdirAt creates the directory name inside dir (0700); an existing one is
// fine (openAt refuses it later if it is a symlink).
func mkdirAt(dir *os.File, name string) error {
	err := unix.Mkdirat(int(dir.Fd()), name, dirPerm)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return &fs.PathError{Op: "mkdir", Path: dir.Name() + "/" + name, Err: err}
	}
	return nil
}

// renameAt renames within one directory.
func renameAt(dir *os.File, from, to string) error {
	if err := unix.Renameat(int(dir.Fd()), from, int(dir.Fd()), to); err != nil {
		return &os.LinkError{Op: "rename", Old: dir.Name() + "/" + from, New: dir.Name() + "/" + to, Err: err}
	}
	return nil
}

// noFollowError turns O_NOFOLLOW's ELOOP (and O_DIRECTORY's ENOTDIR on a
// symlink) into words.
func noFollowError(path string, err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "open", Path: path, Err: errors.New("is a symlink; runbook never follows one in its state directory")}
		}
	}
	return &fs.PathError{Op: "open", Path: path, Err: err}
}

func owner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
