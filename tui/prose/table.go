package prose

import (
	"strings"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
	extast "github.com/yuin/goldmark/extension/ast"
)

// table lays a GFM table out in width cells with lipgloss's table, cells
// wrapped when the columns do not fit, separators only between cells.
func (r *renderer) table(n *extast.Table, width int) []string {
	var header []string
	var rows [][]string
	for row := n.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
			cells = append(cells, r.inlines(cell, r.t.Text))
		}
		if _, ok := row.(*extast.TableHeader); ok {
			header = cells
		} else {
			rows = append(rows, cells)
		}
	}
	border := lipgloss.NormalBorder()
	if r.t.Plain {
		border = lipgloss.Border{Top: "-", Bottom: "-", Left: "|", Right: "|", Middle: "|"}
	}
	t := table.New().Width(width).Wrap(true).
		Headers(header...).Rows(rows...).
		Border(border).BorderTop(false).BorderLeft(false).BorderRight(false).BorderBottom(false).
		StyleFunc(func(_, col int) lipgloss.Style {
			st := lipgloss.NewStyle().Inline(false).Margin(0, 1)
			if col < len(n.Alignments) {
				switch n.Alignments[col] {
				case extast.AlignLeft:
					st = st.Align(lipgloss.Left)
				case extast.AlignCenter:
					st = st.Align(lipgloss.Center)
				case extast.AlignRight:
					st = st.Align(lipgloss.Right)
				}
			}
			return st
		})
	return strings.Split(t.String(), "\n")
}
