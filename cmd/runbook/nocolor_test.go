package main

import (
	"regexp"
	"testing"
)

// colourSGR matches an SGR sequence that sets a foreground or background
// colour (attributes such as bold are allowed under NO_COLOR).
var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;]*)?m`)

// TestE2ENoColorValues: NO_COLOR turns colours off when it is set to any
// non-empty value ("yes", "0" included) and not when it is empty
// (no-color.org), in the TUI and in line mode alike.
func TestE2ENoColorValues(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	doc := writeDoc(t, "colour.md", "# Colour\n\n```bash {name=hello}\necho hello\n```\n")
	for _, c := range []struct {
		value  string
		colour bool
	}{{"", true}, {"yes", false}, {"0", false}} {
		t.Run("TUI NO_COLOR="+c.value, func(t *testing.T) {
			dir, demo := demoCopy(t)
			tm := startTermEnv(t, dir, []string{"NO_COLOR=" + c.value}, demo)
			tm.waitFor("Checklist")
			tm.press("q")
			tm.wait()
			checkColour(t, tm, c.colour)
		})
		t.Run("line mode NO_COLOR="+c.value, func(t *testing.T) {
			tm := startTermEnv(t, t.TempDir(), []string{"NO_COLOR=" + c.value}, "run", "--no-tui", "--yes", doc)
			tm.wait()
			checkColour(t, tm, c.colour)
		})
	}
}

func checkColour(t *testing.T, tm *ptyTerm, want bool) {
	t.Helper()
	tm.mu.Lock()
	raw := tm.raw.String()
	tm.mu.Unlock()
	if m := colourSGR.FindString(raw); (m != "") != want {
		t.Errorf("colour wanted: %v; first colour sequence %q in %q", want, m, tail(raw, 400))
	}
}
