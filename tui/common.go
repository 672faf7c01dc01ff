package tui

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Common is shared by every component, like soft-serve's common.Common:
// one Styles and one KeyMap for the whole program.
type Common struct {
	Styles *Styles
	Keys   KeyMap
	// Now is the clock (tests pin it so screens are reproducible).
	Now func() time.Time
}

// scroll applies a scrolling key to offset, the first visible of total
// lines in a view h lines high; ok is false for any other key. Every
// scrollable pane shares it so they all move alike.
func scroll(keys KeyMap, km tea.KeyPressMsg, offset, h, total int) (next int, ok bool) {
	last := max(total-h, 0)
	switch {
	case key.Matches(km, keys.Up):
		offset--
	case key.Matches(km, keys.Down):
		offset++
	case key.Matches(km, keys.PageUp):
		offset -= h
	case key.Matches(km, keys.PageDown):
		offset += h
	case key.Matches(km, keys.Top):
		offset = 0
	case key.Matches(km, keys.Bottom):
		offset = last
	default:
		return offset, false
	}
	return min(max(offset, 0), last), true
}

// component is what every part of the screen is (soft-serve's
// common.Component): it draws itself at the size it is given and names
// its keys for the help. Its Update takes the messages the root routes to
// it.
type component interface {
	View() string
	SetSize(w, h int)
	help.KeyMap
}

var (
	_ component = (*Checklist)(nil)
	_ component = (*DetailPane)(nil)
	_ component = (*OutputPane)(nil)
	_ component = (*DiffView)(nil)
	_ component = (*Filter)(nil)
	_ component = (*StatusBar)(nil)
	_ component = (*dialog)(nil)
)
