//go:build unix && !linux

package shell

import (
	"fmt"
	"os"
	"path/filepath"
)

// newScript holds a step's code for an interpreter that reads a script
// file (python, perl, node…): a file readable only by the engineer, in a
// directory of its own, removed when the step ends.
func newScript(code string) (*script, error) {
	dir, err := os.MkdirTemp("", "runbook-step-")
	if err != nil {
		return nil, fmt.Errorf("script file: %w", err)
	}
	p := filepath.Join(dir, "script")
	if err := os.WriteFile(p, []byte(code), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("script file: %w", err)
	}
	return &script{path: p, dir: dir}, nil
}

// script is a step's code given to its interpreter as a file at path.
type script struct {
	path string
	dir  string // removed with the file
}

func (s *script) Close() error { return os.RemoveAll(s.dir) }

// extraFiles are the files the child inherits after stdio: none.
func (s *script) extraFiles() []*os.File { return nil }
