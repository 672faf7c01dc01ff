// Package tui is the interactive checklist: one root Model routing messages
// to child components (checklist, detail, output, dialogs, diff view). It
// drives an Engine and never executes or parses anything itself; every
// engine call happens in a tea.Cmd.
package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
)

// viewState is what the root shows and routes keys to.
type viewState int

const (
	stateMain       viewState = iota // checklist + detail + output
	stateDialog                      // a huh form in the right column
	stateDiff                        // write-back diff, then confirm
	stateValues                      // captured values (and outputs to confirm)
	stateBackground                  // background steps
	stateSummary                     // the run's summary and report export
	statePast                        // a finished run, read-only (pastview.go)
)

func (s viewState) String() string {
	switch s {
	case stateMain:
		return "main"
	case stateDialog:
		return "dialog"
	case stateDiff:
		return "diff"
	case statePast:
		return "past"
	case stateValues:
		return "values"
	case stateBackground:
		return "background"
	case stateSummary:
		return "summary"
	}
	return fmt.Sprintf("viewState(%d)", int(s))
}

// focusPane is the pane that gets navigation keys in stateMain.
type focusPane int

const (
	focusChecklist focusPane = iota
	focusDetail
	focusOutput
)

// Options configure a Model.
type Options struct {
	// Ctx bounds every step run from the TUI.
	Ctx context.Context
	// IsDark selects the palette until the terminal reports its background.
	IsDark bool
	// NoColor drops colours (NO_COLOR).
	NoColor bool
	// ASCII draws frames, icons and markers in ASCII (a terminal whose
	// locale is not UTF-8, such as LANG=C).
	ASCII bool
	// Editor is the command for editing a step ($EDITOR); "" disables it.
	Editor string
	// Now is the clock; nil → time.Now.
	Now func() time.Time
	// OfferNewRun lets the resume dialog start a new run instead (the
	// caller then opens one when Result.NewRun is set); otherwise an
	// unfinished run is simply resumed.
	OfferNewRun bool
	// PastRuns are the doc's runs, most recent first, for the past-runs
	// picker (P); the caller opens the one picked (Result.OpenRun).
	PastRuns []PastRun
	// RunName is the run the engine opened (before its first event the
	// journal does not name it yet); Previous, when set, is the lane's
	// run that this new run follows.
	RunName  string
	Previous *PastRun
	// ClipboardTools copy with `y` besides OSC 52 (DetectClipboard).
	ClipboardTools []ClipboardTool
	// Pager shows a step's log with `L` (PagerCommand($PAGER)).
	Pager []string
	// Export writes the run's report from the summary; nil says it cannot.
	Export ExportFunc
}

// Result is how the TUI ended.
type Result struct {
	// NewRun is set when the engineer chose to start a new run instead of
	// resuming the unfinished one.
	NewRun bool
	// OpenRun is the past run the engineer picked to open instead.
	OpenRun string
	// Interrupted is the step that quitting (q, a hang-up) interrupted.
	Interrupted string
	// HungUp is set when the terminal went away (SIGHUP) or runbook was
	// told to stop (SIGTERM).
	HungUp bool
}

// Model is the root model.
type Model struct {
	common Common
	styles Styles
	opts   Options
	ctx    context.Context
	eng    Engine
	sess   *steps.Session
	doc    *runbook.Document
	bridge *bridge

	checklist *Checklist
	detail    *DetailPane
	output    *OutputPane
	help      help.Model
	status    *StatusBar
	filter    *Filter
	diff      *DiffView
	past      *pastView // a finished run shown read-only, in statePast
	dialog    *dialog
	clip      *Clipboard
	values    *ValuesView
	bg        *BackgroundView
	summary   *Summary
	// confirming is the step whose outputs the values view confirms.
	confirming string
	focus      focusPane
	state      viewState

	in         inputMode // the running step's input (waiting.go)
	snap       *snapshot
	refreshSeq int
	appliedSeq int
	resumeSeen bool

	running       string // step id running now
	runStarted    time.Time
	runCancel     context.CancelCauseFunc
	runs          sync.WaitGroup // engine calls still running in Cmds
	runAll        bool
	quitAfterRun  bool
	quitAfterDiff bool   // quit once the write-back diff is answered
	shownStep     string // whose output the output pane shows
	shownAttempt  int
	width, height int
	result        Result
}

