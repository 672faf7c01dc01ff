// Package termtext keeps text from a document, a value or a step's output
// from driving the terminal it is shown on.
//
// A runbook is input from whoever wrote it, and a value is input from
// whoever typed it: either can hold escape sequences that write the
// clipboard (OSC 52), set the window title, or reorder what the engineer
// reads (bidi overrides). Two tools, for two kinds of text:
//
//   - Escape (and Writer) renders every control character visibly, for the
//     human-readable text runbook itself prints: headings, titles,
//     questions, commands, values, diffs, error messages.
//   - Filter passes a step's output through to a terminal keeping colours
//     and cursor movement, and drops the sequences that act outside the
//     screen (OSC but hyperlinks, DCS, APC, PM, SOS) or make the terminal
//     answer on its input.
//
// Logs on disk are never filtered: they keep the bytes as produced.
// This package depends on nothing of runbook's, so every layer can use it.
package termtext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every control character rendered visibly: C0
// controls in caret notation (^G, ^M), ESC as \x1b, DEL as ^?, C1 controls
// and bidirectional overrides as \uXXXX, and bytes that are not UTF-8 as
// \xNN. Newline and tab are kept, and a carriage return right before a
// newline (a CRLF line end): multi-line commands and questions stay
// readable. Text without any of these is returned unchanged (no copy).
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	appendEscaped(&b, s[i:])
	return b.String()
}

// EscapeLine is Escape that also renders newline and tab (as ^J and ^I),
// for text that must stay on one line: a table cell, a status message.
func EscapeLine(s string) string {
	s = Escape(s)
	if !strings.ContainsAny(s, "\n\t") {
		return s
	}
	return strings.NewReplacer("\n", "^J", "\t", "^I").Replace(s)
}

// firstUnsafe is the byte offset of the first character Escape changes,
// or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafeASCII(c) && !crlf(s, i) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unsafeRune(r) {
			return i
		}
		i += n
	}
	return -1
}

// crlf: the carriage return at s[i] ends a line; harmless before a newline.
func crlf(s string, i int) bool { return s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' }

func unsafeASCII(c byte) bool { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f }

// unsafeRune: C1 controls (U+0080–U+009F; xterm and others obey them in
// UTF-8 too) and the bidi embeddings, overrides and isolates that make a
// terminal show text in another order than it runs (CVE-2021-42574).
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func appendEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0x1b:
				b.WriteString(`\x1b`)
			case c == 0x7f:
				b.WriteString("^?")
			case crlf(s, i):
				b.WriteByte(c)
			case unsafeASCII(c):
				b.WriteByte('^')
				b.WriteByte(c + '@')
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(b, `\x%02x`, c)
		case unsafeRune(r):
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// Writer escapes everything written through it (see Escape), for a whole
// human-readable output such as `runbook list`. A UTF-8 character (or a
// CRLF) split between two writes is held until the next one; Flush writes
// what is held.
type Writer struct {
	w    io.Writer
	held []byte
}

// NewWriter escapes what is written to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it. It reports len(p) on success, whatever
// the escaped length.
func (w *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if len(w.held) > 0 {
		p = append(w.held, p...)
		w.held = nil
	}
	k := incompleteTail(p)
	if k == 0 && len(p) > 0 && p[len(p)-1] == '\r' {
		k = 1 // a CRLF split between writes is still a line end
	}
	if k > 0 {
		w.held = append([]byte(nil), p[len(p)-k:]...)
		p = p[:len(p)-k]
	}
	if _, err := io.WriteString(w.w, Escape(string(p))); err != nil {
		return 0, err
	}
	return n, nil
}

// Flush writes a held partial character (escaped: it is not UTF-8).
func (w *Writer) Flush() error {
	if len(w.held) == 0 {
		return nil
	}
	s := string(w.held)
	w.held = nil
	_, err := io.WriteString(w.w, Escape(s))
	return err
}

// incompleteTail is the length of a UTF-8 sequence begun but not finished
// at the end of p (0 when p ends on a character boundary or in bytes that
// can never become UTF-8).
func incompleteTail(p []byte) int {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(p); k++ {
		c := p[len(p)-k]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a lead byte: how long does it want to be?
			want := 0
			switch {
			case c >= 0xf0 && c < 0xf5:
				want = 4
			case c >= 0xe0 && c < 0xf0:
				want = 3
			case c >= 0xc2:
				want = 2
			}
			if want > k {
				return k
			}
			return 0
		}
	}
	return 0
}
