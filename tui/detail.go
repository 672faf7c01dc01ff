package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/tui/prose"
)

// preview is the engine's view of a step before it runs.
type preview struct {
	command string
	err     error
	missing []string
}

// DetailPane shows the selected item: the step's exact command (secrets
// masked), its attributes and history, and the section's prose.
type DetailPane struct {
	common   *Common
	doc      *runbook.Document
	sel      item
	has      bool
	snap     *snapshot
	previews map[string]preview
	prose    map[string]string // rendered section prose by "section:width"
	offset   int
	width    int
	height   int
	focused  bool
	lines    []string
}

// NewDetailPane returns a pane for doc.
func NewDetailPane(c *Common, doc *runbook.Document) *DetailPane {
	return &DetailPane{common: c, doc: doc, previews: map[string]preview{}, prose: map[string]string{}}
}

// SetSize sets the outer size, border included.
func (d *DetailPane) SetSize(w, h int) { d.width, d.height = w, h; d.lines = nil }

// SetFocused marks the pane as the one receiving keys.
func (d *DetailPane) SetFocused(f bool) { d.focused = f }

// SetItem shows another item.
func (d *DetailPane) SetItem(it item) {
	d.sel, d.has, d.offset, d.lines = it, true, 0, nil
}

// SetSnapshot updates the status shown.
func (d *DetailPane) SetSnapshot(s *snapshot) { d.snap, d.lines = s, nil }

// SetPreview stores the command preview of a step.
func (d *DetailPane) SetPreview(id string, p preview) { d.previews[id] = p; d.lines = nil }

// Preview returns the cached preview of a step.
func (d *DetailPane) Preview(id string) (preview, bool) { p, ok := d.previews[id]; return p, ok }

// ForgetPreviews drops cached previews (a variable or command changed).
func (d *DetailPane) ForgetPreviews() { clear(d.previews); d.lines = nil }

// Update scrolls when focused.
func (d *DetailPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	d.offset, _ = scroll(d.common.Keys, km, d.offset, max(d.height-2, 1), len(d.content()))
	return nil
}

// ShortHelp is the pane's own keys.
func (d *DetailPane) ShortHelp() []key.Binding {
	k := d.common.Keys
	return []key.Binding{k.Up, k.Down, k.PageDown}
}

