package runbook

import (
	"bytes"
	"strings"
)

// A "Check | How" table keeps its pipes when a page is copied, but a cell
// that began with inline code loses the pipe before it, so the page breaks
// the row across lines:
//
//	| Check | How |
//	|---|---|
//	/health returns 200 via the ALB |
//	curl https://{env}.api.someli.ai/health |
//
// Rows are rebuilt by packing the cells of consecutive lines until the
// header's column count is reached.

// tableRow is a rebuilt row: its cells and the lines it spans.
type tableRow struct {
	cells       []Span
	first, last int
}

// scrapedTables marks the lines of every table (a header over a delimiter
// row, then lines that start or end with a pipe) so that no command is
// looked for in them, and makes an inferred check step of each row whose
// command column holds a command.
func (p *parser) scrapedTables(lines []sline) {
	for i := 0; i+1 < len(lines); i++ {
		if lines[i].kind != lnText || lines[i+1].kind != lnText || !isTableLine(p.text(lines[i])) {
			continue
		}
		ncols := delimColumns(p.src[lines[i+1].start:lines[i+1].end])
		if ncols <= 0 {
			continue
		}
		cmdCol := p.commandColumn(lines[i])
		lines[i].kind, lines[i+1].kind = lnTable, lnTable
		var row tableRow
		j := i + 2
		for ; j < len(lines) && lines[j].kind == lnText && isTableLine(p.text(lines[j])); j++ {
			lines[j].kind = lnTable
			start := p.indentEnd(lines[j])
			cells := splitRow(p.src, start, lines[j].end)
			if len(row.cells) > 0 && len(row.cells)+len(cells) > ncols {
				p.checkFromRow(lines, row, cmdCol)
				row = tableRow{}
			}
			if len(row.cells) == 0 {
				row.first = j
			}
			row.cells = append(row.cells, cells...)
			row.last = j
			if len(row.cells) >= ncols {
				p.checkFromRow(lines, row, cmdCol)
				row = tableRow{}
			}
		}
		if len(row.cells) > 0 {
			p.checkFromRow(lines, row, cmdCol)
		}
		i = j - 1
	}
}

func isTableLine(t []byte) bool {
	return len(t) > 0 && (t[0] == '|' || t[len(t)-1] == '|')
}

// indentEnd is the offset of a line's first non-blank byte.
func (p *parser) indentEnd(l sline) int {
	s := l.start
	for s < l.end && (p.src[s] == ' ' || p.src[s] == '\t') {
		s++
	}
	return s
}

// commandColumn is the index of the column holding the commands of a
// check table (the same rule as for a Markdown table: checkHeader), or -1
// when the header names no check column or no column for the command.
func (p *parser) commandColumn(header sline) int {
	checks, cmdCol := checkHeader(p.src, splitRow(p.src, p.indentEnd(header), header.end))
	if !checks {
		return -1
	}
	return cmdCol
}

// proseTails start the description a cell adds after its command:
// "`mysql … -e 'SHOW TABLES;'` returns ~140", "`curl …` → 200".
var proseTails = []string{" → ", " -> ", " — ", " returns ", " should ", " expect ", " expecting ",
	" shows ", " prints ", " outputs ", " gives ", " succeeds", " (expect"}

// checkFromRow makes an inferred check step of a row whose command cell
// holds a command (in a code span if the page kept one).
func (p *parser) checkFromRow(lines []sline, row tableRow, cmdCol int) {
	if cmdCol < 0 || cmdCol >= len(row.cells) {
		return
	}
	cell := row.cells[cmdCol]
	cs, ok := firstCodeSpan(p.src, cell)
	if !ok {
		cs = cell
		t := string(p.src[cs.Start:cs.End])
		for _, tail := range proseTails {
			if i := strings.Index(t, tail); i >= 0 {
				t = t[:i]
			}
		}
		cs = trimSpan(p.src, Span{cs.Start, cs.Start + len(t)})
	}
	code := string(p.src[cs.Start:cs.End])
	if cs.Len() == 0 || bytes.ContainsAny(p.src[cs.Start:cs.End], "\r\n") {
		return
	}
	if kind, _ := shellUnit(code); kind != uShell {
		return
	}
	title := code
	if cmdCol > 0 {
		title = foldSpace(stripInline(string(p.src[row.cells[0].Start:row.cells[0].End])))
	}
	span := Span{p.indentEnd(lines[row.first]), lines[row.last].end}
	p.addStep(p.newStep(Step{
		Kind:     KindCheck,
		Title:    title,
		Line:     p.lineOf(span.Start),
		EndLine:  p.lineOf(span.End),
		Code:     code,
		Inferred: true,
		Span:     span,
		CodeSpan: cs,
	}))
}
