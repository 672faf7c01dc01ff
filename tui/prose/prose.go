// Package prose renders a runbook section's Markdown for the terminal: the
// headings, paragraphs, lists, quotes, tables and code blocks an engineer
// reads before running a step, wrapped to a pane's width.
//
// It replaces glamour, which the TUI used for the same job: glamour pulls in
// chroma's hundreds of lexers and styles, whose package initialisation cost
// every start of runbook ≈ 11 ms (even `runbook version`) and whose tables
// added ≈ 5 MB to the binary. The layout and colours are glamour's, so the
// pane looks as it did; code blocks are coloured by a small highlighter for
// the languages runbooks contain (highlight.go).
//
// The package only renders: the document's structure (sections, steps,
// questions) is the runbook package's, which hands the TUI each section's
// source bytes.
package prose

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// margin is the blank border left and right of the rendered text.
const margin = 2

// minText is the fewest cells of text an indent may leave: a margin, a
// quote bar, a list's hanging indent or a code block's indent that would
// leave fewer is given up rather than have the text overflow the pane
// (seven nested quotes in 18 cells left none, and a line came out a cell
// over the pane; found by FuzzRender).
const minText = 8

// inset is the indent of n cells a block in width cells can afford: n, or
// 0 where it would leave fewer than minText cells of text.
func inset(width, n int) int {
	if width-n < minText {
		return 0
	}
	return n
}

// Render lays out md in width cells (margins included) in theme t. Lines
// are not padded; a line of code longer than the width is left for the
// caller to cut, as a terminal would.
func Render(md string, width int, t Theme) string {
	src := []byte(measurable(md))
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	r := &renderer{t: &t, src: src}
	m := inset(width, 2*margin) / 2
	lines := r.blocks(doc, max(width-2*m, 1))
	pad := strings.Repeat(" ", m)
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// measurable makes md's text measurable: invalid UTF-8 and control
// characters other than tab and line endings become U+FFFD, which every
// width function counts as one cell. A lone byte or a C0 control was
// counted as one cell by the wrapping and none by the pane, or the other
// way round, and a line came out wider than the pane (found by
// FuzzRender). The frame's own filter (termtext) stays the guard against
// escape sequences; this is about layout.
func measurable(md string) string {
	clean := true
	for _, r := range md {
		if r == utf8.RuneError || isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return md
	}
	var b strings.Builder
	b.Grow(len(md))
	for _, r := range md { // an invalid byte comes as utf8.RuneError
		if isControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r < 0xa0)
}

type renderer struct {
	t   *Theme
	src []byte
}

// blocks renders n's child blocks in width cells, one blank line between
// blocks.
func (r *renderer) blocks(n ast.Node, width int) []string {
	var out []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		lines := r.block(c, width)
		if len(lines) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	return out
}

func (r *renderer) block(n ast.Node, width int) []string {
	switch n := n.(type) {
	case *ast.Heading:
		return r.heading(n, width)
	case *ast.Paragraph, *ast.TextBlock:
		return wrap(r.inlines(n, r.t.Text), width)
	case *ast.List:
		return r.list(n, width)
	case *ast.Blockquote:
		bw := inset(width, ansi.StringWidth(r.t.QuoteBar))
		lines := r.blocks(n, width-bw)
		if bw == 0 {
			return lines
		}
		bar := r.t.paint(r.t.Text, r.t.QuoteBar)
		for i, l := range lines {
			lines[i] = bar + l
		}
		return lines
	case *ast.FencedCodeBlock:
		return r.code(n, string(n.Language(r.src)), width)
	case *ast.CodeBlock:
		return r.code(n, "", width)
	case *ast.ThematicBreak:
		return []string{r.t.paint(r.t.Rule, "--------")}
	case *ast.HTMLBlock:
		return r.html(n, width)
	case *extast.Table:
		return r.table(n, width)
	default:
		return r.blocks(n, width)
	}
}

func (r *renderer) heading(n *ast.Heading, width int) []string {
	t := r.t
	if t.Plain {
		return wrap(strings.Repeat("#", n.Level)+" "+r.inlines(n, nil), width)
	}
	switch n.Level {
	case 1:
		return wrap(t.paint(t.H1, " ")+r.inlines(n, t.H1)+t.paint(t.H1, " "), width)
	case 6:
		return wrap(t.paint(t.H6, "###### ")+r.inlines(n, t.H6), width)
	}
	mark := strings.Repeat("#", n.Level) + " "
	return wrap(t.paint(t.Heading, mark)+r.inlines(n, t.Heading), width)
}

// list renders items with their marker and a hanging indent, so that a
// wrapped item reads as one; nested lists sit ListIndent cells in.
func (r *renderer) list(n *ast.List, width int) []string {
	var out []string
	num := n.Start
	if num == 0 {
		num = 1
	}
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		marker := "• "
		switch {
		case taskBox(item) != nil && taskBox(item).IsChecked:
			marker = r.t.TaskDone
		case taskBox(item) != nil:
			marker = "[ ] "
		case n.IsOrdered():
			marker = strconv.Itoa(num) + ". "
		}
		num++
		out = append(out, r.item(item, r.t.paint(r.t.Text, marker), ansi.StringWidth(marker), width)...)
	}
	return out
}

