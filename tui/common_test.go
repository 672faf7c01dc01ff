package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestScroll(t *testing.T) {
	keys := DefaultKeyMap()
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
