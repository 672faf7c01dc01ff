//go:build unix

package shell

import (
	"os"

	"github.com/runbook-sh/runbook/steps"
)

// offerInput hands the step's terminal input (the pty master) to the
// engine and watches for the step waiting on it: nobody types into this
// terminal unless a frontend forwards keys (Engine.Input), so say when
// the step waits for that. Not with NoPTY: the lifeline terminal reads
// as empty. The returned func ends the watch.
func (e *Executor) offerInput(req steps.Request, sid int, master *os.File, tty string) (stop func()) {
	if e.opt.NoPTY {
		return func() {}
	}
	if req.Input != nil {
		req.Input(master)
	}
	if req.Waiting == nil {
		return func() {}
	}
	return watchInput(sid, tty, req.Waiting)
}