// FullHelp is the pane's keys in columns.
func (d *DetailPane) FullHelp() [][]key.Binding {
	k := d.common.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

// content builds (and caches) the pane's lines at the current width.
func (d *DetailPane) content() []string {
	if d.lines != nil {
		return d.lines
	}
	w := max(d.width-2, 10)
	var parts []string
	if d.has {
		switch d.sel.kind {
		case itemStep:
			parts = append(parts, d.stepLines(d.sel.step, w)...)
		case itemQuestion:
			parts = append(parts, d.questionLines(d.sel.question, w)...)
		}
		if d.sel.kind != itemSection {
			parts = append(parts, "", d.common.Styles.Muted.Render(sectionRule(d.doc.SectionTitle(d.sel.section), w)))
		}
		parts = append(parts, strings.Split(d.sectionProse(d.sel.section, w), "\n")...)
	}
	d.lines = parts
	return d.lines
}

// sectionRule is "── Title ─────" exactly w cells wide: the rule itself is
// never cut with "…", only a title too long for it.
func sectionRule(title string, w int) string {
	head := truncate("── "+oneLine(title)+" ", w)
	return head + strings.Repeat("─", max(w-ansi.StringWidth(head), 0))
}

func wrap(s string, w int) []string {
	return strings.Split(lipgloss.NewStyle().Width(w).Render(s), "\n")
}

func (d *DetailPane) stepLines(s *runbook.Step, w int) []string {
	st := d.common.Styles
	var out []string
	out = append(out, wrap(st.Section.Render(oneLine(s.Title)), w)...)
	out = append(out, st.Muted.Render(truncate(fmt.Sprintf("%s · %s · line %d", s.Kind, s.ID, s.Line), w)))
	status := d.snap.stepStatus(s.ID)
	var ss *journal.StepState
	if d.snap != nil && d.snap.state != nil {
		ss = d.snap.state.Steps[s.ID]
	}
	out = append(out, truncate(d.statusLine(status, ss), w))
	if status == journal.Stale {
		out = append(out, wrap(st.Warn.Render("Changed in the doc since it ran: run it again, or accept it as is (a)."), w)...)
	}
	if ss != nil && ss.Note != "" {
		out = append(out, wrap("Note: "+ss.Note, w)...)
	}
	if d.snap != nil && d.snap.state != nil {
		for _, n := range d.snap.state.Notes {
			if n.Step == s.ID {
				out = append(out, wrap(st.Muted.Render(n.Time.Format("15:04")+" note: ")+oneLine(n.Text), w)...)
			}
		}
	}
	if ss != nil && len(ss.Attempts) > 0 && ss.Attempts[len(ss.Attempts)-1].Error != "" {
		out = append(out, wrap(st.Error.Render("Error: "+ss.Attempts[len(ss.Attempts)-1].Error), w)...)
	}
	if attrs := attrLine(s.Attrs); attrs != "" {
		out = append(out, wrap(st.AttrKey.Render("Attributes: ")+attrs, w)...)
	}
	p, ok := d.previews[s.ID]
	if len(p.missing) > 0 {
		out = append(out, wrap(st.Warn.Render("Needs: "+strings.Join(p.missing, ", ")), w)...)
	}
	if s.Attrs.Skip {
		out = append(out, wrap(st.Muted.Render("Left out of run all (skip): run it with enter if you need it."), w)...)
	}
	if s.Attrs.ContinueOnError {
		out = append(out, wrap(st.Muted.Render("continue-on-error: run all goes on if it fails."), w)...)
	}
	if s.Kind == runbook.KindCheck {
		out = append(out, wrap(st.Muted.Render("Optional check from a table: it runs only when you press enter."), w)...)
	}
	if s.Kind == runbook.KindManual {
		out = append(out, "")
		out = append(out, wrap("Manual step: do it by hand, then confirm it with enter.", w)...)
		return out
	}
	title := "Command:"
	if ss != nil && ss.Command != "" {
		title = "Command (edited for this run):"
	}
	out = append(out, "", st.AttrKey.Render(title))
	cmd := s.Code
	switch {
	case ok && p.err == nil:
		cmd = p.command
	case ok && p.err != nil && len(p.missing) == 0:
		out = append(out, wrap(st.Error.Render(p.err.Error()), w)...)
	}
	for _, l := range strings.Split(strings.TrimRight(printable(cmd), "\n"), "\n") {
		for _, r := range wrapCode(l, w) {
			out = append(out, st.Command.Render(r))
		}
	}
	if s.Console && s.Expected != "" {
		out = append(out, "", st.AttrKey.Render("Expected output:"))
		for _, l := range strings.Split(strings.TrimRight(printable(s.Expected), "\n"), "\n") {
			for _, r := range wrapCode(l, w) {
				out = append(out, st.Muted.Render(r))
			}
		}
	}
	return out
}

// wrapCode lays out one line of a command indented by two cells. The
// engineer must see the exact command that will run, so a long line is
// broken at the pane's edge (every character kept, spaces included), not cut
// with "…"; continuation rows start with "↳" so they do not read as lines of
// their own (an indented line of the script would look the same).
func wrapCode(l string, w int) []string {
	if w < 8 || ansi.StringWidth(l)+2 <= w {
		return []string{truncate("  "+l, w)}
	}
	first := ansi.Truncate(l, w-2, "")
	rows := []string{"  " + first}
	rest := strings.TrimPrefix(l, first)
	for rest != "" {
		chunk := ansi.Truncate(rest, w-4, "")
		if chunk == "" { // a rune wider than the row: give up rather than loop
			rows = append(rows, truncate("  ↳ "+rest, w))
			break
		}
		rows = append(rows, "  ↳ "+chunk)
		rest = strings.TrimPrefix(rest, chunk)
	}
	return rows
}

func attrLine(a runbook.Attrs) string {
	if len(a.Raw) == 0 {
		return ""
	}
	keys := make([]string, 0, len(a.Raw))
	for k := range a.Raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		if v := a.Raw[k]; v != "" && v != "true" {
			parts[i] = k + "=" + v
		} else {
			parts[i] = k
		}
	}
	return strings.Join(parts, " ")
}

func (d *DetailPane) questionLines(q *runbook.Question, w int) []string {
	st := d.common.Styles
	out := []string{st.Warn.Render("[VERIFY]") + st.Muted.Render(fmt.Sprintf(" · %s · line %d", q.ID, q.Line))}
	out = append(out, wrap(oneLine(q.Text), w)...)
	if q.Suggested != "" {
		out = append(out, "")
		out = append(out, wrap(st.AttrKey.Render("Suggested: ")+oneLine(q.Suggested), w)...)
	}
	out = append(out, "")
	if a, ok := d.snap.answer(q.ID); ok {
		switch {
		case a.Skipped:
			out = append(out, st.Muted.Render("Skipped for now."))
		case a.Written:
			out = append(out, wrap(st.OK.Render("Answer (written to the doc): ")+oneLine(a.Value), w)...)
		default:
			out = append(out, wrap(st.OK.Render("Answer: ")+oneLine(a.Value), w)...)
			out = append(out, st.Muted.Render("Not yet in the doc: press w to review and write it."))
		}
	} else {
		out = append(out, st.Muted.Render("Press enter to answer."))
	}
	return out
}

