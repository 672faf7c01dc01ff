package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

// itemKind is what a checklist row stands for.
type itemKind int

const (
	itemSection itemKind = iota
	itemStep
	itemQuestion
)

func (k itemKind) String() string {
	switch k {
	case itemSection:
		return "section"
	case itemStep:
		return "step"
	case itemQuestion:
		return "question"
	}
	return fmt.Sprintf("itemKind(%d)", int(k))
}

// item is one row of the checklist.
type item struct {
	kind     itemKind
	section  int // index into Document.Sections (-1 before the first heading)
	depth    int
	step     *runbook.Step
	question *runbook.Question
	// end is, for a section, the index after the last item of its subtree.
	end int
}

// snapshot is the run as last read from the session (journal.RunView);
// the model refreshes it (in a Cmd) after each journal event.
type snapshot struct {
	view   *journal.RunView
	state  *journal.State
	status map[string]journal.Status // by step id: the view's, and the step the TUI runs now
}

func newSnapshot(v *journal.RunView) *snapshot {
	s := &snapshot{view: v, state: v.State, status: make(map[string]journal.Status, len(v.Steps))}
	for _, st := range v.Steps {
		s.status[st.ID] = st.Status
	}
	return s
}

func (s *snapshot) stepStatus(id string) journal.Status {
	if s == nil {
		return journal.Pending
	}
	if st, ok := s.status[id]; ok {
		return st
	}
	return journal.Pending
}

func (s *snapshot) answer(id string) (journal.Answer, bool) {
	if s == nil || s.state == nil {
		return journal.Answer{}, false
	}
	a, ok := s.state.Answers[id]
	return a, ok
}

// counts of done and total work.
type counts struct{ done, total int }

// Checklist is the left pane: sections as a collapsible tree with a status
// icon per step, question and manual item.
type Checklist struct {
	common    *Common
	doc       *runbook.Document
	items     []item
	collapsed map[int]bool // by section index
	visible   []int        // indices into items
	cursor    int          // index into visible
	offset    int          // first visible row shown
	snap      *snapshot
	perSec    []counts // counted steps per section subtree
	filter    *Filter  // nil: no filter
	width     int
	height    int
	focused   bool
}

// NewChecklist builds the tree of a document.
func NewChecklist(c *Common, doc *runbook.Document) *Checklist {
	// Until the run is read, every step is pending: the counts are right
	// from the first frame.
	cl := &Checklist{common: c, doc: doc, collapsed: map[int]bool{}, snap: newSnapshot(journal.NewView(doc, nil, false))}
	cl.items = buildItems(doc)
	cl.refilter()
	cl.recount()
	return cl
}

func buildItems(doc *runbook.Document) []item {
	type entry struct {
		line int
		it   item
	}
	bySec := make(map[int][]entry, len(doc.Sections)+1)
	for _, s := range doc.Steps {
		bySec[s.Section] = append(bySec[s.Section], entry{s.Line, item{kind: itemStep, section: s.Section, step: s}})
	}
	for _, q := range doc.Questions {
		bySec[q.Section] = append(bySec[q.Section], entry{q.Line, item{kind: itemQuestion, section: q.Section, question: q}})
	}
	depth := make([]int, len(doc.Sections))
	for i, s := range doc.Sections {
		if s.Parent >= 0 && s.Parent < i {
			depth[i] = depth[s.Parent] + 1
		}
	}
	items := make([]item, 0, len(doc.Steps)+len(doc.Questions)+len(doc.Sections))
	add := func(sec, d int) {
		es := bySec[sec]
		sort.SliceStable(es, func(a, b int) bool { return es[a].line < es[b].line })
		for _, e := range es {
			e.it.depth = d
			items = append(items, e.it)
		}
	}
	add(-1, 0)
	// Sections are in document order, so a subtree is contiguous: it ends
	// where the next section of the same or a higher level starts.
	var open []int // item indices of sections whose subtree is still open
	for i := range doc.Sections {
		for len(open) > 0 && items[open[len(open)-1]].depth >= depth[i] {
			items[open[len(open)-1]].end = len(items)
			open = open[:len(open)-1]
		}
		open = append(open, len(items))
		items = append(items, item{kind: itemSection, section: i, depth: depth[i]})
		add(i, depth[i]+1)
	}
	for _, o := range open {
		items[o].end = len(items)
	}
	return items
}

// SetSnapshot updates statuses and progress counts.
func (c *Checklist) SetSnapshot(s *snapshot) {
	c.snap = s
	c.recount()
}

// itemDone: progress counts the steps the run counts (journal.RunView:
// check and skip steps once run), never questions, so that the checklist
// says what `runbook status` and reports say.
func (c *Checklist) itemDone(it item) (done, counted bool) {
	if it.kind != itemStep || c.snap == nil || c.snap.view == nil {
		return false, false
	}
	sv := c.snap.view.Step(it.step.ID)
	if sv == nil || !sv.Counted {
		return false, false
	}
	return sv.Status.Finished(), true
}

func (c *Checklist) recount() {
	c.perSec = make([]counts, len(c.items))
	var stack []int
	for i, it := range c.items {
		for len(stack) > 0 && i >= c.items[stack[len(stack)-1]].end {
			stack = stack[:len(stack)-1]
		}
		if it.kind == itemSection {
			stack = append(stack, i)
			continue
		}
		done, counted := c.itemDone(it)
		if !counted {
			continue
		}
		for _, s := range stack {
			c.perSec[s].total++
			if done {
				c.perSec[s].done++
			}
		}
	}
}

