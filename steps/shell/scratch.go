//go:build unix

package shell

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxScratch bounds what is read back from a scratch file: a listing of
// the shell's state or a step's outputs past it is not read.
const maxScratch = 16 << 20

// scratch is a private file the step's shell reads or writes by path
// without inheriting it (newScratch): the prelude, the listings of its
// state, the outputs file.
type scratch struct {
	f    *os.File // the memory file, nil for a file on disk
	path string
	dir  string // the file on disk's own directory
}

// newTempScratch is a scratch file on disk, for systems without
// anonymous memory files: 0600, in a 0700 directory of its own, removed
// by Close.
func newTempScratch(name string) (*scratch, error) {
	dir, err := os.MkdirTemp("", "runbook-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("%s file: %w", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s file: %w", name, err)
	}
	return &scratch{path: p, dir: dir}, nil
}

// Close releases (or removes) the file.
func (s *scratch) Close() error {
	switch {
	case s == nil:
		return nil
	case s.f != nil:
		return s.f.Close()
	}
	return os.RemoveAll(s.dir)
}

// Write sets the file's content.
func (s *scratch) Write(b []byte) error {
	if s.f != nil {
		if err := s.f.Truncate(0); err != nil {
			return err
		}
		_, err := s.f.WriteAt(b, 0)
		return err
	}
	return os.WriteFile(s.path, b, 0o600)
}

// Bytes is the file's content now, up to maxScratch; more is an error.
func (s *scratch) Bytes() ([]byte, error) {
	r := s.f
	if r == nil {
		f, err := os.Open(s.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.NewSectionReader(r, 0, maxScratch+1))
	if err == nil && len(b) > maxScratch {
		err = fmt.Errorf("over %d MiB", maxScratch>>20)
	}
	return b, err
}
