package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/mask"
)

// Excerpt bounds: a report shows the start and the end of an attempt's
// output, never the whole log, so a 2 GB log still makes a small report.
const (
	headLines    = 20
	tailLines    = 40
	excerptBytes = 8 << 10
	// lineBytes caps one shown line; longer lines (progress bars, minified
	// JSON) are cut with an ellipsis.
	lineBytes = 1 << 10
	// rawLineBytes is what is kept of a raw log line before cleaning: enough
	// for lineBytes of text after escape sequences are stripped.
	rawLineBytes = 4 << 10
)

const maskText = mask.Text

// masker replaces secrets, in every form programs print them in, with
// ****: the same masking as the engine's (runbook/mask).
type masker struct{ set *mask.Set }

func newMasker(secrets []string) *masker { return &masker{set: mask.New(secrets)} }

func (m *masker) s(v string) string { return m.set.String(v) }

// trimPartial drops a tail of v that is the start of a secret: when a line
// is cut, the cut may fall inside a secret, which masking cannot recognise.
func (m *masker) trimPartial(v string) string {
	if n := m.set.PartialSuffix(v); n >= 3 {
		return v[:len(v)-n] + maskText
	}
	return v
}

// event returns a copy of e with every free-text field masked.
func (m *masker) event(e journal.Event) journal.Event {
	for _, p := range []*string{&e.Run, &e.Doc, &e.Who, &e.Host, &e.Step, &e.Command, &e.Error, &e.Log,
		&e.Question, &e.Name, &e.Value, &e.Source, &e.Note, &e.Account, &e.ARN, &e.Region} {
		*p = m.s(*p)
	}
	if len(e.Written) > 0 {
		w := make([]string, len(e.Written))
		for i, s := range e.Written {
			w[i] = m.s(s)
		}
		e.Written = w
	}
	if e.Secret {
		e.Value = ""
	}
	return e
}

// Excerpt is the bounded part of an attempt's log a report shows.
type Excerpt struct {
	Path  string   // the full log
	Head  []string // first lines
	Tail  []string // last lines (empty when everything fits in Head)
	Lines int      // lines in the whole log
	Cut   int      // lines not shown
	Bytes int64    // size of the whole log
	// Err is set when the log could not be read (missing, unreadable).
	Err string
}

// CutNote is the line shown where lines were left out.
func (x *Excerpt) CutNote() string {
	return fmt.Sprintf("… %d lines cut; full log: %s", x.Cut, x.Path)
}

// Text is the excerpt as shown: head, the cut note, tail.
func (x *Excerpt) Text() string {
	var b strings.Builder
	for _, l := range x.Head {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if x.Cut > 0 {
		b.WriteString(x.CutNote())
		b.WriteByte('\n')
	}
	for _, l := range x.Tail {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// TailText is the last lines only (JUnit failures show the end of output).
func (x *Excerpt) TailText() string {
	lines := x.Tail
	if len(lines) == 0 {
		lines = x.Head
		if len(lines) > tailLines {
			lines = lines[len(lines)-tailLines:]
		}
	}
	var b strings.Builder
	if x.Cut > 0 || len(lines) < x.Lines {
		fmt.Fprintf(&b, "… last %d of %d lines; full log: %s\n", len(lines), x.Lines, x.Path)
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Empty reports whether there is no output to show.
func (x *Excerpt) Empty() bool { return x == nil || (len(x.Head) == 0 && len(x.Tail) == 0) }

// readExcerpt streams a log and keeps only its head and tail: the log is
// never loaded whole.
func readExcerpt(path string, m *masker) *Excerpt {
	x := &Excerpt{Path: m.s(path)}
	f, err := journal.OpenLog(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			x.Err = "log file missing"
		} else {
			x.Err = m.s(fmt.Sprintf("cannot read log: %v", err))
		}
		return x
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		x.Bytes = fi.Size()
	}
	r := bufio.NewReaderSize(f, 32<<10)
	type rawLine struct {
		b   []byte
		cut bool
	}
	var tail []rawLine // ring of the last tailLines lines after the head
	next := 0
	for {
		raw, cut, ok, err := readLine(r, rawLineBytes+m.set.MaxHold()+1)
		if err != nil {
			x.Err = m.s(fmt.Sprintf("cannot read log: %v", err))
		}
		if !ok {
			break
		}
		x.Lines++
		if len(x.Head) < headLines {
			x.Head = append(x.Head, cleanLine(raw, cut, m))
		} else if len(tail) < tailLines {
			tail = append(tail, rawLine{raw, cut})
		} else {
			// a ring: only lines that may still be shown are kept, and
			// cleaned once at the end
			tail[next] = rawLine{raw, cut}
			next = (next + 1) % tailLines
		}
	}
	for _, l := range append(tail[next:], tail[:next]...) {
		x.Tail = append(x.Tail, cleanLine(l.b, l.cut, m))
	}
	x.fit()
	x.Cut = x.Lines - len(x.Head) - len(x.Tail)
	return x
}

// fit drops lines until head and tail together stay under excerptBytes:
// the head keeps at most a third of the budget, the tail the rest, and the
// lines closest to the cut go first.
func (x *Excerpt) fit() {
	size := func(ls []string) int {
		n := 0
		for _, l := range ls {
			n += len(l) + 1
		}
		return n
	}
	for size(x.Head)+size(x.Tail) > excerptBytes {
		if size(x.Head) > excerptBytes/3 && len(x.Head) > 1 || len(x.Tail) <= 1 && len(x.Head) > 0 {
			x.Head = x.Head[:len(x.Head)-1]
		} else if len(x.Tail) > 1 {
			x.Tail = x.Tail[1:]
		} else {
			break
		}
	}
}

// readLine returns the next line without its line ending, at most max
// bytes of it (the rest of a longer line is read and dropped, cut is set).
// ok is false when there are no more lines.
func readLine(r *bufio.Reader, max int) (line []byte, cut, ok bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !cut {
			room := max - len(line)
			if len(chunk) > room {
				line = append(line, chunk[:room]...)
				cut = true
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if len(line) == 0 && !cut {
				return nil, false, false, nil
			}
		case err != nil:
			return nil, false, false, err
		}
		if !cut {
			line = bytes.TrimSuffix(line, []byte("\n"))
		}
		return line, cut, true, nil
	}
}

// Terminal escape sequences: CSI (colours, cursor), OSC (titles,
// hyperlinks) and the two-byte ones.
var escRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]`)

// cleanLine turns a raw pty line into text: escapes stripped, a carriage
// return keeps what the terminal would finally show, control characters
// and invalid UTF-8 dropped, masked, capped at lineBytes.
func cleanLine(raw []byte, cut bool, m *masker) string {
	s := m.s(string(raw))
	s = escRE.ReplaceAllString(s, "")
	s = strings.TrimRight(s, "\r")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		// a progress bar redrawn with \r: keep the last non-empty frame
		for _, part := range slicesReverse(strings.Split(s, "\r")) {
			if strings.TrimSpace(part) != "" {
				s = part
				break
			}
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0) {
			return r
		}
		return -1
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = m.s(s)
	if len(s) > lineBytes {
		s = truncateUTF8(s, lineBytes)
		cut = true
	}
	if cut {
		s = m.trimPartial(s) + " …"
	}
	return s
}

func slicesReverse(ss []string) []string {
	for i, j := 0, len(ss)-1; i < j; i, j = i+1, j-1 {
		ss[i], ss[j] = ss[j], ss[i]
	}
	return ss
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
