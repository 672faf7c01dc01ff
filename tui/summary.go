package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// ExportFunc writes a report of the run in a format (md, html, json,
// junit) and returns where it went. cmd passes it in (tuiExporter); it
// does I/O, so only ExportCmd calls it, in a Cmd.
type ExportFunc func(format string) (path string, err error)

// ExportReportMsg asks the root to export the report (the summary's `x`).
type ExportReportMsg struct{ Format string }

// ReportExportedMsg is the export's answer; the root hands it to the
// summary, which shows the path or the error.
type ReportExportedMsg struct {
	Format, Path string
	Err          error
}

// SummaryClosedMsg: back to the checklist. SummaryQuitMsg: quit.
type (
	SummaryClosedMsg struct{}
	SummaryQuitMsg   struct{}
)

// ExportCmd runs export in a Cmd. A nil export says so.
func ExportCmd(export ExportFunc, format string) tea.Cmd {
	return func() tea.Msg {
		if export == nil {
			return ReportExportedMsg{Format: format, Err: fmt.Errorf("exporting a report is not available here")}
		}
		p, err := export(format)
		return ReportExportedMsg{Format: format, Path: p, Err: err}
	}
}

// SummaryKeyMap are the summary screen's keys.
type SummaryKeyMap struct {
	ExportHTML, ExportMD, Up, Down, Close, Quit key.Binding
}

// DefaultSummaryKeyMap: x exports (as in "export"), esc goes back, q quits.
func DefaultSummaryKeyMap() SummaryKeyMap {
	b := binding
	return SummaryKeyMap{
		ExportHTML: b([]string{"x"}, "x", "export HTML report"),
		ExportMD:   b([]string{"X"}, "X", "export Markdown report"),
		Up:         b([]string{"up", "k"}, "↑/k", "up"),
		Down:       b([]string{"down", "j"}, "↓/j", "down"),
		Close:      b([]string{"esc"}, "esc", "back to checklist"),
		Quit:       b([]string{"q"}, "q", "quit"),
	}
}

// ShortHelp is the summary's help bar.
func (k SummaryKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.ExportHTML, k.ExportMD, k.Close, k.Quit}
}

// FullHelp is the summary's keys in columns.
func (k SummaryKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.ExportHTML, k.ExportMD}, {k.Up, k.Down, k.Close, k.Quit}}
}

// Summary is the end-of-run screen: the counts of journal.RunView (the
// one projection every frontend shows), time spent, what needs
// attention, and the report.
type Summary struct {
	c       *Common
	g       Glyphs
	keys    SummaryKeyMap
	doc     string // the doc's path as the engineer named it
	run     string // the run's full name
	view    *journal.RunView
	elapsed time.Duration
	offset  int
	width   int
	height  int
	// export's state: the format being written, and the last result.
	exporting string
	exported  []ReportExportedMsg
}

// NewSummary builds the screen for the run of doc; SetView fills it.
func NewSummary(c *Common, g Glyphs, doc, run string) *Summary {
	k := DefaultSummaryKeyMap()
	navHelp(c, &k.Up, &k.Down)
	return &Summary{c: c, g: g, keys: k, doc: doc, run: run}
}

// SetView shows a run's view (RunView) and its wall time.
func (s *Summary) SetView(v *journal.RunView, elapsed time.Duration) {
	s.view, s.elapsed, s.offset = v, elapsed, 0
	if v != nil && v.State != nil && v.State.Run != "" {
		// The journal names the run once it has started.
		s.run = v.State.Run
	}
}

// SetSize sets the outer size, border included.
func (s *Summary) SetSize(w, h int) { s.width, s.height = w, h }

// Keys is the summary's keymap (for the help bar).
func (s *Summary) Keys() SummaryKeyMap { return s.keys }

// ShortHelp and FullHelp make the summary a help.KeyMap.
func (s *Summary) ShortHelp() []key.Binding  { return s.keys.ShortHelp() }
func (s *Summary) FullHelp() [][]key.Binding { return s.keys.FullHelp() }