// maxProse bounds the Markdown of a section rendered in the pane.
const maxProse = 32 << 10

// sectionProse renders a section's own Markdown, cached per
// width because rendering is the slowest part of a frame.
func (d *DetailPane) sectionProse(sec, w int) string {
	if sec < 0 || sec >= len(d.doc.Sections) {
		return ""
	}
	k := fmt.Sprintf("%d:%d", sec, w)
	if s, ok := d.prose[k]; ok {
		return s
	}
	md := sectionMarkdown(d.doc, sec)
	// a pane shows a screenful or two: rendering a section of megabytes
	// would hold the first frame for seconds
	if len(md) > maxProse {
		cut := strings.LastIndexByte(md[:maxProse], '\n') + 1
		md = md[:cut] + fmt.Sprintf("\n… (%d more bytes of this section in the doc)\n", len(md)-cut)
	}
	out := renderMarkdown(printable(md), w, d.common.Styles)
	d.prose[k] = out
	return out
}

// sectionMarkdown is a section's heading and prose as Markdown. A heading
// that is not a Markdown heading (a line of a document copied from a web
// page that the parser took for one) is written as one, so that it reads as
// the heading it is in the checklist rather than as a line of text or the
// start of a list.
func sectionMarkdown(doc *runbook.Document, sec int) string {
	s := doc.Sections[sec]
	src := doc.Source
	end := max(s.Body.End, s.Heading.End)
	if s.Heading.Start > s.Heading.End || end > len(src) {
		return ""
	}
	heading := string(src[s.Heading.Start:s.Heading.End])
	if t := strings.TrimLeft(heading, " "); strings.HasPrefix(t, "#") || s.Title == "" {
		return string(src[s.Heading.Start:end])
	}
	if _, underline, ok := strings.Cut(strings.TrimRight(heading, "\r\n"), "\n"); ok && strings.Trim(underline, "=- \t\r") == "" {
		return string(src[s.Heading.Start:end]) // a setext heading
	}
	return strings.Repeat("#", max(s.Level, 1)) + " " + escapeMarkdown(s.Title) + "\n\n" + strings.TrimLeft(string(src[s.Heading.End:end]), "\r\n")
}

// escapeMarkdown backslash-escapes the characters that could start inline
// markup, so that a title shows as written.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>&!#|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// renderMarkdown lays section prose out for a pane w cells wide, in the
// theme that matches the terminal (plain under NO_COLOR).
func renderMarkdown(md string, w int, st *Styles) string {
	theme := prose.Light()
	switch {
	case st.NoColor:
		theme = prose.Plain()
	case st.IsDark:
		theme = prose.Dark()
	}
	lines := strings.Split(strings.Trim(prose.Render(md, w-2, theme), "\n"), "\n")
	for i, l := range lines {
		lines[i] = truncate(strings.TrimRight(l, " "), w)
	}
	return strings.Join(lines, "\n")
}

// View renders the pane with its border.
func (d *DetailPane) View() string {
	lines := d.content()
	h := max(d.height-2, 1)
	first := min(d.offset, max(len(lines)-h, 0))
	end := min(first+h, len(lines))
	title := "Details"
	if d.has && d.sel.kind == itemSection {
		title = "Section"
	}
	info := ""
	if len(lines) > h {
		info = fmt.Sprintf("%d%%", 100*end/len(lines))
	}
	return pane(d.common.Styles, d.focused, title, info, strings.Join(lines[first:end], "\n"), d.width, d.height)
}

// statusLine is a step's status with its last attempt.
func (d *DetailPane) statusLine(status journal.Status, ss *journal.StepState) string {
	line := "Status: " + d.common.Styles.StatusIcon(status) + " " + string(status)
	if ss != nil && len(ss.Attempts) > 0 {
		a := ss.Attempts[len(ss.Attempts)-1]
		line += fmt.Sprintf(" · attempt %d", a.N)
		if a.ExitCode != nil {
			line += fmt.Sprintf(" · exit %d", *a.ExitCode)
		}
		if a.Duration > 0 {
			line += " · " + a.Duration.Round(1e7).String()
		}
	}
	return line
}
