//go:build !unix

package shell

import (
	"context"
	"errors"

	"github.com/runbook-sh/runbook/steps"
)

// Run reports that shell steps need a Unix system: process groups and
// pseudo-terminals are what make a step safe to interrupt.
func (e *Executor) Run(ctx context.Context, req steps.Request) steps.Result {
	return steps.Result{ExitCode: -1, Err: errors.New("shell steps are not supported on this system (needs unix process groups and pseudo-terminals)")}
}
