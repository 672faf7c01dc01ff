package shell

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// newScript holds a step's code for an interpreter that reads a script
// file (python, perl, node…). On Linux it is an anonymous memory file
// handed to the child as its descriptor 3: nothing is written to disk, no
// other user can read it, and nothing is left behind if runbook is killed.
// The code is not on the command line either, where `ps` would show it.
func newScript(code string) (*script, error) {
	fd, err := unix.MemfdCreate("runbook-step", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("script file: %w", err)
	}
	f := os.NewFile(uintptr(fd), "runbook-step")
	if _, err := io.WriteString(f, code); err != nil {
		f.Close()
		return nil, fmt.Errorf("script file: %w", err)
	}
	// gawk reads /dev/fd/N through the descriptor itself, from its offset.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("script file: %w", err)
	}
	return &script{path: "/dev/fd/3", file: f}, nil
}

// script is a step's code given to its interpreter as a file: path is
// what the program is told to run, file is the child's descriptor 3.
type script struct {
	path string
	file *os.File
}

func (s *script) Close() error { return s.file.Close() }

// extraFiles are the files the child inherits after stdio.
func (s *script) extraFiles() []*os.File {
	if s == nil {
		return nil
	}
	return []*os.File{s.file}
}