// item renders a list item behind its marker, wrapped lines hanging under
// its text; where the pane cannot afford the hanging indent the marker
// takes a line of its own and the text goes below it, unindented.
func (r *renderer) item(item ast.Node, marker string, mw, width int) []string {
	var out []string
	hw := inset(width, mw)
	hang := strings.Repeat(" ", hw)
	for c := item.FirstChild(); c != nil; c = c.NextSibling() {
		if l, ok := c.(*ast.List); ok {
			iw := inset(width, r.t.ListIndent)
			in := strings.Repeat(" ", iw)
			out = append(out, prefix(r.list(l, width-iw), in, in)...)
			continue
		}
		lines := r.block(c, width-hw)
		if len(lines) == 0 {
			continue
		}
		if len(out) == 0 && hw == 0 {
			out = append(wrap(marker, width), lines...)
			continue
		}
		if len(out) == 0 {
			out = prefix(lines, marker, hang)
			continue
		}
		out = append(out, "")
		out = append(out, prefix(lines, hang, hang)...)
	}
	if len(out) == 0 {
		out = wrap(marker, width)
	}
	return out
}

// taskBox is the checkbox of a task-list item, or nil.
func taskBox(item ast.Node) *extast.TaskCheckBox {
	if item.FirstChild() == nil {
		return nil
	}
	box, _ := item.FirstChild().FirstChild().(*extast.TaskCheckBox)
	return box
}

// code shows a code block's lines as they are, indented and coloured. A
// line too long for the pane continues on the next rows behind "↳ ", every
// character kept, as the step's command is shown; tabs become spaces so
// that the pane can measure them.
func (r *renderer) code(n ast.Node, lang string, width int) []string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(r.src))
	}
	body := expandTabs(strings.TrimSuffix(b.String(), "\n"))
	styled := strings.Split(body, "\n")
	if !r.t.Plain {
		styled = highlight(body, lang, &r.t.Syntax)
	}
	var out []string
	indent := inset(width, r.t.CodeIndent)
	in := strings.Repeat(" ", indent)
	// breakCode needs 3 cells: one of code beside the "↳ " of a
	// continued line
	w := max(width-indent, 3)
	for _, l := range styled {
		out = append(out, prefix(breakCode(l, w), in, in+r.t.paint(r.t.Syntax.Prompt, "↳ "))...)
	}
	return out
}

// breakCode cuts a line of code into rows of w cells, the rows after the
// first two cells narrower for their "↳ " mark; styles carry across.
func breakCode(l string, w int) []string {
	total := ansi.StringWidth(l)
	if total <= w {
		return []string{l}
	}
	// A row ends where the next character would not fit: cutting at fixed
	// columns split a wide character, half of it counted on both rows
	// (one cell over the pane; found by FuzzRender).
	var rows []string
	rest, width := l, w
	for ansi.StringWidth(rest) > width {
		row := ansi.Truncate(rest, width, "")
		n := ansi.StringWidth(row)
		if n == 0 {
			break // a character wider than a whole row goes as it is
		}
		rows = append(rows, row)
		rest = ansi.TruncateLeft(rest, n, "")
		width = w - 2
	}
	rows = append(rows, rest)
	joined := lipgloss.Wrap(strings.Join(rows, "\n"), total+1, "")
	return strings.Split(dropEmptyStyles(joined), "\n")
}

// dropEmptyStyles removes a style that is reset before any text, which
// cutting styled text leaves behind for every token outside the cut.
func dropEmptyStyles(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexByte(s[i:], 'm')
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		seq := s[i : i+end+1]
		b.WriteString(s[:i])
		s = s[i+end+1:]
		if seq != ansi.ResetStyle && strings.HasPrefix(s, ansi.ResetStyle) {
			s = s[len(ansi.ResetStyle):] // styled nothing
			continue
		}
		b.WriteString(seq)
	}
}

// html shows what a reader of the rendered page would read: the text
// between the tags, without comments.
func (r *renderer) html(n *ast.HTMLBlock, width int) []string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(r.src))
	}
	if n.HasClosure() {
		b.Write(n.ClosureLine.Value(r.src))
	}
	s := strings.Join(strings.Fields(htmlText(b.String())), " ")
	if s == "" {
		return nil
	}
	return wrap(r.t.paint(r.t.Text, s), width)
}

// wrap breaks s into lines of at most width cells at spaces and hyphens,
// keeping styles and links open across the break. The word wrapper can
// leave a line a few cells too long (runs of spaces before a hyphen); such
// a line is cut at the width.
func wrap(s string, width int) []string {
	lines := strings.Split(lipgloss.Wrap(s, width, ""), "\n")
	for i := 0; i < len(lines); i++ {
		if ansi.StringWidth(lines[i]) <= width {
			continue
		}
		cut := strings.Split(lipgloss.Wrap(ansi.Hardwrap(lines[i], width, true), width, ""), "\n")
		lines = append(lines[:i], append(cut, lines[i+1:]...)...)
		i += len(cut) - 1
	}
	return lines
}

// prefix puts first before lines[0] and rest before every other non-empty
// line.
func prefix(lines []string, first, rest string) []string {
	for i, l := range lines {
		switch {
		case i == 0:
			lines[i] = first + l
		case l != "":
			lines[i] = rest + l
		}
	}
	return lines
}

func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, c := range s {
		switch c {
		case '\t':
			n := 4 - col%4
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n':
			b.WriteRune(c)
			col = 0
		default:
			b.WriteRune(c)
			col++
		}
	}
	return b.String()
}