// Progress is done and total over the counted steps (journal.RunView).
func (c *Checklist) Progress() (done, total int) {
	if c.snap == nil || c.snap.view == nil {
		return 0, 0
	}
	return c.snap.view.Counts.Done, c.snap.view.Counts.Total
}

// SetSize sets the outer size, border included.
func (c *Checklist) SetSize(w, h int) { c.width, c.height = w, h; c.scroll() }

// SetFocused marks the pane as the one receiving keys.
func (c *Checklist) SetFocused(f bool) { c.focused = f }

func (c *Checklist) rows() int { return max(c.height-2, 1) }

func (c *Checklist) scroll() {
	h := c.rows()
	if c.cursor < c.offset {
		c.offset = c.cursor
	}
	if c.cursor >= c.offset+h {
		c.offset = c.cursor - h + 1
	}
	c.offset = max(min(c.offset, len(c.visible)-h), 0)
}

// Selected returns the item under the cursor.
func (c *Checklist) Selected() (item, bool) {
	if c.cursor >= len(c.visible) {
		return item{}, false
	}
	return c.items[c.visible[c.cursor]], true
}

// SelectStep moves the cursor to a step (or question) by id, unfolding its
// sections.
func (c *Checklist) SelectStep(id string) bool {
	for i, it := range c.items {
		if (it.kind == itemStep && it.step.ID == id) || (it.kind == itemQuestion && it.question.ID == id) {
			for s := it.section; s >= 0; s = c.doc.Sections[s].Parent {
				delete(c.collapsed, s)
			}
			c.refilter()
			for vi, ii := range c.visible {
				if ii == i {
					c.cursor = vi
				}
			}
			c.scroll()
			return true
		}
	}
	return false
}

// icon is the status column of a row.
func (c *Checklist) icon(it item) string {
	st := c.common.Styles
	switch it.kind {
	case itemStep:
		s := c.snap.stepStatus(it.step.ID)
		if s == journal.Pending {
			switch it.step.Kind {
			case runbook.KindManual:
				return st.Status[s].Render("□")
			case runbook.KindCheck:
				return st.Status[s].Render("◇")
			}
		}
		return st.StatusIcon(s)
	case itemQuestion:
		a, ok := c.snap.answer(it.question.ID)
		switch {
		case !ok:
			return st.Warn.Render("?")
		case a.Skipped:
			return st.Muted.Render("…")
		default:
			return st.OK.Render("✓")
		}
	}
	return " "
}

func (c *Checklist) label(it item) string {
	switch it.kind {
	case itemSection:
		return oneLine(c.doc.Sections[it.section].Title)
	case itemStep:
		if it.step.Title != "" {
			return oneLine(it.step.Title)
		}
		return it.step.ID
	case itemQuestion:
		return "Q: " + oneLine(it.question.Text)
	}
	return ""
}

// View renders the pane with its border.
func (c *Checklist) View() string {
	st := c.common.Styles
	w := max(c.width-2, 1)
	var b strings.Builder
	end := min(c.offset+c.rows(), len(c.visible))
	for vi := c.offset; vi < end; vi++ {
		if vi > c.offset {
			b.WriteByte('\n')
		}
		it := c.items[c.visible[vi]]
		selected := vi == c.cursor
		cursor := " "
		if selected {
			cursor = st.Selected.Render("›")
		}
		indent := strings.Repeat("  ", it.depth)
		textStyle := st.Item
		if selected {
			textStyle = st.Selected
		}
		var row string
		if it.kind == itemSection {
			fold := "▾"
			if c.collapsed[it.section] {
				fold = "▸"
			}
			cnt := c.perSec[c.visible[vi]]
			right := ""
			if cnt.total > 0 {
				right = fmt.Sprintf(" %d/%d", cnt.done, cnt.total)
			}
			if !selected {
				textStyle = st.Section
			}
			avail := w - 1 - len(indent) - 2 - lipgloss.Width(right)
			title := truncate(c.label(it), max(avail, 1))
			gap := max(w-1-len(indent)-2-lipgloss.Width(title)-lipgloss.Width(right), 0)
			row = cursor + indent + fold + " " + textStyle.Render(title) + strings.Repeat(" ", gap) + st.Progress.Render(right)
		} else {
			avail := w - 1 - len(indent) - 2
			row = cursor + indent + c.icon(it) + " " + textStyle.Render(truncate(c.label(it), max(avail, 1)))
		}
		b.WriteString(row)
	}
	done, total := c.Progress()
	info := fmt.Sprintf("%d/%d done", done, total)
	if c.filter != nil && c.filter.Active() {
		// The narrow pane has room for the filter or the count, and the
		// status bar has the count.
		info = c.filter.View()
	}
	return pane(st, c.focused, "Checklist", info, b.String(), c.width, c.height)
}

// oneLine collapses whitespace so a text fits a row, and drops control
// characters (a mojibake doc is full of C1 controls) that would move the
// terminal's cursor and break the layout.
func oneLine(s string) string { return strings.Join(strings.Fields(printable(s)), " ") }

// printable renders control characters other than newline and tab
// visibly escaped: doc text never drives the terminal (termtext.Escape).
// A CRLF line end is a line end; its CR would break a pane's border.
func printable(s string) string { return termtext.Escape(strings.ReplaceAll(s, "\r\n", "\n")) }