// Update handles the summary's keys and the export's answer.
func (s *Summary) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ReportExportedMsg:
		s.exporting = ""
		s.exported = append(s.exported, msg)
		// The result is at the end: bring it into view (View clamps).
		s.offset = len(s.lines())
		return nil
	case tea.KeyPressMsg:
		k := s.keys
		switch {
		case key.Matches(msg, k.ExportHTML, k.ExportMD):
			if s.exporting != "" {
				return nil // one at a time
			}
			s.exporting = "html"
			if key.Matches(msg, k.ExportMD) {
				s.exporting = "md"
			}
			f := s.exporting
			s.offset = len(s.lines()) // show the progress line
			return func() tea.Msg { return ExportReportMsg{Format: f} }
		case key.Matches(msg, k.Close):
			return func() tea.Msg { return SummaryClosedMsg{} }
		case key.Matches(msg, k.Quit):
			return func() tea.Msg { return SummaryQuitMsg{} }
		case key.Matches(msg, k.Up):
			s.offset = max(s.offset-1, 0)
		case key.Matches(msg, k.Down):
			s.offset = min(s.offset+1, max(len(s.lines())-s.innerHeight(), 0))
		}
	}
	return nil
}

func (s *Summary) innerHeight() int { return max(s.height-2, 1) }

// SummaryCounts are a run's counts grouped as the summary shows them.
type SummaryCounts struct {
	OK, Failed, Skipped, ByHand, Interrupted, Pending int
	Tolerated                                         int
	Total                                             int
}

// CountSummary groups RunView's counts (counted steps only): ok includes
// "already done", failed includes timed out, pending includes stale and
// running steps.
func CountSummary(v *journal.RunView) SummaryCounts {
	by := v.Counts.By
	c := SummaryCounts{
		OK:          by[journal.OK] + by[journal.AlreadyDone],
		Failed:      by[journal.Failed] + by[journal.TimedOut],
		Skipped:     by[journal.Skipped],
		ByHand:      by[journal.DoneByHand],
		Interrupted: by[journal.Interrupted],
		Tolerated:   v.Counts.Tolerated,
		Total:       v.Counts.Total,
	}
	c.Pending = c.Total - c.OK - c.Failed - c.Skipped - c.ByHand - c.Interrupted
	return c
}

// View renders the screen.
func (s *Summary) View() string {
	st := s.c.Styles
	title, info := "Run summary", ""
	if s.view != nil {
		if s.view.Complete {
			title = "Run finished"
		}
		info = string(s.view.Status)
	}
	if s.run != "" {
		title += s.g.Sep + s.run
	}
	lines := s.lines()
	s.offset = min(s.offset, max(len(lines)-s.innerHeight(), 0))
	lines = lines[s.offset:min(len(lines), s.offset+s.innerHeight())]
	return panel(st, s.g, true, title, info, strings.Join(lines, "\n"), s.width, s.height)
}

// lines is the screen's content, one entry per row.
func (s *Summary) lines() []string {
	st := s.c.Styles
	w := max(s.width-2, 1)
	fit := func(l string) string { return truncateWith(l, w, s.g.Ellipsis) }
	var out []string
	add := func(l string) { out = append(out, fit(l)) }
	add(" " + st.Muted.Render(s.doc))
	if s.view == nil {
		return out
	}
	v := s.view
	add("")
	out = append(out, s.countLines(w)...)
	add("")
	q := v.Questions
	if q.Total > 0 {
		written := ""
		if q.Written > 0 {
			written = fmt.Sprintf(" (%d in the doc)", q.Written)
		}
		add(fmt.Sprintf(" %-11s %d answered%s%s%d skipped%s%d open", "Questions", q.Answered, written, s.g.Sep, q.Skipped, s.g.Sep, q.Open))
	}
	stepsTime, slow := stepTimes(v)
	add(fmt.Sprintf(" %-11s %s%ssteps %s", "Time", shortDuration(s.elapsed), s.g.Sep, shortDuration(stepsTime)))
	if len(slow) > 0 {
		add(fmt.Sprintf(" %-11s %s", "Slowest", strings.Join(slow, s.g.Sep)))
	}
	if att := s.attention(); len(att) > 0 {
		add("")
		add(" " + st.Section.Render("Needs attention"))
		out = append(out, att...)
	}
	add("")
	add(" " + st.Section.Render("Report"))
	add(fmt.Sprintf("   %s export HTML   %s export Markdown",
		st.StatusKey.Render(" "+s.keys.ExportHTML.Help().Key+" "), st.StatusKey.Render(" "+s.keys.ExportMD.Help().Key+" ")))
	if s.exporting != "" {
		add("   " + st.Muted.Render("writing the "+s.exporting+" report"+s.g.Ellipsis))
	}
	for _, e := range s.exported {
		if e.Err != nil {
			add("   " + st.Error.Render(e.Err.Error()))
		} else {
			add("   " + st.OK.Render("saved ") + e.Path)
		}
	}
	add("   " + st.Muted.Render("or from a shell:"))
	add("   " + st.Muted.Render("runbook report "+shellQuote(s.doc)+" --run "+shellQuote(s.run)+" -o report.html"))
	return out
}

