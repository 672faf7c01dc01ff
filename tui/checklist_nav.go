package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// SetFilter makes the checklist show only the rows f matches.
func (c *Checklist) SetFilter(f *Filter) { c.filter = f; c.refilter() }

// refilter lists the rows to show: folded sections hide their rows; a
// filter shows the rows it matches with the sections above them, folded
// or not (a match is never hidden).
func (c *Checklist) refilter() {
	var sel = -1
	if c.cursor < len(c.visible) {
		sel = c.visible[c.cursor]
	}
	c.visible = c.visible[:0]
	if c.filter != nil && c.filter.Query() != "" {
		c.visible = c.matching()
	} else {
		for i := 0; i < len(c.items); {
			c.visible = append(c.visible, i)
			if c.items[i].kind == itemSection && c.collapsed[c.items[i].section] {
				i = c.items[i].end
				continue
			}
			i++
		}
	}
	c.cursor = 0
	for vi, ii := range c.visible {
		if ii <= sel {
			c.cursor = vi
		}
	}
	c.scroll()
}

// matching is the filtered rows: each match and its enclosing sections.
func (c *Checklist) matching() []int {
	show := make([]bool, len(c.items))
	var stack []int // open sections
	for i, it := range c.items {
		for len(stack) > 0 && i >= c.items[stack[len(stack)-1]].end {
			stack = stack[:len(stack)-1]
		}
		if c.filter.Matches(c.label(it)) {
			show[i] = true
			for _, s := range stack {
				show[s] = true
			}
		}
		if it.kind == itemSection {
			stack = append(stack, i)
		}
	}
	var vis []int
	for i, ok := range show {
		if ok {
			vis = append(vis, i)
		}
	}
	return vis
}

// todo reports whether a row is a step still to do: pending, failed,
// interrupted or changed since it ran.
func (c *Checklist) todo(it item) bool {
	if it.kind != itemStep {
		return false
	}
	st := c.snap.stepStatus(it.step.ID)
	return st != journal.Running && !journal.Settled(it.step, st)
}

// JumpTodo moves the cursor to the next (dir 1) or previous (dir -1) step
// still to do, wrapping around, unfolding its sections; false when there
// is none.
func (c *Checklist) JumpTodo(dir int) bool {
	n := len(c.items)
	if n == 0 {
		return false
	}
	from := 0
	if it := c.cursor; it < len(c.visible) {
		from = c.visible[it]
	}
	for k := 1; k <= n; k++ {
		i := ((from+dir*k)%n + n) % n
		if it := c.items[i]; c.todo(it) {
			if c.filter != nil && c.filter.Query() != "" && !c.filter.Matches(c.label(it)) {
				continue
			}
			return c.SelectStep(it.step.ID)
		}
	}
	return false
}

// Update handles navigation keys.
func (c *Checklist) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := c.common.Keys
	switch {
	case key.Matches(km, k.Up):
		c.cursor--
	case key.Matches(km, k.Down):
		c.cursor++
	case key.Matches(km, k.PageUp):
		c.cursor -= c.rows()
	case key.Matches(km, k.PageDown):
		c.cursor += c.rows()
	case key.Matches(km, k.Top):
		c.cursor = 0
	case key.Matches(km, k.Bottom):
		c.cursor = len(c.visible) - 1
	case key.Matches(km, k.NextTodo):
		c.JumpTodo(1)
	case key.Matches(km, k.PrevTodo):
		c.JumpTodo(-1)
	case key.Matches(km, k.Toggle, k.Expand, k.Collapse):
		c.fold(km)
	default:
		return nil
	}
	c.cursor = min(max(c.cursor, 0), max(len(c.visible)-1, 0))
	c.scroll()
	return nil
}

// fold opens or closes the selected section: Toggle flips it, Expand only
// opens, Collapse only closes.
func (c *Checklist) fold(km tea.KeyPressMsg) {
	k := c.common.Keys
	switch {
	case key.Matches(km, k.Expand):
		c.setFolded(func(bool) bool { return false })
	case key.Matches(km, k.Collapse):
		c.setFolded(func(bool) bool { return true })
	default:
		c.ToggleSelected()
	}
}

// ToggleSelected folds or unfolds the selected section (enter on one).
func (c *Checklist) ToggleSelected() { c.setFolded(func(closed bool) bool { return !closed }) }

// setFolded sets the selected section's fold from its current one.
func (c *Checklist) setFolded(next func(closed bool) bool) {
	it, ok := c.Selected()
	if !ok || it.kind != itemSection || it.section < 0 {
		return
	}
	sec := it.section
	closed := next(c.collapsed[sec])
	if closed {
		c.collapsed[sec] = true
	} else {
		delete(c.collapsed, sec)
	}
	c.refilter()
}

// ShortHelp is the checklist's own keys.
func (c *Checklist) ShortHelp() []key.Binding {
	k := c.common.Keys
	return []key.Binding{k.Up, k.Down, k.Toggle, k.NextTodo}
}

// FullHelp is the checklist's keys in columns.
func (c *Checklist) FullHelp() [][]key.Binding {
	k := c.common.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Toggle, k.Expand, k.Collapse, k.NextTodo, k.PrevTodo}}
}
