package lines

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
)

// stoppedTail is how much of an attempt's log line mode shows when a
// resumed run records that runbook stopped while it ran.
const (
	stoppedTailLines = 10
	stoppedTailBytes = 8 << 10
)

// stoppedOutput is what an attempt printed before runbook stopped (kill -9,
// a crash), under the line that records it interrupted on resume: its
// output was shown by the process that died, and a log nobody reads is
// output lost. Only for an attempt this printer did not see start.
func (p *Printer) stoppedOutput(e *journal.Event, seen bool) string {
	if e.Status != journal.Interrupted || e.Log == "" || p.RunDir == "" || seen {
		return ""
	}
	f, err := journal.OpenLog(filepath.Join(p.RunDir, e.Log)) // never through a symlink
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-stoppedTailBytes, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	ls := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if off > 0 && len(ls) > 1 {
		ls = ls[1:] // cut mid-line
	}
	head := fmt.Sprintf("output before runbook stopped (%s):", e.Log)
	if len(ls) > stoppedTailLines {
		head = fmt.Sprintf("output before runbook stopped, last %d lines (%s):", stoppedTailLines, e.Log)
		ls = ls[len(ls)-stoppedTailLines:]
	}
	var out bytes.Buffer
	out.WriteString("\n" + outputIndent + p.paint(dim, head))
	for _, l := range ls {
		p.filtered.Reset()
		p.filter.Write(bytes.TrimRight(l, "\r"))
		p.filter.Reset()
		out.WriteString("\n" + outputIndent + p.filtered.String())
	}
	return out.String()
}

// waiting says, on a line of its own, that the running step is blocked
// reading its terminal: without it a step waiting for a password looks
// like a slow one until its timeout.
func (p *Printer) waiting(ev steps.Event) {
	st := p.doc.Step(ev.Step)
	if ev.Wait != steps.WaitingInput || st == nil || steps.RunsInBackground(st) {
		return
	}
	mark := "?"
	if p.style.Unicode {
		mark = "⏸"
	}
	line := mark + " " + termtext.Escape(ev.Step) + "  is waiting for input on its terminal" + p.waitHint
	p.endLine()
	fmt.Fprintln(p.w, p.paint(yellow, line))
}