// countLines are the counts, in two columns when they fit.
func (s *Summary) countLines(w int) []string {
	st := s.c.Styles
	c := CountSummary(s.view)
	cell := func(status journal.Status, label string, n int, note string) string {
		num := fmt.Sprintf("%3d", n)
		if n > 0 && status != journal.Pending {
			num = st.Status[status].Render(num)
		}
		return fmt.Sprintf("%s %-12s %s%s", s.g.Icon(st, status), label, num, note)
	}
	tol := ""
	if c.Tolerated > 0 {
		tol = fmt.Sprintf(" (%d let through)", c.Tolerated)
	}
	cells := []string{
		cell(journal.OK, "ok", c.OK, ""),
		cell(journal.Failed, "failed", c.Failed, tol),
		cell(journal.Skipped, "skipped", c.Skipped, ""),
		cell(journal.DoneByHand, "by hand", c.ByHand, ""),
		cell(journal.Interrupted, "interrupted", c.Interrupted, ""),
		cell(journal.Pending, "pending", c.Pending, ""),
	}
	const colW = 36
	var out []string
	if w >= 2*colW+2 {
		for i := 0; i < len(cells); i += 2 {
			out = append(out, " "+padRight(cells[i], colW)+cells[i+1])
		}
	} else {
		for _, c := range cells {
			out = append(out, " "+c)
		}
	}
	// Done is RunView's, like every frontend's progress.
	return append(out, fmt.Sprintf(" %d of %d steps done", s.view.Counts.Done, c.Total))
}

// maxAttention bounds the steps listed under "Needs attention".
const maxAttention = 6

// attention lists the steps that did not end well, and manual steps
// still waiting for a person.
func (s *Summary) attention() []string {
	st := s.c.Styles
	var out []string
	more := 0
	for _, sv := range s.view.Steps {
		if !sv.Counted {
			continue
		}
		var why string
		switch sv.Status {
		case journal.Failed, journal.TimedOut, journal.Interrupted:
			why = lastAttemptWhy(sv)
			if sv.Tolerated {
				why += s.g.Sep + "continue-on-error"
			}
		case journal.Pending:
			if sv.Step == nil || sv.Step.Kind != runbook.KindManual {
				continue
			}
			why = "manual step, needs a person"
		default:
			continue
		}
		if len(out) == maxAttention {
			more++
			continue
		}
		out = append(out, fmt.Sprintf("   %s %s  %s", s.g.Icon(st, sv.Status), sv.ID, st.Muted.Render(why)))
	}
	if more > 0 {
		out = append(out, st.Muted.Render(fmt.Sprintf("   and %d more (runbook status)", more)))
	}
	return out
}

func lastAttemptWhy(sv journal.StepView) string {
	why := string(sv.Status)
	if sv.State == nil || len(sv.State.Attempts) == 0 {
		return why
	}
	a := sv.State.Attempts[len(sv.State.Attempts)-1]
	switch {
	case a.ExitCode != nil:
		why += fmt.Sprintf(" (exit %d)", *a.ExitCode)
	case a.Error != "":
		why += ": " + firstLine(a.Error)
	}
	return why
}

// stepTimes is the time spent in steps (every attempt) and the three
// slowest steps.
func stepTimes(v *journal.RunView) (time.Duration, []string) {
	type st struct {
		id string
		d  time.Duration
	}
	var all []st
	var total time.Duration
	for _, sv := range v.Steps {
		if sv.State == nil {
			continue
		}
		var d time.Duration
		for _, a := range sv.State.Attempts {
			d += a.Duration
		}
		total += d
		if d > 0 {
			all = append(all, st{sv.ID, d})
		}
	}
	slices.SortStableFunc(all, func(a, b st) int { return int(b.d - a.d) })
	var slow []string
	for _, s := range all[:min(len(all), 3)] {
		slow = append(slow, s.id+" "+shortDuration(s.d))
	}
	return total, slow
}

// shortDuration is a duration as people read it: 4.2s, 3m07s, 1h02m.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// RunElapsed is a run's wall time: from its start to its end, or to its
// last event while open.
func RunElapsed(st *journal.State) time.Duration {
	if st == nil || st.Started.IsZero() {
		return 0
	}
	end := st.Updated
	if !st.FinishedAt.IsZero() {
		end = st.FinishedAt
	}
	return max(end.Sub(st.Started), 0)
}
