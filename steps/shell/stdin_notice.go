package shell

import (
	"fmt"
	"io"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
)

// stdinNotice is said under the output of a step that failed and reads
// the terminal though it is not interactive: its standard input is
// empty (/dev/null), so `read` got nothing and a prompt no answer. The
// step used to fail with no word of why, often with no output at all.
func stdinNotice(req steps.Request, res steps.Result) string {
	if res.OK() || res.Interrupted || res.TimedOut || req.Terminal != nil || req.Step == nil {
		return ""
	}
	code := req.Command
	if code == "" {
		code = req.Step.Code
	}
	reads := runbook.ReadsTerminal(req.Step, code)
	if len(reads) == 0 {
		return ""
	}
	what := make([]string, len(reads))
	for i, r := range reads {
		what[i] = r.String()
	}
	return fmt.Sprintf("\r\n[runbook] %s, but this step is not interactive: nobody can type into it and its input is empty. Mark it {interactive} to answer it, or give the input another way.\r\n",
		strings.Join(what, "; "))
}

// writeStdinNotice writes the notice, if any, after the step's output.
func writeStdinNotice(out io.Writer, req steps.Request, res *steps.Result) {
	n := stdinNotice(req, *res)
	if n == "" || out == nil {
		return
	}
	if _, err := io.WriteString(out, n); err != nil && res.Err == nil {
		res.Err = fmt.Errorf("write output: %w", err)
	}
}
