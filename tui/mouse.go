package tui

import tea "charm.land/bubbletea/v2"

// Rect is a screen rectangle in cells, border included.
type Rect struct{ X, Y, W, H int }

// Contains reports whether the cell (x, y) is inside r.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// Pane names a region mouse events can land in.
type Pane int

const (
	PaneNone Pane = iota
	PaneChecklist
	PaneDetail
	PaneOutput
)

// Layout is where the panes are on screen (the root's SetSize knows).
type Layout struct {
	Checklist, Detail, Output Rect
}

// MainLayout is the main screen's layout for a terminal size, as the
// root's SetSize lays it out today: checklist on the left (leftW wide),
// detail above output on the right, the output outH high, all mainH high
// from the top.
func MainLayout(w, mainH, leftW, outH int) Layout {
	return Layout{
		Checklist: Rect{0, 0, leftW, mainH},
		Detail:    Rect{leftW, 0, w - leftW, mainH - outH},
		Output:    Rect{leftW, mainH - outH, w - leftW, outH},
	}
}

// MouseKind is what a mouse event asks for.
type MouseKind int

const (
	MouseIgnore MouseKind = iota
	MouseScroll           // scroll Pane by Delta lines (negative: up)
	MouseSelect           // select the checklist's Row-th visible row
	MouseFocus            // focus Pane (a click on its border or content)
)

// MouseAction is a mouse event mapped onto the layout.
type MouseAction struct {
	Kind  MouseKind
	Pane  Pane
	Delta int // MouseScroll
	// Row is the checklist row clicked, counted from the first row shown
	// (add the checklist's scroll offset for the item's index).
	Row int
}

// wheelLines is how far one wheel notch scrolls (as less and most
// terminals do).
const wheelLines = 3

// MouseAt maps a bubbletea mouse message onto the layout: the wheel
// scrolls the pane under the pointer, a left click on a checklist row
// selects it, a left click elsewhere in a pane focuses it. Anything else
// (motion, release, right button, outside every pane) is ignored.
func MouseAt(msg tea.Msg, l Layout) MouseAction {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		p := l.paneAt(msg.X, msg.Y)
		if p == PaneNone {
			return MouseAction{}
		}
		switch msg.Button {
		case tea.MouseWheelUp:
			return MouseAction{Kind: MouseScroll, Pane: p, Delta: -wheelLines}
		case tea.MouseWheelDown:
			return MouseAction{Kind: MouseScroll, Pane: p, Delta: wheelLines}
		}
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			return MouseAction{}
		}
		p := l.paneAt(msg.X, msg.Y)
		if p == PaneChecklist {
			r := l.Checklist
			// Inside the border: a row; on the border: just focus.
			if msg.X > r.X && msg.X < r.X+r.W-1 && msg.Y > r.Y && msg.Y < r.Y+r.H-1 {
				return MouseAction{Kind: MouseSelect, Pane: p, Row: msg.Y - r.Y - 1}
			}
		}
		if p != PaneNone {
			return MouseAction{Kind: MouseFocus, Pane: p}
		}
	}
	return MouseAction{}
}

func (l Layout) paneAt(x, y int) Pane {
	switch {
	case l.Checklist.Contains(x, y):
		return PaneChecklist
	case l.Detail.Contains(x, y):
		return PaneDetail
	case l.Output.Contains(x, y):
		return PaneOutput
	}
	return PaneNone
}

// ScrollKeys turns a scroll of delta lines into the presses of up or
// down that the panes already handle (their Update), so a pane needs no
// mouse code of its own.
func ScrollKeys(k KeyMap, delta int) []tea.KeyPressMsg {
	b := k.Down
	if delta < 0 {
		b, delta = k.Up, -delta
	}
	keys := b.Keys()
	if len(keys) == 0 {
		return nil
	}
	press := keyPressFor(keys[0])
	out := make([]tea.KeyPressMsg, delta)
	for i := range out {
		out[i] = press
	}
	return out
}

// keyPressFor is the press that a binding's key name stands for.
func keyPressFor(name string) tea.KeyPressMsg {
	switch name {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(name)
	return tea.KeyPressMsg{Code: r[0], Text: name}
}

// SelectChecklistRow selects the checklist's row-th shown row (a
// MouseSelect's Row); false when the click was below the last item. The
// root then does what a key move does (selectionChanged).
func SelectChecklistRow(c *Checklist, row int) bool {
	i := c.offset + row
	if row < 0 || i >= len(c.visible) {
		return false
	}
	c.cursor = i
	c.scroll()
	return true
}
