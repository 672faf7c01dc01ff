package tui

// WIRING — how the root model uses the components in clipboard.go,
// pager.go, summary.go, values.go, background_view.go, mouse.go and
// resume_hint.go. Each is self-contained: built from values passed in,
// its own keymap (key.Matches), no I/O in Update — every engine or disk
// call is one of the tea.Cmd constructors named below. The root only
// routes. features_test.go drives a minimal root wired exactly like this.
//
// 1. Options (filled by cmd/runbook/tui.go; no env reads in tui/):
//
//	Glyphs         Glyphs          // UnicodeGlyphs(), or ASCIIGlyphs() under LANG=C
//	ClipboardTools []ClipboardTool // DetectClipboard(exec.LookPath, os.Getenv)
//	Pager          []string        // PagerCommand(os.Getenv("PAGER"))
//	Export         ExportFunc      // tuiExporter(engine, os.LookupEnv, time.Now)
//	DocPath, RunName, StateDir string // for the summary and ResumeHint
//
// 2. Engine: add to tui.Engine the methods of ValuesSource (Session),
// SessionValueSetter (SetSessionValue), BackgroundSource (Background)
// and BackgroundStopper (StopBackground); *steps.Engine has them (the
// asserts in values.go and background_view.go keep it so), the test fake
// needs four one-liners.
//
// 3. Construction in New:
//
//	m.feat    = DefaultFeatureKeys()
//	m.clip    = NewClipboard(opts.ClipboardTools)
//	m.values  = NewValuesView(&m.common, opts.Glyphs)
//	m.bg      = NewBackgroundView(&m.common, opts.Glyphs)
//	m.summary = NewSummary(&m.common, opts.Glyphs, opts.DocPath, opts.RunName)
//
// and in SetSize: each .SetSize(m.width, m.mainHeight()).
//
// 4. New view states, drawn in place of the main screen (View), routed
// every message that is not the root's own, and giving the help bar
// their ShortHelp/FullHelp: stateValues → m.values, stateBackground →
// m.bg, stateSummary → m.summary. While m.values.Editing(), every key
// goes to it (none to the root's bindings, not even q).
//
// 5. Keys on the main screen (stateMain), with key.Matches against m.feat
// before the focused pane's keys:
//
//	Copy (y)       output pane focused → CopyCmd(m.clip, "output", m.output.VisibleText())
//	               otherwise → CopyCmd(m.clip, "command", <the selected step's command
//	               as the detail pane previews it: placeholders filled, secrets
//	               MASKED — never copy an unmasked secret to a clipboard>)
//	Log (L)        PagerCmd(opts.Pager, filepath.Join(eng.RunDir(), lastAttempt.Log), id)
//	               ("" log → PagerCmd answers "step X has no log yet")
//	Values (v)     state = stateValues; LoadValuesCmd(eng)
//	Background (b) state = stateBackground; LoadBackgroundCmd(eng, m.running)
//	Summary (S)    state = stateSummary; m.summary.SetView(snap.view, RunElapsed(snap.state))
//
// 6. Messages (Update's type switch, any state):
//
//	ClipboardCopiedMsg   → m.say(msg.Text()) (an error when msg.Err != nil)
//	PagerDoneMsg         → say msg.Err if set; the terminal is back
//	OpenLogMsg           → PagerCmd(opts.Pager, filepath.Join(eng.RunDir(), msg.Log), msg.Step)
//	ValuesLoadedMsg      → m.values.SetRows(msg.Rows)
//	ValueEditedMsg       → SetSessionValueCmd(eng, msg)
//	ValueSavedMsg        → say the error, or "NAME set for this run"; LoadValuesCmd(eng)
//	ValuesAnsweredMsg    → answer the Session's ActOutputs: msg.Skip ?
//	                       Choice{Kind: steps.ChooseSkip} : Choice{Kind: steps.ChooseValues,
//	                       Values: msg.Values}; state = stateMain
//	ValuesClosedMsg, BackgroundClosedMsg, SummaryClosedMsg → state = stateMain
//	BackgroundLoadedMsg  → m.bg.SetRows(msg.Rows)
//	StopBackgroundMsg    → StopBackgroundCmd(eng, msg.ID)
//	BackgroundStoppedMsg → m.bg.Update(msg); LoadBackgroundCmd(eng, m.running)
//	ExportReportMsg      → ExportCmd(opts.Export, msg.Format)
//	ReportExportedMsg    → m.summary.Update(msg)
//	SummaryQuitMsg       → as `q`
//	tea.MouseWheelMsg, tea.MouseClickMsg (stateMain only) →
//	    a := MouseAt(msg, MainLayout(m.width, m.mainHeight(), m.leftWidth(), outH))
//	    MouseScroll: for each p in ScrollKeys(m.common.Keys, a.Delta): the pane's Update(p)
//	    MouseSelect: if SelectChecklistRow(m.checklist, a.Row) { setFocus(checklist);
//	                 selectionChanged() } (mouse.go reaches into Checklist's
//	                 offset/visible/cursor/scroll: adjust if the split renames them)
//	    MouseFocus:  setFocus(pane)
//	  and View sets v.MouseMode = tea.MouseModeCellMotion (shift+drag still
//	  selects text in most terminals).
//
// 7. The Session's ActOutputs (a step wrote named outputs): instead of a
// huh form, m.values.Confirm(a.Step.ID, a.Outputs); state = stateValues.
//
// 8. Engine output events (eventsMsg) of a step that is not the shown
// one and runs in the background: m.bg.Observe(ev.Step, ev.Attempt,
// ev.Output) (cheap: it keeps one line).
//
// 9. The run is complete (RunView.Complete after a step, or the Session's
// done action): m.summary.SetView(view, RunElapsed(view.State)); state =
// stateSummary.
//
// 10. On exit, cmd prints ResumeHint(file, run, stateDir, finished) on
// stderr when it is not "" (after the terminal is restored).

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
	Copy, Log, Values, Background, Summary key.Binding
}

// DefaultFeatureKeys: `y` yanks (vim, lazygit, k9s), `L` the log in a pager
// (`l` folds), `v` values, `b` background steps, `S` the run's summary
// (and its report export) at any time.
func DefaultFeatureKeys() FeatureKeys {
	b := func(k, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(k), key.WithHelp(help, desc))
	}
	return FeatureKeys{
		Copy:       b("y", "y", "copy"),
		Log:        b("L", "L", "log in $PAGER"),
		Values:     b("v", "v", "values"),
		Background: b("b", "b", "background"),
		Summary:    b("S", "S", "summary"),
	}
}

// ShortHelp is the feature keys for the help bar.
func (k FeatureKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Copy, k.Log, k.Values, k.Background, k.Summary}
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

// navHelp names up and down in a view's help as the main keymap does: an
// ASCII terminal gets "up/k", not "^/k" and "v/j" (v opens the values).
func navHelp(c *Common, up, down *key.Binding) {
	up.SetHelp(c.Keys.Up.Help().Key, up.Help().Desc)
	down.SetHelp(c.Keys.Down.Help().Key, down.Help().Desc)
}
