package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestScroll(t *testing.T) {
	keys := DefaultKeyMap(false)
	press := func(code rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code} }
	for _, tc := range []struct {
		name             string
		key              tea.KeyPressMsg
		offset, h, total int
		want             int
		ok               bool
	}{
		{"down", press(tea.KeyDown), 0, 10, 30, 1, true},
		{"up at top stays", press(tea.KeyUp), 0, 10, 30, 0, true},
		{"page down", press(tea.KeyPgDown), 5, 10, 30, 15, true},
		{"page down clamps to last page", press(tea.KeyPgDown), 15, 10, 30, 20, true},
		{"page up clamps to top", press(tea.KeyPgUp), 3, 10, 30, 0, true},
		{"bottom", press(tea.KeyEnd), 0, 10, 30, 20, true},
		{"top", press(tea.KeyHome), 12, 10, 30, 0, true},
		{"content shorter than view", press(tea.KeyDown), 0, 10, 4, 0, true},
		{"other key", press('x'), 7, 10, 30, 7, false},
	} {
		got, ok := scroll(keys, tc.key, tc.offset, tc.h, tc.total)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: scroll = (%d, %v), want (%d, %v)", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// A long command line is broken into rows that keep every character, so the
// engineer reads exactly what will run.
func TestWrapCodeKeepsEveryCharacter(t *testing.T) {
	line := `echo "workspace for account 123456789012 ready: $(pwd)/acme-staging"  && café`
	rows := wrapCode(line, 20)
	var got strings.Builder
	for i, r := range rows {
		if w := ansi.StringWidth(r); w > 20 {
			t.Fatalf("row %d is %d cells wide: %q", i, w, r)
		}
		prefix := "  ↳ "
		if i == 0 {
			prefix = "  "
		}
		if !strings.HasPrefix(r, prefix) {
			t.Fatalf("row %d = %q, want prefix %q", i, r, prefix)
		}
		got.WriteString(strings.TrimPrefix(r, prefix))
	}
	if got.String() != line {
		t.Fatalf("rows %q join to %q, want %q", rows, got.String(), line)
	}
	if rows := wrapCode("short", 20); len(rows) != 1 || rows[0] != "  short" {
		t.Fatalf("short line = %q", rows)
	}
}