// New builds the root model. It does no I/O: the first snapshot of the run
// is read by a Cmd from Init.
func New(eng Engine, opts Options) *Model {
	if opts.Ctx == nil {
		opts.Ctx = context.Background()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Model{opts: opts, ctx: opts.Ctx, eng: eng, doc: eng.Doc(), bridge: newBridge()}
	// The TUI can always ask: every action is a dialog or a message.
	m.sess = steps.NewSession(eng, steps.Policy{Ask: true})
	m.styles = m.newStyles(opts.IsDark)
	m.common = Common{Styles: &m.styles, Keys: DefaultKeyMap(opts.ASCII), Now: opts.Now}
	m.status = NewStatusBar(&m.common)
	m.filter = NewFilter(&m.common)
	m.checklist = NewChecklist(&m.common, m.doc)
	m.checklist.SetFilter(m.filter)
	m.detail = NewDetailPane(&m.common, m.doc)
	m.output = NewOutputPane(&m.common)
	g := UnicodeGlyphs()
	if opts.ASCII {
		g = ASCIIGlyphs()
	}
	m.clip = NewClipboard(opts.ClipboardTools)
	m.values = NewValuesView(&m.common, g)
	m.bg = NewBackgroundView(&m.common, g)
	m.summary = NewSummary(&m.common, g, m.doc.Path, opts.RunName)
	m.help = help.New()
	m.help.Styles = m.styles.Help
	m.setFocus(focusChecklist)
	if it, ok := m.checklist.Selected(); ok {
		m.detail.SetItem(it)
	}
	m.SetSize(80, 24)
	return m
}

// Result reports how the TUI ended.
func (m *Model) Result() Result { return m.result }

// Bridge is the engine subscriber feeding this model; Run subscribes it.
func (m *Model) subscriber() func(Event) { return m.bridge.push }

// Messages produced by Cmds.
type (
	snapshotMsg struct {
		seq  int
		snap *snapshot
	}
	previewMsg struct {
		id string
		p  preview
	}
	runDoneMsg struct {
		id     string
		status journal.Status
		err    error
	}
	actionDoneMsg struct {
		text string
		err  error
		vars bool // previews must be recomputed
	}
	diffMsg struct {
		diff string
		err  error
	}
	logTailMsg struct {
		id      string
		attempt int
		data    []byte
	}
	editorDoneMsg struct {
		step *runbook.Step
		path string
		orig string // the command the editor was given
		err  error
	}
	tickMsg      time.Time
	preflightMsg struct{ items []preflightItem }
	// hintMsg is a message for the status bar that changes nothing else.
	hintMsg string
)

// Init starts the event subscription, reads the run and starts the clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.bridge.wait, m.refresh(), tick(), tea.RequestBackgroundColor, m.selectionChanged())
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// refresh reads the run's view (journal.RunView) from the session in a
// Cmd.
func (m *Model) refresh() tea.Cmd {
	m.refreshSeq++
	seq, sess := m.refreshSeq, m.sess
	return func() tea.Msg { return snapshotMsg{seq: seq, snap: newSnapshot(sess.View())} }
}

// SetSize lays the components out for a terminal size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	m.status.SetSize(w, 1)
	mainH := m.mainHeight()
	leftW := m.leftWidth()
	rightW := w - leftW
	outH := max(mainH*2/5, 5)
	m.checklist.SetSize(leftW, mainH)
	m.detail.SetSize(rightW, mainH-outH)
	m.output.SetSize(rightW, outH)
	m.values.SetSize(w, mainH)
	m.bg.SetSize(w, mainH)
	m.summary.SetSize(w, mainH)
	if m.diff != nil {
		m.diff.SetSize(w, mainH)
	}
	if m.past != nil {
		m.past.SetSize(w, mainH)
	}
	if m.dialog != nil {
		// The form's own size message goes with the WindowSizeMsg.
		m.dialog.SetSize(rightW, mainH)
	}
}

