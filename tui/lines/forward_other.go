//go:build !linux

package lines

import (
	"os"

	"github.com/runbook-sh/runbook/steps"
)

// forwarder: only Linux tells a step waiting for input apart (steps/shell),
// so only there is typing forwarded to it.
type forwarder struct{}

func newForwarder(*steps.Engine, *os.File) *forwarder { return nil }
func (f *forwarder) handle(steps.Event)               {}
func (f *forwarder) stop()                            {}
