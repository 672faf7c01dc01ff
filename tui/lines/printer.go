// Package lines is line mode: the run engine driven without a screen, its
// progress printed one line per event, for CI logs and pipes.
package lines

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
)

// Style is how lines are decorated.
type Style struct {
	Unicode bool // ▶ ✓ ✗ rather than > + x
	Color   bool // ANSI colours
}

type glyphs struct{ start, ok, fail, skip, manual, stale, cmd string }

var (
	unicodeGlyphs = glyphs{"▶", "✓", "✗", "↷", "☐", "!", "│"}
	asciiGlyphs   = glyphs{">", "+", "x", "-", "[ ]", "!", "|"}
)

// commandLines caps how much of a long command is echoed before it runs;
// the whole command is in the journal and the report.
const commandLines = 12

const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// outputIndent sets a step's live output off from the progress lines.
const outputIndent = "    "

// Printer turns engine events into progress lines. Subscribe its Handle to
// an engine; it writes nothing but what events say, so every line it prints
// is already in the journal.
type Printer struct {
	mu    sync.Mutex
	w     io.Writer
	doc   *runbook.Document
	style Style
	g     glyphs
	// indented holds one chunk's indented output, reused (see output).
	indented []byte
	// midLine is set while a step's output has an unterminated line.
	midLine bool
	// filter keeps step output from driving the terminal beyond colours
	// and cursor movement; filtered holds one chunk's filtered bytes.
	filter   *termtext.Filter
	filtered bytes.Buffer
	// RunDir is the run's directory, where the logs are; started is the
	// attempt of each step this printer saw start (notices.go).
	RunDir  string
	started map[string]int
	// waitHint ends the line that says a step waits for input: what
	// the engineer can do about it here.
	waitHint string
}

// NewPrinter prints the progress of doc's run to w.
func NewPrinter(w io.Writer, doc *runbook.Document, style Style) *Printer {
	p := &Printer{w: w, doc: doc, style: style, g: asciiGlyphs, started: map[string]int{},
		waitHint: ", but the step is not interactive: nobody can type into it. Mark it {interactive} to answer it; Ctrl-C stops it."}
	p.filter = termtext.NewFilter(&p.filtered)
	if style.Unicode {
		p.g = unicodeGlyphs
	}
	return p
}

func (p *Printer) paint(color, s string) string {
	if !p.style.Color || color == "" {
		return s
	}
	return color + s + reset
}

func (p *Printer) title(id string) string {
	if st := p.doc.Step(id); st != nil && st.Title != "" && st.Title != id {
		return termtext.Escape(st.Title)
	}
	return ""
}

// Handle prints one event.
func (p *Printer) Handle(ev steps.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.Journal == nil && ev.Wait != steps.WaitNone {
		p.waiting(ev)
		return
	}
	if ev.Journal == nil {
		if st := p.doc.Step(ev.Step); st != nil && steps.RunsInBackground(st) {
			return // a background step's output is in its log, not among the others'
		}
		p.output(ev.Output)
		return
	}
	e := escaped(*ev.Journal)
	if e.Type == journal.StepFinished {
		p.filter.Reset() // a sequence the step left unfinished ends with it
	}
	var line string
	switch e.Type {
	case journal.StepStarted:
		p.started[ev.Journal.Step] = e.Attempt
		line = p.paint(bold, p.g.start+" "+e.Step)
		if t := p.title(e.Step); t != "" {
			line += "  " + t
		}
		if e.Attempt > 1 {
			line += p.paint(dim, fmt.Sprintf("  (attempt %d)", e.Attempt))
		}
		if e.Background {
			line += p.paint(dim, "  (in the background)")
		}
		if e.Note != "" {
			line += "\n" + outputIndent + p.paint(dim, firstLine(e.Note))
		}
		line += p.command(e.Command)
	case journal.StepFinished:
		seen := p.started[ev.Journal.Step] == ev.Journal.Attempt
		line = p.finished(e, seen) + p.stoppedOutput(ev.Journal, seen) + sessionLine(ev.Journal.Session)
	case journal.OutputGiven:
		v := e.Value
		if e.Secret {
			v = steps.Mask
		}
		line = p.paint(dim, outputIndent+"<"+e.Name+"> = "+termtext.Escape(shortValue(v))+"  (output of "+e.Step+")")
	case journal.StepSkipped:
		line = p.paint(yellow, p.g.skip+" "+e.Step+"  skipped") + note(e.Note)
	case journal.StepMarked:
		line = p.paint(green, p.g.ok+" "+e.Step+"  done by hand") + note(e.Note)
	case journal.StepAccepted:
		line = p.paint(green, p.g.ok+" "+e.Step+"  accepted as is")
	case journal.WroteBack:
		line = fmt.Sprintf("wrote %d answer(s) into %s", len(e.Written), termtext.Escape(p.doc.Path))
		if len(e.Outputs) > 0 {
			line = fmt.Sprintf("wrote %d answer(s) and %d value(s) into %s", len(e.Written), len(e.Outputs), termtext.Escape(p.doc.Path))
		}
	case journal.IdentityFound:
		// Said before the first step so a wrong account is seen at once.
		line = fmt.Sprintf("aws: account %s, %s (%s)", e.Account, e.ARN, e.Region)
	default:
		return
	}
	p.endLine()
	fmt.Fprintln(p.w, line)
}

