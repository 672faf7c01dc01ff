// Package demo holds the built-in example runbook of `runbook demo`: an
// "acme-api" environment stood up offline with bash and coreutils, using
// every feature of the format (questions, placeholders and a secret, a
// failing then retried step, a slow step, a console block, manual items and
// a table of checks).
package demo

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/runbook-sh/runbook/runbook/atomicfile"
)

//go:embed demo.md
var source []byte

// FileName is the name of the copy written by WriteCopy.
const FileName = "acme-api-runbook.md"

// Source returns the embedded runbook (a copy: the binary's data is never
// modified).
func Source() []byte { return append([]byte(nil), source...) }

// WriteCopy writes the demo runbook into a new temporary directory under
// dir ("" for the system default) and returns the path of the copy. Runs,
// answers and the steps' files all stay in that directory.
func WriteCopy(dir string) (string, error) {
	tmp, err := os.MkdirTemp(dir, "runbook-demo-")
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	path := filepath.Join(tmp, FileName)
	if err := atomicfile.Write(path, source, atomicfile.Options{Perm: 0o644}); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return path, nil
}
