package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/runbook-sh/runbook/runbook"
)

// A doc's escape sequences reach the screen visibly escaped, never raw:
// whatever the selection shows, the frame holds no OSC but hyperlinks, no
// DCS, APC, PM or SOS, no BEL and no C1 control.
func TestHostileDocFramesHoldNoRawSequences(t *testing.T) {
	src := "# Deploy \x1b]52;c;SGVhZGluZw==\a\u202eelif\u202c\n\n" +
		"## Build \x1b]0;pwned\a\x1bP+q544e\x1b\\\n\n" +
		"[VERIFY] Which region \x1b]2;title\x1b\\ do we use\a?\n\n" +
		"- [ ] Tell \x1b]52;c;dGFzaw==\a the channel\n\n" +
		"```bash {name=hostile}\necho \"\x1b]52;c;Y29tbWFuZA==\a\x1bPdcs\x1b\\\\\"\n```\n"
	doc, err := runbook.Parse("/tmp/hostile\x1b]0;t\a.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, newFakeEngine(doc), 100, 30)
	sawEscaped := false
	for i := 0; i < 8; i++ {
		v := h.m.View()
		frame := v.Content
		if bad := rawSequence(frame); bad != "" {
			t.Fatalf("frame %d holds a raw %q", i, bad)
		}
		if strings.ContainsAny(v.WindowTitle, "\x1b\a") {
			t.Fatalf("window title %q", v.WindowTitle)
		}
		sawEscaped = sawEscaped || strings.Contains(frame, `\x1b]52;c;`)
		h.press("down")
	}
	if !sawEscaped {
		t.Fatal("the escape sequences are not shown visibly")
	}
}

func rawSequence(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == 0x07 {
			return "BEL"
		}
		if s[i] != 0x1b || i+1 >= len(s) {
			continue
		}
		switch s[i+1] {
		case 'P', 'X', '^', '_':
			return s[i : i+2]
		case ']':
			if !strings.HasPrefix(s[i:], "\x1b]8;") {
				return s[i:min(len(s), i+6)]
			}
		}
	}
	for _, r := range s {
		if r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r == utf8.RuneError {
			return string(r)
		}
	}
	return ""
}
