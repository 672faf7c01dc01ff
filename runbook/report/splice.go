package report

import (
	"bytes"
	"sort"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// openIcon marks an unanswered question: ❓ on GitHub, a plain ? in HTML.
func openIcon(icon func(journal.Status) string) string {
	if icon(journal.OK) == statusIcon(journal.OK) {
		return "❓"
	}
	return "?"
}

// The Markdown and HTML reports are the document's own source with things
// spliced in: a block after each step, answers where the questions were.
// The source is never re-rendered, so everything between splice points is
// the author's bytes.

// edit replaces src[Start:End] with Text (an insertion when Start == End).
type edit struct {
	Start, End int
	Text       string
	Section    int // which section's body the edit falls in (-1: preamble)
	order      int // keeps insertions at one point in the order they were made
}

// applyEdits returns src[from:to] with the edits inside it applied.
func applyEdits(src []byte, from, to int, edits []edit) []byte {
	var in []edit
	for _, e := range edits {
		if e.Start >= from && e.End <= to && e.Start <= e.End {
			in = append(in, e)
		}
	}
	sortEdits(in)
	var b bytes.Buffer
	at := from
	for _, e := range in {
		if e.Start < at {
			continue // overlapping edit: the first one wins, bytes are never duplicated
		}
		b.Write(src[at:e.Start])
		b.WriteString(e.Text)
		at = e.End
	}
	b.Write(src[at:to])
	return b.Bytes()
}

// sortEdits orders edits by position; at one position insertions come
// before a replacement, which would otherwise swallow them (a step's
// status block goes before a `[VERIFY]` marker that starts the next line,
// as in a scraped doc).
func sortEdits(es []edit) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Start != es[j].Start {
			return es[i].Start < es[j].Start
		}
		if ii, ji := es[i].Start == es[i].End, es[j].Start == es[j].End; ii != ji {
			return ii
		}
		return es[i].order < es[j].order
	})
}

// lineEnding is the document's own line ending, so inserted lines match.
func lineEnding(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

func lineStart(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// nextLineStart is the offset just after the line ending of the line that
// contains off (len(src) on the last line).
func nextLineStart(src []byte, off int) int {
	if off >= len(src) {
		return len(src)
	}
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(src)
}

// insertionPoint is where a step's annotation goes and the prefix that
// keeps it inside the step's container (list item, block quote).
//
// It is the start of the line after the step's last line; for a check step
// (a table row) it is after the whole table, since nothing can sit between
// two rows.
func insertionPoint(src []byte, s *runbook.Step) (pos int, prefix string) {
	start := s.Span.Start
	if start > len(src) {
		start = len(src)
	}
	ls := lineStart(src, start)
	lead := start
	if s.Kind == runbook.KindManual && s.Box.End > s.Box.Start && s.Box.Start >= ls && s.Box.Start <= len(src) {
		// up to the "[ ]": the item's marker turns into indentation
		lead = s.Box.Start
	}
	prefix = containerPrefix(src[ls:lead])
	last := s.Span.End - 1
	if last < start {
		last = start
	}
	pos = nextLineStart(src, last)
	if s.Kind == runbook.KindCheck {
		for pos < len(src) {
			end := nextLineStart(src, pos)
			line := strings.TrimRight(string(src[pos:end]), "\r\n")
			body := strings.TrimLeft(line, " \t>")
			if strings.TrimSpace(body) == "" || !strings.Contains(body, "|") {
				break
			}
			pos = end
		}
	}
	return pos, prefix
}

// containerPrefix turns what precedes a step on its first line into the
// prefix of continuation lines: block-quote markers are kept, indentation
// is kept, and a list marker (for a task item, or a block opening a list
// item) becomes spaces of the same width.
func containerPrefix(lead []byte) string {
	var b strings.Builder
	i := 0
	for i < len(lead) {
		c := lead[i]
		switch {
		case c == ' ' || c == '\t' || c == '>':
			b.WriteByte(c)
			i++
			continue
		}
		// a list marker: -, *, + or digits followed by . or )
		j := i
		if c == '-' || c == '*' || c == '+' {
			j++
		} else {
			for j < len(lead) && lead[j] >= '0' && lead[j] <= '9' {
				j++
			}
			if j == i || j >= len(lead) || (lead[j] != '.' && lead[j] != ')') {
				break
			}
			j++
		}
		if j < len(lead) && lead[j] != ' ' && lead[j] != '\t' {
			break
		}
		b.WriteString(strings.Repeat(" ", j-i))
		i = j
	}
	return b.String()
}

// blankAt reports whether the line starting at pos is blank inside its
// container (only spaces, tabs and quote markers), or the end of input.
func blankAt(src []byte, pos int) bool {
	if pos >= len(src) {
		return true
	}
	end := nextLineStart(src, pos)
	return strings.Trim(string(src[pos:end]), " \t>\r\n") == ""
}

// blockLines writes lines with the container prefix, wrapped in blank
// lines so they form blocks of their own; the trailing blank line is left
// out when the document already has one there.
func blockLines(prefix, nl string, lines []string, blankAfter bool) string {
	var b strings.Builder
	blank := strings.TrimRight(prefix, " \t") + nl
	b.WriteString(blank)
	for _, l := range lines {
		if l == "" {
			b.WriteString(blank)
			continue
		}
		b.WriteString(prefix)
		b.WriteString(l)
		b.WriteString(nl)
	}
	if blankAfter {
		b.WriteString(blank)
	}
	return b.String()
}

// questionEdits replaces each open question's [VERIFY] marker with its
// state in the run and writes a given answer after the question's text, in
// the same form as write-back (so it stays inside the same block).
func questionEdits(v *view, icon func(journal.Status) string) []edit {
	var out []edit
	for i, q := range v.Questions {
		if q.Q == nil {
			continue
		}
		mk := q.Q.Marker
		var badge string
		switch q.State {
		case qAnswered:
			badge = icon(journal.OK) + " "
			out = append(out, edit{Start: q.Q.TextSpan.End, End: q.Q.TextSpan.End, Section: q.Section, order: 2*i + 1,
				Text: runbook.FormatVerified(q.Answer, q.Who, q.Time)})
		case qSkipped:
			badge = icon(journal.Skipped) + " **[VERIFY: skipped for now]** "
		default:
			badge = openIcon(icon) + " **[VERIFY: open]** "
		}
		out = append(out, edit{Start: mk.Start, End: mk.End, Text: badge, Section: q.Section, order: 2 * i})
	}
	return out
}
