package tui

// WIRING — how the root model uses the components of this file's siblings
// (clipboard.go, pager.go, summary.go, values.go, background_view.go,
// mouse.go, resume_hint.go). Each is self-contained: built from values
// passed in, its own keymap, no I/O in Update (every engine or disk call
// is a tea.Cmd constructor below). The root only routes.
//
// Construction (root New, once; g is UnicodeGlyphs() or, under LANG=C,
// ASCIIGlyphs(), chosen by cmd and passed in Options):
//
//	m.clip    = NewClipboard(opts.ClipboardTools)  // cmd: DetectClipboard(exec.LookPath, os.Getenv)
//	m.summary = NewSummary(&m.common, g, opts.DocPath, opts.RunName)
//	m.values  = NewValuesView(&m.common, g)
//	m.bg      = NewBackgroundView(&m.common, g)
//	m.extra   = DefaultFeatureKeys()               // y, L, v, b: keys of the main screen
//
// Engine: add to tui.Engine the methods of ValuesSource and
// BackgroundSource (the real *steps.Engine has them; the asserts at the
// end of values.go and background_view.go keep it so). Options: add
// ClipboardTools []ClipboardTool, Pager string ($PAGER or "less -R"),
// Export ExportFunc (cmd/runbook/tui_export.go: tuiExporter), Glyphs.
//
// Keys on the main screen (stateMain), matched with key.Matches against
// m.extra (FeatureKeys) before the checklist's own keys:
//
//	Copy (y)       focus on output → CopyCmd(m.clip, "output", m.output.VisibleText())
//	               else            → CopyCmd(m.clip, "command", <the selected step's
//	                                 previewed command, as the detail pane shows it:
//	                                 secrets masked — never the unmasked value>)
//	Log (L)        PagerCmd(opts.Pager, filepath.Join(eng.RunDir(), attempt.Log), stepID)
//	               for the selected step's last attempt (none → say "no log yet")
//	Values (v)     state = stateValues; return LoadValuesCmd(eng)
//	Background (b) state = stateBackground; return LoadBackgroundCmd(eng, m.running)
//
// New view states: stateValues → m.values.Update(msg); stateBackground →
// m.bg.Update(msg); stateSummary → m.summary.Update(msg). Each gets
// SetSize(width, mainHeight) from the root's SetSize, draws in place of the
// main screen (View), and contributes ShortHelp/FullHelp to the help bar.
//
// Messages the root handles (type switch in Update, any state):
//
//	ClipboardCopiedMsg   → say "copied <What> (<Via>)" or the error
//	PagerDoneMsg         → say the error if any (the terminal is back)
//	ValuesLoadedMsg      → m.values.SetRows(msg.Rows)
//	ValueEditedMsg       → Kind EditOutput:  Cmd eng.ConfirmOutputs(msg.Step, {msg.Name: msg.Value})
//	                       Kind EditSession: Cmd eng.SetSessionValue(msg.Name, msg.Value)
//	                       then LoadValuesCmd again (EditValueCmd does both)
//	ValuesClosedMsg, BackgroundClosedMsg, SummaryClosedMsg → state = stateMain
//	BackgroundLoadedMsg  → m.bg.SetRows(msg.Rows)
//	StopBackgroundMsg    → StopBackgroundCmd(eng, msg.ID) (answers BackgroundStoppedMsg,
//	                       after which LoadBackgroundCmd again)
//	OpenLogMsg           → PagerCmd(opts.Pager, filepath.Join(eng.RunDir(), msg.Log), msg.Step)
//	ExportReportMsg      → ExportCmd(opts.Export, msg.Format) (answers ReportExportedMsg,
//	                       which goes to m.summary.Update)
//	SummaryQuitMsg       → quit as `q` does
//	tea.MouseWheelMsg, tea.MouseClickMsg (stateMain) → MouseAt(msg, m.layout());
//	                       Scroll: send Delta up/down presses of k.Up/k.Down to
//	                       that pane (or its ScrollBy); Select: checklist row;
//	                       Focus: setFocus. View sets v.MouseMode = tea.MouseModeCellMotion.
//
// Engine output events of a background step (Event.Step running in the
// background, not the shown step) go to m.bg.Observe(step, attempt, data)
// so its last line is live.
//
// The run finished (RunView.Complete after a step, or the Session's "done"
// action): m.summary.SetView(view, elapsed) and state = stateSummary.
//
// On exit, cmd prints ResumeHint(...) (resume_hint.go) when the run is not
// finished.

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Glyphs are the characters the new components draw with: Unicode by
// default, ASCII under LANG=C (a terminal that cannot show the frames
// would mix them with ASCII).
type Glyphs struct {
	Border   lipgloss.Border
	Ellipsis string
	Cursor   string // the selected row's marker
	Sep      string // between items on one line
	Icons    map[journal.Status]string
}

// UnicodeGlyphs are the default glyphs (the icons of statusIcon).
func UnicodeGlyphs() Glyphs {
	icons := map[journal.Status]string{}
	for _, s := range allStatuses {
		icons[s] = statusIcon(s)
	}
	return Glyphs{Border: lipgloss.RoundedBorder(), Ellipsis: "…", Cursor: "›", Sep: " · ", Icons: icons}
}

// ASCIIGlyphs are the glyphs for a terminal without Unicode (LANG=C).
func ASCIIGlyphs() Glyphs {
	return Glyphs{Border: lipgloss.ASCIIBorder(), Ellipsis: "...", Cursor: ">", Sep: " - ", Icons: map[journal.Status]string{
		journal.Pending: "-", journal.Running: "*", journal.OK: "+", journal.Failed: "x",
		journal.Skipped: ">", journal.DoneByHand: "v", journal.AlreadyDone: "=",
		journal.Interrupted: "!", journal.TimedOut: "T", journal.Stale: "~",
	}}
}

var allStatuses = []journal.Status{journal.Pending, journal.Running, journal.OK, journal.Failed,
	journal.Skipped, journal.DoneByHand, journal.AlreadyDone, journal.Interrupted, journal.TimedOut, journal.Stale}

// Icon is a status's icon, styled.
func (g Glyphs) Icon(st *Styles, s journal.Status) string {
	i, ok := g.Icons[s]
	if !ok {
		i = "?"
	}
	return st.Status[s].Render(i)
}

// FeatureKeys are the main screen's keys that open the new components.
type FeatureKeys struct {
	Copy, Log, Values, Background key.Binding
}

// DefaultFeatureKeys: `y` yanks (vim, lazygit, k9s), `L` the log in a pager
// (`l` folds), `v` values, `b` background steps.
func DefaultFeatureKeys() FeatureKeys {
	b := func(k, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(k), key.WithHelp(help, desc))
	}
	return FeatureKeys{
		Copy:       b("y", "y", "copy command/output"),
		Log:        b("L", "L", "log in $PAGER"),
		Values:     b("v", "v", "values"),
		Background: b("b", "b", "background steps"),
	}
}

// ShortHelp is the feature keys for the help bar.
func (k FeatureKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Copy, k.Log, k.Values, k.Background}
}

// FullHelp is the feature keys as one column of `?`.
func (k FeatureKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// panel is a bordered box drawn with the glyphs' border.
func panel(st *Styles, g Glyphs, focused bool, title, info, content string, w, h int) string {
	return paneWith(st, g.Border, g.Ellipsis, focused, title, info, content, w, h)
}

// truncateWith cuts s to w cells, marking the cut with tail.
func truncateWith(s string, w int, tail string) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, tail)
}

// padRight pads s with spaces to w cells.
func padRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
