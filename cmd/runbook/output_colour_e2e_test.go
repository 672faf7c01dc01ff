package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

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
		// The run is complete: its summary shows; esc goes back.
		tm.waitFor("Run finished")
		tm.press("esc")
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

// TestE2EKeyLatencyUnderColourFlood is TestE2EKeyLatencyUnderFlood with
// every line coloured: the output pane keeps and draws the colours while
// keys still answer (issue 12: p50 ≤ 50 ms; RUNBOOK_PERF holds it).
func TestE2EKeyLatencyUnderColourFlood(t *testing.T) {
	if testing.Short() || os.Getenv("RUNBOOK_PERF") == "" {
		// A figure, not a behaviour (TestE2EOutputPaneColours has that):
		// 200 MB through the pty is left to scripts/bench.
		t.Skip("a benchmark: set RUNBOOK_PERF=1")
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "flood.md")
	src := "# Flood\n\n```bash {name=flood}\nyes \"$(printf '\\033[32mPASS\\033[0m pkg/\\033[1;34mthing\\033[0m')\" | head -c 200000000\n```\n\n```bash {name=after}\necho after\n```\n"
	if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := startTerm(t, dir, doc)
	tm.waitFor("Checklist")
	tm.moveTo("○ flood")
	tm.press("enter")
	tm.waitFor("◐ flood")
	tm.waitFor("PASS pkg/thing")
	lat := floodKeyLatencies(tm)
	if len(lat) < 5 {
		t.Skipf("the flood ended after %d key presses: too fast to measure here", len(lat))
	}
	tm.scr.Lock()
	green := cellFg(tm, "PASS pkg/thing", 0)
	tm.scr.Unlock()
	if !green.ok {
		t.Error("the flood's colours are not on screen")
	}
	slices.Sort(lat)
	p50, worst := lat[len(lat)/2], lat[len(lat)-1]
	t.Logf("key → screen latency under a 200 MB coloured flood, %d presses: p50 %v, max %v", len(lat), p50, worst)
	// The max through a pty includes this test's own terminal emulator
	// competing for the CPU (the plain flood's max varies as much on a
	// loaded machine): the in-process BenchmarkKeyLatencyUnderColourFlood
	// holds the max; here the median.
	if os.Getenv("RUNBOOK_PERF") != "" && p50 > 50*time.Millisecond {
		t.Errorf("median key latency %v under a coloured flood (max %v), want ≤ 50ms", p50, worst)
	}
	stopFlood(tm)
}
