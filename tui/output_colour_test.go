package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func colourCommon() *Common {
	st := NewStyles(true, false)
	return &Common{Styles: &st, Keys: DefaultKeyMap(false), Now: func() time.Time { return testNow }}
}

// innerRows are the content rows of a pane's view, borders cut off.
func innerRows(t *testing.T, view string) []string {
	t.Helper()
	lines := strings.Split(view, "\n")
	var rows []string
	for _, l := range lines[1 : len(lines)-1] {
		first := strings.Index(l, "│")
		last := strings.LastIndex(l, "│")
		if first < 0 || last <= first {
			t.Fatalf("row without borders: %q", l)
		}
		rows = append(rows, l[first+len("│"):last])
	}
	return rows
}

// The step's own colours reach the pane, each row closes what it opens
// (the border is never coloured by the step) and a wrapped row carries
// the colour on.
func TestOutputKeepsStepColours(t *testing.T) {
	o := NewOutputPane(colourCommon())
	o.SetSize(24, 7)
	o.Reset("s")
	o.Write([]byte("\x1b[1;31merror\x1b[0m plain\r\n"))
	o.Write([]byte("\x1b[32m" + strings.Repeat("g", 30) + "\x1b[0m\r\n"))
	o.Write([]byte("\x1b[34mopen at the end"))
	rows := innerRows(t, o.View())
	for i, r := range rows {
		if st := sgrAfter("", r); st != "" && !strings.HasSuffix(r, sgrReset) && !strings.Contains(r, sgrReset) {
			t.Errorf("row %d leaves attributes %q open: %q", i, st, r)
		}
	}
	joined := strings.Join(rows, "\n")
	for _, want := range []string{"\x1b[1;31merror\x1b[0m plain", "\x1b[32m" + strings.Repeat("g", 22), "\x1b[34mopen at the end"} {
		if !strings.Contains(joined, want) {
			t.Errorf("view lacks %q:\n%q", want, joined)
		}
	}
	// The wrapped row starts green again.
	if !strings.Contains(joined, "\x1b[32mgggggggg\x1b[0m") {
		t.Errorf("the wrapped row does not carry the colour on:\n%q", joined)
	}
	if got := o.VisibleText(); got != "error plain\n"+strings.Repeat("g", 30)+"\nopen at the end\n" {
		t.Errorf("VisibleText = %q", got)
	}
}

// Colours carry across lines the way a terminal keeps them: a line
// started inside a colour opens with it.
func TestOutputColourSpansLines(t *testing.T) {
	o := NewOutputPane(colourCommon())
	o.Write([]byte("\x1b[33mone\ntwo\x1b[m\nthree\n"))
	want := []string{"\x1b[33mone\x1b[m", "\x1b[33mtwo\x1b[m\x1b[m", "three"}
	for i, w := range want {
		if got := o.buf.At(i); got != w {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}
	// A progress bar redrawn with \r keeps its colour.
	o.Write([]byte("\x1b[35m10%\r20%\r\n"))
	if got := o.buf.At(3); got != "\x1b[35m20%\x1b[m" {
		t.Errorf("redrawn line = %q", got)
	}
}

// Anything but SGR is still dropped: cursor moves, screen clears, OSC,
// and SGR sequences with odd bytes or runaway parameters.
func TestOutputDropsNonSGR(t *testing.T) {
	o := NewOutputPane(colourCommon())
	o.Write([]byte("a\x1b[2J\x1b[10;5Hb\x1b[?25lc\x1b]0;t\x07d\x1b[>5me\x1b[" + strings.Repeat("1;", 40) + "mf\n"))
	if got := o.buf.At(0); got != "abcdef" {
		t.Errorf("line = %q, want every non-SGR sequence dropped", got)
	}
}

// Under NO_COLOR the step's colours are stripped: the pane emits no
// escape sequence but its own bold title.
func TestOutputNoColorStrips(t *testing.T) {
	o := NewOutputPane(testCommon())
	o.SetSize(30, 5)
	o.Write([]byte("\x1b[1;31merror\x1b[0m plain\n"))
	v := strings.NewReplacer("\x1b[1m", "", "\x1b[m", "").Replace(o.View())
	if strings.Contains(v, "\x1b") {
		t.Errorf("NO_COLOR view has escape sequences:\n%q", v)
	}
}

// A line full of colour changes stays within its byte bound and closed.
func TestOutputColourLineBounded(t *testing.T) {
	o := NewOutputPane(colourCommon())
	o.Write([]byte(strings.Repeat("\x1b[31mx\x1b[0m", 2*maxLineBytes) + "\n"))
	l := o.buf.At(0)
	if len(l) > maxLineBytes+len(sgrReset) {
		t.Errorf("line of %d bytes, bound %d", len(l), maxLineBytes)
	}
	if sgrAfter("", l) != "" {
		t.Errorf("line leaves attributes open: …%q", l[len(l)-20:])
	}
}

// y copies what the pane shows: following, the last rows; scrolled, the
// rows from the first shown; a wrapped line whole.
func TestOutputVisibleText(t *testing.T) {
	o := NewOutputPane(colourCommon())
	o.SetSize(22, 6) // 20 wide, 4 rows
	for i := 0; i < 10; i++ {
		fmt.Fprintf(writerFunc(o.Write), "line %d\n", i)
	}
	o.Write([]byte("\x1b[31m" + strings.Repeat("w", 30) + "\x1b[0m\n")) // 2 rows
	if got, want := o.VisibleText(), "line 8\nline 9\n"+strings.Repeat("w", 30)+"\n"; got != want {
		t.Errorf("following: %q, want %q", got, want)
	}
	o.SetFocused(true)
	o.Update(keyMsg("g"))
	if got := o.VisibleText(); got != "line 0\nline 1\nline 2\nline 3\n" {
		t.Errorf("at the top: %q", got)
	}
	if got := NewOutputPane(colourCommon()).VisibleText(); got != "" {
		t.Errorf("empty pane: %q", got)
	}
}
