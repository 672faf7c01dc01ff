//go:build !unix

package lines

import (
	"context"
	"os"
)

// WaitInput returns at once where runbook cannot wait on a terminal: the
// read that follows blocks until a line is typed.
func WaitInput(ctx context.Context, _ *os.File) error { return context.Cause(ctx) }
