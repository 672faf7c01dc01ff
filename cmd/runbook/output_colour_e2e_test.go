package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestE2EOutputPaneColours: a step's own colours reach the terminal
// through the output pane (issue 12 §4), and NO_COLOR strips them.
func TestE2EOutputPaneColours(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	src := "# Colours\n\n```bash {name=paint}\nprintf 'start\\n\\033[31mRED-ALERT\\033[0m plain-tail\\n\\033[2J\\033[5;5Hkept\\n'\n```\n"
	for _, noColor := range []bool{false, true} {
		dir := t.TempDir()
		doc := filepath.Join(dir, "colours.md")
		if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		var env []string
		if noColor {
			env = []string{"NO_COLOR=1"}
		}
		tm := startTermEnv(t, dir, env, doc)
		tm.waitFor("Checklist")
		tm.moveTo("○ paint")
		tm.press("enter")
		tm.waitFor("✓ paint")
		tm.waitFor("RED-ALERT plain-tail")
		tm.waitFor("kept")
		// The step's screen clear and cursor move did not reach the
		// terminal: the checklist is still drawn.
		if !strings.Contains(tm.screen(), "Checklist") {
			t.Fatalf("the step's escape sequences broke the screen:\n%s", tm.screen())
		}
		tm.scr.Lock()
		// (The detail pane shows the command, RED-ALERT in it too: the
		// output is the line with the text as printed.)
		red, plain := cellFg(tm, "RED-ALERT plain-tail", 0), cellFg(tm, "RED-ALERT plain-tail", len("RED-ALERT "))
		tm.scr.Unlock()
		rr, rg, rb, _ := ansi.Red.RGBA()
		isRed := func(c [4]uint32, ok bool) bool { return ok && c[0] == rr && c[1] == rg && c[2] == rb }
		switch {
		case !noColor && !isRed(red.rgba, red.ok):
			t.Errorf("RED-ALERT is not red on screen (fg %v)", red)
		case !noColor && plain.ok:
			t.Errorf("the colour leaks past the step's reset (fg %v)", plain)
		case noColor && red.ok:
			t.Errorf("NO_COLOR: RED-ALERT is coloured (fg %v)", red)
		}
		tm.press("q")
		tm.wait()
		if noColor {
			tm.mu.Lock()
			raw := tm.raw.String()
			tm.mu.Unlock()
			if m := regexp.MustCompile(`\x1b\[[0-9;]*3[0-9]m`).FindString(raw); m != "" {
				t.Errorf("NO_COLOR: colour sequence %q on screen", m)
			}
		}
	}
}

type fg struct {
	rgba [4]uint32
	ok   bool
}

// cellFg is the foreground colour of the cell off cells into text on
// screen (ok false: the default colour). The caller holds tm.scr.
func cellFg(tm *ptyTerm, text string, off int) fg {
	for y, line := range strings.Split(tm.emu.String(), "\n") {
		i := strings.Index(line, text)
		if i < 0 {
			continue
		}
		x := ansi.StringWidth(line[:i]) + off
		c := tm.emu.CellAt(x, y)
		if c == nil || c.Style.Fg == nil {
			return fg{}
		}
		r, g, b, a := c.Style.Fg.RGBA()
		return fg{rgba: [4]uint32{r, g, b, a}, ok: true}
	}
	tm.t.Fatalf("%q not on screen", text)
	return fg{}
}