func (m *Model) leftWidth() int {
	return min(max(m.width*2/5, 24), 56)
}

func (m *Model) dialogWidth() int { return m.width - m.leftWidth() }

func (m *Model) mainHeight() int {
	return max(m.height-1-lipgloss.Height(m.helpView()), 6)
}

// layout is where the main screen's panes are, for the mouse: below
// the status bar.
func (m *Model) layout() Layout {
	mainH := m.mainHeight()
	l := MainLayout(m.width, mainH, m.leftWidth(), max(mainH*2/5, 5))
	for _, r := range []*Rect{&l.Checklist, &l.Detail, &l.Output} {
		r.Y++
	}
	return l
}

func (m *Model) setFocus(f focusPane) {
	m.focus = f
	m.checklist.SetFocused(f == focusChecklist)
	m.detail.SetFocused(f == focusDetail)
	m.output.SetFocused(f == focusOutput)
}

func (m *Model) say(format string, args ...any) { m.status.Say(fmt.Sprintf(format, args...)) }

func (m *Model) fail(err error) { m.status.Fail(err.Error()) }

// failf shows an error message.
func (m *Model) failf(format string, args ...any) { m.status.Fail(fmt.Sprintf(format, args...)) }

// newStyles builds the styles for a background, with the model's colour
// and ASCII settings.
func (m *Model) newStyles(isDark bool) Styles {
	st := NewStyles(isDark, m.opts.NoColor)
	if m.opts.ASCII {
		st = st.WithASCII()
	}
	return st
}

// Update routes a message: engine and command results first, then keys to
// the open dialog or the focused pane.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		// The form lives in the dialog pane, not the whole terminal.
		if m.dialog != nil {
			// SetSize above sized its pane; the form gets its own size.
			return m, m.forwardToDialog(m.dialog.sizeMsg())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.styles = m.newStyles(msg.IsDark())
		m.help.Styles = m.styles.Help
		m.detail.prose = map[string]string{}
		m.detail.lines = nil
		return m, m.forwardToDialog(msg)
	case tickMsg:
		m.status.Expire(m.common.Now())
		return m, tea.Batch(tick(), m.checkDoc())
	case docMsg:
		return m, m.docChanged(msg)
	case actionMsg:
		return m, m.onAction(msg)
	case eventsMsg:
		return m, tea.Batch(m.handleEvents(msg.events), m.bridge.wait)
	case bridgeClosedMsg:
		return m, nil
	case snapshotMsg:
		return m, m.applySnapshot(msg)
	case actionDoneMsg:
		return m, m.actionDone(msg)
	case diffMsg:
		return m, m.showDiff(msg)
	case previewMsg:
		m.detail.SetPreview(msg.id, msg.p)
		return m, nil
	case logTailMsg:
		if m.running == "" && m.shownStep == msg.id && m.shownAttempt == msg.attempt {
			m.output.Write(msg.data)
		}
		return m, nil
	case preflightMsg:
		if len(msg.items) == 0 {
			m.say("this runbook has no placeholders")
			return m, nil
		}
		return m, m.preflightForm(msg.items)
	case runDoneMsg:
		return m, m.runDone(msg)
	case pastLoadedMsg, pastLogMsg, unreachableMsg, inputFailedMsg:
		return m, m.followUpMsg(msg)
	case hintMsg:
		if m.status.Message() == "" {
			m.say("%s", string(msg))
		}
		return m, nil
	case releaseKeysMsg:
		if m.dialog != nil && m.dialog.gen == msg.gen {
			return m, m.releaseHeldKeys()
		}
		return m, nil
	case editorReadyMsg:
		return m, m.editorReady(msg)
	case editorDoneMsg:
		return m, m.editorDone(msg)
	case tea.KeyPressMsg:
		return m, m.routeKey(msg)
	}
	if cmd, ok := m.featureMsg(msg); ok {
		return m, cmd
	}
	return m, m.forwardToDialog(msg)
}

