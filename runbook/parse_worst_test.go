package runbook

import (
	"strings"
	"testing"
)

// Inputs that would be quadratic with naive scanning (one block with tens
// of thousands of lines and markers, unclosed tags, backtick runs of every
// length). Each parses in milliseconds; a quadratic path takes minutes and
// shows up as a slow test.
func TestParseWorstCases(t *testing.T) {
	var growing strings.Builder
	for i := 1; i <= 1000; i++ {
		growing.WriteString(strings.Repeat("`", i) + " x ")
	}
	cases := map[string]struct {
		src       string
		questions int
	}{
		"one paragraph, a marker per line": {"T\n" + strings.Repeat("[VERIFY] a\n", 30000), 30000},
		"markers and backticks":            {strings.Repeat("[VERIFY] ` ", 30000), 15000},
		"unclosed tags":                    {strings.Repeat("[VERIFY] <a ", 30000), 30000},
		"backtick runs of every length":    {"[VERIFY] " + growing.String(), 1},
		"scraped, a marker per line":       {"T¶\n" + strings.Repeat("[VERIFY] a\n", 30000), 30000},
		"cells":                            {"| a |\n|---|\n" + strings.Repeat("| [VERIFY] `x` <b> |\n", 20000), 20000},
	}
	for name, tc := range cases {
		d, err := parse("w.md", []byte(tc.src), noLimits) // linearity, not limits
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Questions) != tc.questions {
			t.Errorf("%s: %d questions, want %d", name, len(d.Questions), tc.questions)
		}
	}
}
