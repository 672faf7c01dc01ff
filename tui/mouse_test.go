package tui

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestMouseAt(t *testing.T) {
	// 100×30 terminal: checklist 40 wide, 28 high; output 11 high.
	l := MainLayout(100, 28, 40, 11)
	for _, tc := range []struct {
		name string
		msg  tea.Msg
		want MouseAction
	}{
		{"wheel down over output", tea.MouseWheelMsg{X: 60, Y: 20, Button: tea.MouseWheelDown}, MouseAction{Kind: MouseScroll, Pane: PaneOutput, Delta: 3}},
		{"wheel up over detail", tea.MouseWheelMsg{X: 99, Y: 16, Button: tea.MouseWheelUp}, MouseAction{Kind: MouseScroll, Pane: PaneDetail, Delta: -3}},
		{"first output row", tea.MouseWheelMsg{X: 40, Y: 17, Button: tea.MouseWheelUp}, MouseAction{Kind: MouseScroll, Pane: PaneOutput, Delta: -3}},
		{"wheel over checklist", tea.MouseWheelMsg{X: 0, Y: 0, Button: tea.MouseWheelDown}, MouseAction{Kind: MouseScroll, Pane: PaneChecklist, Delta: 3}},
		{"wheel below the panes (help bar)", tea.MouseWheelMsg{X: 5, Y: 29, Button: tea.MouseWheelDown}, MouseAction{}},
		{"sideways wheel", tea.MouseWheelMsg{X: 60, Y: 20, Button: tea.MouseWheelLeft}, MouseAction{}},
		{"click first checklist row", tea.MouseClickMsg{X: 5, Y: 1, Button: tea.MouseLeft}, MouseAction{Kind: MouseSelect, Pane: PaneChecklist, Row: 0}},
		{"click checklist row 7", tea.MouseClickMsg{X: 38, Y: 8, Button: tea.MouseLeft}, MouseAction{Kind: MouseSelect, Pane: PaneChecklist, Row: 7}},
		{"click checklist top border", tea.MouseClickMsg{X: 5, Y: 0, Button: tea.MouseLeft}, MouseAction{Kind: MouseFocus, Pane: PaneChecklist}},
		{"click checklist right border", tea.MouseClickMsg{X: 39, Y: 5, Button: tea.MouseLeft}, MouseAction{Kind: MouseFocus, Pane: PaneChecklist}},
		{"click checklist bottom border", tea.MouseClickMsg{X: 5, Y: 27, Button: tea.MouseLeft}, MouseAction{Kind: MouseFocus, Pane: PaneChecklist}},
		{"click output", tea.MouseClickMsg{X: 70, Y: 25, Button: tea.MouseLeft}, MouseAction{Kind: MouseFocus, Pane: PaneOutput}},
		{"right click", tea.MouseClickMsg{X: 5, Y: 3, Button: tea.MouseRight}, MouseAction{}},
		{"release", tea.MouseReleaseMsg{X: 5, Y: 3, Button: tea.MouseLeft}, MouseAction{}},
		{"motion", tea.MouseMotionMsg{X: 5, Y: 3}, MouseAction{}},
		{"a key", tea.KeyPressMsg{Code: 'j', Text: "j"}, MouseAction{}},
	} {
		if got := MouseAt(tc.msg, l); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// A scroll becomes presses that the panes' own keymaps match.
func TestScrollKeys(t *testing.T) {
	k := DefaultKeyMap(false)
	down := ScrollKeys(k, 3)
	up := ScrollKeys(k, -2)
	if len(down) != 3 || len(up) != 2 || len(ScrollKeys(k, 0)) != 0 {
		t.Fatalf("%d down, %d up", len(down), len(up))
	}
	if !key.Matches(down[0], k.Down) || key.Matches(down[0], k.Up) || !key.Matches(up[0], k.Up) {
		t.Errorf("presses %v %v do not match the keymap", down[0], up[0])
	}
	// Through the output pane: three notches up from the end.
	o := NewOutputPane(testCommon())
	o.SetSize(40, 7)
	for i := 0; i < 30; i++ {
		o.Write([]byte("line\n"))
	}
	o.SetFocused(true)
	for _, p := range ScrollKeys(k, -3) {
		o.Update(p)
	}
	if o.Following() || o.offset != 30-5-3 {
		t.Errorf("after a wheel notch up: following %v offset %d", o.Following(), o.offset)
	}
}

func TestSelectChecklistRow(t *testing.T) {
	doc := demoDoc()
	c := NewChecklist(testCommon(), doc)
	c.SetSize(40, 8) // 6 rows shown
	for range 8 {
		c.Update(keyMsg("j"))
	}
	if !SelectChecklistRow(c, 0) {
		t.Fatal("row 0")
	}
	it, _ := c.Selected()
	first := c.visible[c.offset]
	if c.cursor != c.offset || c.items[first].step != it.step {
		t.Fatalf("row 0 selected %d, offset %d", c.cursor, c.offset)
	}
	if SelectChecklistRow(c, 100) || SelectChecklistRow(c, -1) {
		t.Fatal("a row past the items")
	}
}
