package termtext

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode ✓":               "plain text, ünïcode ✓",
		"multi\nline\twith tab":               "multi\nline\twith tab",
		"\x1b]52;c;ZWNobyBwd25lZA==\a":        `\x1b]52;c;ZWNobyBwd25lZA==^G`,
		"\x1b]0;title\x1b\\":                  `\x1b]0;title\x1b\`,
		"\x1bP+q\x1b\\":                       `\x1bP+q\x1b\`,
		"cr\rover":                            "cr^Mover",
		"crlf\r\nline\r":                      "crlf\r\nline^M",
		"del\x7f":                             "del^?",
		"nul\x00":                             "nul^@",
		"c1 \u009b31m \u0085":                 `c1 \u009b31m \u0085`,
		"raw \x9b byte":                       `raw \x9b byte`,
		"bidi \u202eevil\u202c \u2066x\u2069": `bidi \u202eevil\u202c \u2066x\u2069`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if got := Escape(in); strings.ContainsAny(got, "\x1b\a\x7f\u009b\u202e") {
			t.Errorf("Escape(%q) kept a control: %q", in, got)
		}
	}
	if got := EscapeLine("a\nb\tc\x1b"); got != `a^Jb^Ic\x1b` {
		t.Errorf("EscapeLine = %q", got)
	}
}

func TestWriterHoldsSplitCharacters(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	in := "é\u009b ✓ \u202e!"
	for i := 0; i < len(in); i++ {
		if _, err := w.Write([]byte{in[i]}); err != nil {
			t.Fatal(err)
		}
	}
	w.Write([]byte{0xe2}) // a character never finished
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := `é\u009b ✓ \u202e!\xe2`; buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

func filterAll(in string) string {
	var buf bytes.Buffer
	NewFilter(&buf).Write([]byte(in))
	return buf.String()
}

func filterBytewise(in string) string {
	var buf bytes.Buffer
	f := NewFilter(&buf)
	for i := 0; i < len(in); i++ {
		f.Write([]byte{in[i]})
	}
	return buf.String()
}

func TestFilter(t *testing.T) {
	link := "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\"
	for _, c := range []struct{ name, in, want string }{
		{"text", "hello ✓\r\n\tworld\b\a", "hello ✓\r\n\tworld\b\a"},
		{"sgr kept", "\x1b[31mred\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[m", "\x1b[31mred\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[m"},
		{"cursor kept", "\x1b[2K\x1b[1A\x1b[10G\x1b[?25l\x1b[?25h\x1b7\x1b8\x1b[s\x1b[u", "\x1b[2K\x1b[1A\x1b[10G\x1b[?25l\x1b[?25h\x1b7\x1b8\x1b[s\x1b[u"},
		{"osc 52 BEL", "a\x1b]52;c;ZWNobyBwd25lZA==\ab", "ab"},
		{"osc 52 ST", "a\x1b]52;c;ZWNobw==\x1b\\b", "ab"},
		{"title", "a\x1b]0;pwned\ab\x1b]2;pwned\x1b\\c", "abc"},
		{"osc 8 kept", link, link},
		{"osc 8 with BEL", "\x1b]8;;http://x\ay\x1b]8;;\a", "\x1b]8;;http://x\ay\x1b]8;;\a"},
		{"osc 80 is not 8", "\x1b]80;x\ay", "y"},
		{"dcs", "a\x1bP+q544e\x1b\\b", "ab"},
		{"apc pm sos", "a\x1b_Gf=1;AAAA\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d", "abcd"},
		{"c1 in utf-8", "a\u009b31mb\u009d52;c;x\u009cc", "a31mb52;c;xc"},
		{"raw c1 byte", "a\x9b31m", "a\uFFFD31m"},
		{"status requests", "a\x1b[6n\x1b[c\x1b[21t\x1b[>c\x1b[?1000h\x1b[?2004hb", "ab"},
		{"reset and answerback", "a\x1bc\x05\x0e\x0fb\x1bZ", "ab"},
		{"cancel", "a\x1b]52;c;xx\x18b", "ab"},
		{"osc ended by newline", "a\x1b]0;never ends\nb", "ab"},
		{"esc aborts a string", "a\x1b]52;c;x\x1b[31mb", "a\x1b[31mb"},
		{"cursor shape", "\x1b[2 q", "\x1b[2 q"},
		{"charset", "\x1b(B", "\x1b(B"},
	} {
		if got := filterAll(c.in); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		if got := filterBytewise(c.in); got != c.want {
			t.Errorf("%s byte by byte: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFilterBoundsUnterminated(t *testing.T) {
	// an unterminated DCS swallows at most maxDrop bytes; the rest is text
	in := "\x1bP" + strings.Repeat("x", maxDrop+10) + "tail"
	if got := filterAll(in); !strings.HasSuffix(got, "tail") || strings.Contains(got, "\x1b") {
		t.Fatalf("unterminated DCS: %d bytes out, tail kept: %v", len(got), strings.HasSuffix(got, "tail"))
	}
	// a CSI that never ends is abandoned at maxCSI
	in = "\x1b[" + strings.Repeat("1;", maxCSI) + "m ok"
	if got := filterAll(in); strings.Contains(got, "\x1b") || !strings.HasSuffix(got, "m ok") {
		t.Fatalf("endless CSI: %q…", got[:min(len(got), 40)])
	}
	// a hyperlink past maxLink is dropped whole
	in = "\x1b]8;;" + strings.Repeat("u", maxLink+1) + "\x1b\\after"
	if got := filterAll(in); got != "after" {
		t.Fatalf("huge link: %q…", got[:min(len(got), 40)])
	}
	// Reset forgets a sequence cut short
	var buf bytes.Buffer
	f := NewFilter(&buf)
	f.Write([]byte("\x1b]52;c;abc"))
	f.Reset()
	f.Write([]byte("next step\n"))
	if buf.String() != "next step\n" {
		t.Fatalf("after Reset: %q", buf.String())
	}
}

// safeOutput reports what a filtered output must never hold: an OSC
// other than a hyperlink, a string sequence, a C1 control.
func unsafeOutput(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b || i+1 >= len(s) {
			continue
		}
		switch s[i+1] {
		case 'P', 'X', '^', '_', 'c', 'Z':
			return s[i:min(len(s), i+8)]
		case ']':
			if !strings.HasPrefix(s[i:], "\x1b]8;") {
				return s[i:min(len(s), i+8)]
			}
		}
	}
	for _, r := range s {
		if r >= 0x80 && r < 0xa0 {
			return string(r)
		}
	}
	if strings.ContainsAny(s, "\x05\x0e\x0f") {
		return "C0"
	}
	return ""
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;eA==\a", "\x1b[31mx", "\x1bP1$r\x1b\\", "\x1b]8;;u\x1b\\t\x1b]8;;\x1b\\", "\u009b6n", "\x1b\x1b]0;t\a"} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		whole := filterAll(string(in))
		if bad := unsafeOutput(whole); bad != "" {
			t.Fatalf("filter kept %q from %q", bad, in)
		}
		// split anywhere, the same output
		if cut < 0 {
			cut = -cut
		}
		cut %= len(in) + 1
		var buf bytes.Buffer
		fl := NewFilter(&buf)
		fl.Write(in[:cut])
		fl.Write(in[cut:])
		if buf.String() != whole {
			t.Fatalf("split at %d: %q, whole: %q", cut, buf.String(), whole)
		}
		if esc := Escape(string(in)); strings.ContainsAny(esc, "\x1b\a\x00\x7f") || unsafeOutput(esc) != "" {
			t.Fatalf("Escape kept a control: %q", esc)
		}
	})
}

// BenchmarkCleanFrame: a 200x60 TUI frame with a colour change every few
// cells, filtered once per frame.
func BenchmarkCleanFrame(b *testing.B) {
	var sb strings.Builder
	for y := 0; y < 60; y++ {
		for x := 0; x < 20; x++ {
			sb.WriteString("\x1b[38;5;12m│ text ✓ \x1b[0m")
		}
		sb.WriteByte('\n')
	}
	frame := sb.String()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		Clean(frame)
	}
}

// textRunBytewise is textRun without the eight-bytes-at-a-time path.
func textRunBytewise(p []byte) int {
	i := 0
	for i < len(p) {
		c := p[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t' {
			i++
			continue
		}
		if c < utf8.RuneSelf || !utf8.FullRune(p[i:]) {
			return i
		}
		r, n := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError || r < 0xa0 {
			return i
		}
		i += n
	}
	return i
}

// TestTextRunWordAtATime holds the fast path to the byte-by-byte loop:
// every byte value, at every offset of a word, among printable text.
func TestTextRunWordAtATime(t *testing.T) {
	text := []byte("the quick brown fox jumps over the lazy dog 0123456789~ ")
	for c := 0; c < 256; c++ {
		for at := 0; at < 24; at++ {
			p := append([]byte(nil), text[:32]...)
			p[at] = byte(c)
			for end := at; end <= len(p); end++ {
				if got, want := textRun(p[:end]), textRunBytewise(p[:end]); got != want {
					t.Fatalf("byte %#x at %d, len %d: textRun = %d, want %d", c, at, end, got, want)
				}
			}
		}
	}
	for _, s := range []string{"héllo wörld, ünïcode text\n", "tab\there\r\n", "\u0085 C1 in UTF-8", "x\x7fdel", "\xff\xfe bad"} {
		if got, want := textRun([]byte(s)), textRunBytewise([]byte(s)); got != want {
			t.Errorf("%q: textRun = %d, want %d", s, got, want)
		}
	}
}