// sessionLine says what a step changed in the shell session, on one
// line under its end: `session: VPC_ID=vpc-1 certs=(2) -OLD greet() cwd=/srv`
// (secret values as ****, long ones cut).
func sessionLine(c *journal.SessionChange) string {
	if c.Empty() {
		return ""
	}
	var parts []string
	for _, v := range c.Vars {
		switch {
		case v.Unset:
			parts = append(parts, "-"+v.Name)
		case v.Secret:
			parts = append(parts, v.Name+"="+steps.Mask)
		case v.Omitted != "":
			parts = append(parts, v.Name+"=(large)")
		case v.Kind != journal.VarScalar:
			parts = append(parts, fmt.Sprintf("%s=(%d)", v.Name, len(v.Items)))
		default:
			parts = append(parts, v.Name+"="+shortValue(v.Value))
		}
	}
	for _, f := range c.Funcs {
		if f.Unset {
			parts = append(parts, "-"+f.Name+"()")
		} else {
			parts = append(parts, f.Name+"()")
		}
	}
	if c.Cwd != "" {
		parts = append(parts, "cwd="+c.Cwd)
	}
	return "\n" + outputIndent + "session: " + termtext.Escape(strings.Join(parts, " "))
}

// shortValue is a value on one line, cut at 60 characters.
func shortValue(v string) string {
	v = strings.ReplaceAll(v, "\n", "\\n")
	if r := []rune(v); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return v
}

// escaped is the event with every text that comes from the doc, a value
// or a command's error rendered visibly escaped (termtext.Escape).
func escaped(e journal.Event) *journal.Event {
	for _, s := range []*string{&e.Step, &e.Command, &e.Note, &e.Error, &e.Account, &e.ARN, &e.Region} {
		*s = termtext.Escape(*s)
	}
	return &e
}

// command echoes the exact command (secrets already masked by the engine)
// under the start line: the engineer sees what runs, also in a CI log.
func (p *Printer) command(cmd string) string {
	cmd = strings.TrimRight(cmd, "\n")
	if cmd == "" {
		return ""
	}
	var b strings.Builder
	ls := strings.Split(cmd, "\n")
	for i, l := range ls {
		if i == commandLines {
			l = fmt.Sprintf("… %d more line(s)", len(ls)-i)
		}
		b.WriteString("\n" + outputIndent + p.paint(dim, p.g.cmd+" "+strings.TrimRight(l, "\r")))
		if i == commandLines {
			break
		}
	}
	return b.String()
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return ": " + firstLine(s)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func (p *Printer) finished(e *journal.Event, seen bool) string {
	d := p.paint(dim, "  "+FormatDuration(time.Duration(e.DurationMS)*time.Millisecond))
	if !seen && e.Status == journal.Interrupted {
		d = "" // recorded on resume: how long it ran before runbook died is not known
	}
	var line string
	switch e.Status {
	case journal.OK:
		line = p.paint(green, p.g.ok+" "+e.Step+"  ok") + d
	case journal.AlreadyDone:
		line = p.paint(green, p.g.ok+" "+e.Step+"  already done") + d
	case journal.Failed:
		what := "failed"
		if e.ExitCode != nil && *e.ExitCode != 0 {
			what = fmt.Sprintf("failed (exit %d)", *e.ExitCode)
		}
		line = p.paint(red, p.g.fail+" "+e.Step+"  "+what) + d
	case journal.TimedOut:
		line = p.paint(red, p.g.fail+" "+e.Step+"  timed out") + d
	case journal.Interrupted:
		line = p.paint(red, p.g.fail+" "+e.Step+"  interrupted") + d
	default:
		line = e.Step + "  " + string(e.Status) + d
	}
	if e.Error != "" && e.Status != journal.TimedOut {
		line += "\n" + outputIndent + p.paint(red, "error: "+firstLine(e.Error))
	}
	return line
}

// output indents a chunk of live output; a line cut between two chunks is
// indented once. Its buffers are reused: a step printing hundreds of
// megabytes costs no allocation per chunk, hence no garbage collection.
func (p *Printer) output(b []byte) {
	p.filtered.Reset()
	p.filter.Write(b)
	b = p.filtered.Bytes()
	buf := p.indented[:0]
	for len(b) > 0 {
		if !p.midLine {
			buf = append(buf, outputIndent...)
			p.midLine = true
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			buf = append(buf, b...)
			break
		}
		buf = append(buf, b[:i+1]...)
		b = b[i+1:]
		p.midLine = false
	}
	p.w.Write(buf)
	// Keep the buffers for the next chunk, unless one grew huge.
	if cap(buf) <= maxKeptBuf {
		p.indented = buf
	} else {
		p.indented = nil
	}
	if p.filtered.Cap() > maxKeptBuf {
		p.filtered = bytes.Buffer{}
	}
}

// maxKeptBuf bounds each buffer output keeps between chunks (a chunk is
// at most the executor's 1 MiB read, indented).
const maxKeptBuf = 4 << 20

func (p *Printer) endLine() {
	if p.midLine {
		io.WriteString(p.w, "\n")
		p.midLine = false
	}
}

// Println prints a line of its own (a summary, a notice) between events.
func (p *Printer) Println(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLine()
	fmt.Fprintln(p.w, termtext.Escape(s))
}

// FormatDuration is a short human duration: 0.3s, 12.4s, 2m05s, 1h02m.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
