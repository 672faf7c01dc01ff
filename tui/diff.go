package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// DiffView shows exactly what a write-back will change in the doc, before
// the engineer confirms it.
type DiffView struct {
	common *Common
	lines  []string
	offset int
	width  int
	height int
}

// NewDiffView shows a unified diff.
func NewDiffView(c *Common, diff string) *DiffView {
	return &DiffView{common: c, lines: strings.Split(strings.TrimRight(diff, "\n"), "\n")}
}

// SetSize sets the outer size, border included.
func (d *DiffView) SetSize(w, h int) { d.width, d.height = w, h }

// Update scrolls.
func (d *DiffView) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	d.offset, _ = scroll(d.common.Keys, km, d.offset, max(d.height-2, 1), len(d.lines))
	return nil
}

// ShortHelp is the help bar while the diff is shown.
func (d *DiffView) ShortHelp() []key.Binding {
	k := d.common.Keys
	yes := key.NewBinding(key.WithKeys("y"), key.WithHelp("y/enter", "write these changes"))
	no := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/n", "cancel"))
	return []key.Binding{yes, no, k.Up, k.Down}
}

// View renders the diff in a pane.
func (d *DiffView) View() string {
	st := d.common.Styles
	w, h := max(d.width-2, 1), max(d.height-2, 1)
	end := min(d.offset+h, len(d.lines))
	var b strings.Builder
	for i := d.offset; i < end; i++ {
		if i > d.offset {
			b.WriteByte('\n')
		}
		l := truncate(d.lines[i], w)
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			l = st.Section.Render(l)
		case strings.HasPrefix(l, "+"):
			l = st.DiffAdd.Render(l)
		case strings.HasPrefix(l, "-"):
			l = st.DiffDel.Render(l)
		case strings.HasPrefix(l, "@@"):
			l = st.DiffHunk.Render(l)
		}
		b.WriteString(l)
	}
	info := ""
	if len(d.lines) > h {
		info = fmt.Sprintf("%d-%d/%d", d.offset+1, end, len(d.lines))
	}
	return pane(st, true, "Write answers into the doc? (y/n)", info, b.String(), d.width, d.height)
}
