package runbook

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// A file saved after its UTF-8 was read as Windows-1252 shows "ðŸ“¦" where
// "📦" was meant. Converting every character back to its Windows-1252 byte
// undoes that — except for the five bytes Windows-1252 has no character
// for (0x81, 0x8D, 0x8F, 0x90, 0x9D), which the first wrong decoding
// dropped: the characters that held one ("┐", "🔐") cannot come back.

// win1252 maps the characters Windows-1252 puts at 0x80–0x9F to their
// bytes; 0xA0–0xFF are the same code points as bytes.
var win1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// toWindows1252 converts a line of text back to the bytes a Windows-1252
// decoder read it from; false when a character has no such byte (the text
// was not, or not only, double-encoded).
func toWindows1252(line []byte, out []byte) ([]byte, bool) {
	for len(line) > 0 {
		r, n := utf8.DecodeRune(line)
		line = line[n:]
		switch b, ok := win1252[r]; {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		case ok:
			out = append(out, b)
		default:
			return out, false
		}
	}
	return out, true
}

// doubleEncoding is what undoing the double encoding of src would give:
// ok when every character maps back to a byte; lost counts the characters
// that would still be broken (a byte was dropped) and lostLine is the
// first line holding one.
func doubleEncoding(src []byte) (ok bool, lost, lostLine, mixedLine int) {
	var buf []byte
	line := 0
	for rest := src; len(rest) > 0; {
		line++
		l := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		var good bool
		if buf, good = toWindows1252(l, buf[:0]); !good {
			return false, 0, 0, line
		}
		for b := buf; len(b) > 0; {
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError && n <= 1 {
				// one broken character: skip its continuation bytes
				lost++
				if lostLine == 0 {
					lostLine = line
				}
				for n < len(b) && b[n]&0xC0 == 0x80 {
					n++
				}
			}
			b = b[n:]
		}
	}
	return true, lost, lostLine, 0
}

// mojibakeDiagnostics warns about double-encoded text with the one command
// that repairs the file, and what it cannot repair.
func mojibakeDiagnostics(doc *Document) []Diagnostic {
	i := mojibakeAt(doc.Source)
	if i < 0 {
		return nil
	}
	line := 1 + bytes.Count(doc.Source[:i], []byte{'\n'})
	sample := doc.Source[i:]
	if j := bytes.IndexAny(sample, "\r\n"); j >= 0 {
		sample = sample[:j]
	}
	msg := fmt.Sprintf("text looks double-encoded (UTF-8 read as Windows-1252, e.g. %q)", firstRunes(string(sample), 4))
	ok, lost, lostLine, mixed := doubleEncoding(doc.Source)
	if !ok {
		msg += fmt.Sprintf(", but line %d has characters Windows-1252 does not have, so no conversion of the whole file repairs it: fix the garbled characters by hand", mixed)
		return []Diagnostic{{Severity: SevWarning, Line: line, Code: "mojibake", Message: msg}}
	}
	name := doc.Path
	if name == "" {
		name = "FILE"
	}
	ext := filepath.Ext(name)
	fixed := strings.TrimSuffix(name, ext) + ".fixed" + ext
	msg += fmt.Sprintf(": repair it with `iconv -f utf-8 -t windows-1252 %s | iconv -f utf-8 -t utf-8 -c > %s`", shellWord(name), shellWord(fixed))
	if lost > 0 {
		msg += fmt.Sprintf(" (%s lost a byte in the double encoding and cannot be recovered: -c drops them; the first is on line %d)", plural(lost, "character"), lostLine)
	}
	return []Diagnostic{{Severity: SevWarning, Line: line, Code: "mojibake", Message: msg}}
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	safe := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || (c >= '0' && c <= '9') || strings.IndexByte("-_./+,:@%", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