// routeKey hands a key to what the screen shows: the open dialog, the
// diff, a full-screen view, else the main screen.
func (m *Model) routeKey(msg tea.KeyPressMsg) tea.Cmd {
	switch m.state {
	case stateDialog:
		return m.dialogKey(msg)
	case stateDiff:
		return m.diffKey(msg)
	case statePast:
		return m.pastKey(msg)
	case stateValues, stateBackground, stateSummary:
		return m.viewKey(msg)
	}
	return m.mainKey(msg)
}

// View renders the whole screen.
func (m *Model) View() tea.View {
	// The one place every frame passes: whatever doc text or value a
	// component forgot to escape loses its OSC, DCS, APC, PM and SOS here.
	v := tea.NewView(termtext.Clean(m.Render()))
	v.AltScreen = true
	// The wheel scrolls and a click selects (wire.go); shift+drag still
	// selects text in most terminals.
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "runbook · " + termtext.EscapeLine(filepath.Base(m.doc.Path))
	return v
}

// Render is the screen as a string (View without the terminal settings),
// used by golden tests.
func (m *Model) Render() string {
	var body string
	switch m.state {
	case stateDiff:
		body = m.diff.View()
	case statePast:
		body = m.past.View()
	case stateDialog:
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.checklist.View(), m.dialogView())
	case stateValues:
		body = m.values.View()
	case stateBackground:
		body = m.bg.View()
	case stateSummary:
		body = m.summary.View()
	default:
		right := lipgloss.JoinVertical(lipgloss.Left, m.detail.View(), m.output.View())
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.checklist.View(), right)
	}
	parts := []string{m.statusBar(), body}
	if h := m.helpView(); h != "" {
		parts = append(parts, h)
	}
	frame := lipgloss.JoinVertical(lipgloss.Left, parts...)
	if m.styles.ASCII {
		frame = asciiFrame(frame)
	}
	return frame
}

// applySnapshot shows the run as last read, unless a newer read is shown
// already; the first one offers to resume.
func (m *Model) applySnapshot(msg snapshotMsg) tea.Cmd {
	if msg.seq < m.appliedSeq {
		return nil
	}
	m.appliedSeq = msg.seq
	if m.running != "" {
		msg.snap.status[m.running] = journal.Running
	}
	m.snap = msg.snap
	m.checklist.SetSnapshot(m.snap)
	m.detail.SetSnapshot(m.snap)
	if !m.resumeSeen {
		m.resumeSeen = true
		return m.offerResume()
	}
	return nil
}

// actionDone says how a direct action (skip, note, answer…) went and
// reads the run and the doc again.
func (m *Model) actionDone(msg actionDoneMsg) tea.Cmd {
	if msg.err != nil {
		m.fail(msg.err)
		m.runAll = false
	} else if msg.text != "" {
		m.say("%s", msg.text)
	}
	if msg.vars {
		m.detail.ForgetPreviews()
	}
	return tea.Batch(m.refresh(), m.selectionChanged(), m.checkDoc())
}

// showDiff shows what a write-back would change, before asking.
func (m *Model) showDiff(msg diffMsg) tea.Cmd {
	if msg.err != nil {
		m.fail(fmt.Errorf("write-back: %w", msg.err))
		return nil
	}
	if strings.TrimSpace(msg.diff) == "" {
		m.say("nothing to write back: no new answers")
		if m.quitAfterDiff {
			return tea.Quit
		}
		return nil
	}
	m.diff = NewDiffView(&m.common, msg.diff)
	m.state = stateDiff
	m.SetSize(m.width, m.height)
	return nil
}
