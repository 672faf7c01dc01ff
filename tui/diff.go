package tui

import (
	"path/filepath"

	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// DiffView shows exactly what a write-back will change in the doc, before
// the engineer confirms it.
type DiffView struct {
	common *Common
	lines  []string // the diff as given
	rows   []string // lines wrapped to the pane: a long answer must be read in full, not cut with "…"
	offset int
	width  int
	height int
}

// NewDiffView shows a unified diff.
func NewDiffView(c *Common, diff string) *DiffView {
	// A CRLF doc's diff carries a \r on every line, and a tab jumps to the
	// terminal's tab stop: either breaks the pane's border. Show them as
	// the output pane does.
	diff = strings.ReplaceAll(printable(diff), "\t", "    ")
	lines := strings.Split(strings.TrimRight(diff, "\n"), "\n")
	return &DiffView{common: c, lines: lines, rows: lines}
}

// SetSize sets the outer size, border included.
func (d *DiffView) SetSize(w, h int) {
	d.width, d.height = w, h
	d.rows = wrapDiff(d.lines, max(w-2, 1))
	d.offset = max(min(d.offset, len(d.rows)-max(h-2, 1)), 0)
}

// wrapDiff breaks lines wider than w into several rows, each starting with
// the line's +/-/space marker so a continuation keeps its colour and meaning.
func wrapDiff(lines []string, w int) []string {
	rows := make([]string, 0, len(lines))
	for _, l := range lines {
		if ansi.StringWidth(l) <= w || w < 2 || strings.HasPrefix(l, "@@") ||
			strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "---") {
			rows = append(rows, l)
			continue
		}
		// A continuation row keeps the line's marker, then ↳ (as the
		// detail pane marks a wrap): where a line wraps is visible, not
		// mistaken for a line of its own.
		marker := l[:1]
		for i, r := range strings.Split(ansi.Wrap(l[1:], w-2, ""), "\n") {
			if i == 0 {
				rows = append(rows, marker+r)
				continue
			}
			rows = append(rows, marker+"↳"+r)
		}
	}
	return rows
}

// Update scrolls.
func (d *DiffView) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	d.offset, _ = scroll(d.common.Keys, km, d.offset, max(d.height-2, 1), len(d.rows))
	return nil
}

// ShortHelp is the help bar while the diff is shown.
func (d *DiffView) ShortHelp() []key.Binding {
	k := d.common.Keys
	yes, no := k.Yes, k.Cancel
	yes.SetHelp("y/enter", "write these changes")
	no.SetHelp("esc/n", "cancel")
	return []key.Binding{yes, no, k.Up, k.Down}
}

// FullHelp is the diff's keys in columns.
func (d *DiffView) FullHelp() [][]key.Binding {
	k := d.common.Keys
	return [][]key.Binding{d.ShortHelp(), {k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

// View renders the diff in a pane.
func (d *DiffView) View() string {
	st := d.common.Styles
	w, h := max(d.width-2, 1), max(d.height-2, 1)
	end := min(d.offset+h, len(d.rows))
	var b strings.Builder
	for i := d.offset; i < end; i++ {
		if i > d.offset {
			b.WriteByte('\n')
		}
		l := truncate(d.rows[i], w)
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
	if len(d.rows) > h {
		info = fmt.Sprintf("%d-%d/%d", d.offset+1, end, len(d.rows))
	}
	return pane(st, true, "Write answers into the doc? (y/n)", info, b.String(), d.width, d.height)
}
func (m *Model) diffKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.Cancel), key.Matches(msg, k.No), key.Matches(msg, k.Quit):
		m.diff, m.state = nil, stateMain
		m.SetSize(m.width, m.height)
		m.say("write-back cancelled: the doc is unchanged")
		if m.quitAfterDiff {
			return tea.Quit
		}
		return nil
	case key.Matches(msg, k.Yes):
		m.diff, m.state = nil, stateMain
		m.SetSize(m.width, m.height)
		eng, path := m.eng, m.doc.Path
		write := func() tea.Msg {
			if err := eng.WriteBack(); err != nil {
				return actionDoneMsg{err: fmt.Errorf("write-back: %w", err)}
			}
			return actionDoneMsg{text: "answers written to " + filepath.Base(path)}
		}
		if m.quitAfterDiff {
			m.quitAfterDiff = false
			return func() tea.Msg {
				if msg := write().(actionDoneMsg); msg.err != nil {
					return msg // stay: the engineer must see why
				}
				return tea.QuitMsg{}
			}
		}
		return write
	}
	m.diff.Update(msg)
	return nil
}
