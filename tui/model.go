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
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
	"github.com/runbook-sh/runbook/steps"
)

// viewState is what the root shows and routes keys to.
type viewState int

const (
	stateMain   viewState = iota // checklist + detail + output
	stateDialog                  // a huh form in the right column
	stateDiff                    // write-back diff, then confirm
)

func (s viewState) String() string {
	switch s {
	case stateMain:
		return "main"
	case stateDialog:
		return "dialog"
	case stateDiff:
		return "diff"
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
	// Editor is the command for editing a step ($EDITOR); "" disables it.
	Editor string
	// Now is the clock; nil → time.Now.
	Now func() time.Time
	// OfferNewRun lets the resume dialog start a new run instead (the
	// caller then opens one when Result.NewRun is set); otherwise an
	// unfinished run is simply resumed.
	OfferNewRun bool
}

// Result is how the TUI ended.
type Result struct {
	// NewRun is set when the engineer chose to start a new run instead of
	// resuming the unfinished one.
	NewRun bool
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
	diff      *DiffView
	dialog    *dialog
	focus     focusPane
	state     viewState

	snap       *snapshot
	refreshSeq int
	appliedSeq int
	started    time.Time
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
	message       string
	messageIsErr  bool
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
	m.styles = NewStyles(opts.IsDark, opts.NoColor)
	m.common = Common{Styles: &m.styles, Keys: DefaultKeyMap(), Now: opts.Now}
	m.started = opts.Now()
	m.checklist = NewChecklist(&m.common, m.doc)
	m.detail = NewDetailPane(&m.common, m.doc)
	m.output = NewOutputPane(&m.common)
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
	mainH := m.mainHeight()
	leftW := m.leftWidth()
	rightW := w - leftW
	outH := max(mainH*2/5, 5)
	m.checklist.SetSize(leftW, mainH)
	m.detail.SetSize(rightW, mainH-outH)
	m.output.SetSize(rightW, outH)
	if m.diff != nil {
		m.diff.SetSize(w, mainH)
	}
}

func (m *Model) leftWidth() int {
	return min(max(m.width*2/5, 24), 56)
}

func (m *Model) dialogWidth() int { return m.width - m.leftWidth() }

func (m *Model) helpView() string {
	if m.state == stateDialog {
		return ""
	}
	if m.state == stateDiff {
		return m.help.ShortHelpView(m.diff.ShortHelp())
	}
	return m.help.View(m)
}

// ShortHelp is the help bar: the step actions, then the focused pane's
// scrolling keys when it is not the checklist.
func (m *Model) ShortHelp() []key.Binding {
	k := m.common.Keys
	switch m.focus {
	case focusDetail:
		return append(m.detail.ShortHelp(), k.Focus, k.Help, k.Quit)
	case focusOutput:
		return append(m.output.ShortHelp(), k.Interrupt, k.Focus, k.Help, k.Quit)
	}
	return k.ShortHelp()
}

// FullHelp is the `?` help.
func (m *Model) FullHelp() [][]key.Binding { return m.common.Keys.FullHelp() }

func (m *Model) mainHeight() int {
	return max(m.height-1-lipgloss.Height(m.helpView()), 6)
}

func (m *Model) setFocus(f focusPane) {
	m.focus = f
	m.checklist.SetFocused(f == focusChecklist)
	m.detail.SetFocused(f == focusDetail)
	m.output.SetFocused(f == focusOutput)
}

func (m *Model) say(format string, args ...any) {
	m.message, m.messageIsErr = fmt.Sprintf(format, args...), false
}

func (m *Model) fail(err error) {
	m.message, m.messageIsErr = err.Error(), true
}

// Update routes a message: engine and command results first, then keys to
// the open dialog or the focused pane.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		// The form lives in the dialog pane, not the whole terminal. Its
		// width was fixed when it opened (huh then ignores a size message
		// for it): set it again, or the form keeps its old width and
		// overflows a narrower pane, or stays narrow in a wider one.
		if m.dialog != nil {
			m.dialog.form = m.dialog.form.WithWidth(max(m.dialogWidth()-4, 20))
		}
		return m, m.forwardToDialog(tea.WindowSizeMsg{Width: m.dialogWidth() - 4, Height: m.mainHeight() - 4})
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark(), m.opts.NoColor)
		m.help.Styles = m.styles.Help
		m.detail.prose = map[string]string{}
		m.detail.lines = nil
		return m, m.forwardToDialog(msg)
	case tickMsg:
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
		if msg.seq < m.appliedSeq {
			return m, nil
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
			return m, m.offerResume()
		}
		return m, nil
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
	case actionDoneMsg:
		if msg.err != nil {
			m.fail(msg.err)
			m.runAll = false
		} else if msg.text != "" {
			m.say("%s", msg.text)
		}
		if msg.vars {
			m.detail.ForgetPreviews()
		}
		return m, tea.Batch(m.refresh(), m.selectionChanged(), m.checkDoc())
	case diffMsg:
		if msg.err != nil {
			m.fail(fmt.Errorf("write-back: %w", msg.err))
			return m, nil
		}
		if strings.TrimSpace(msg.diff) == "" {
			m.say("nothing to write back: no new answers")
			if m.quitAfterDiff {
				return m, tea.Quit
			}
			return m, nil
		}
		m.diff = NewDiffView(&m.common, msg.diff)
		m.state = stateDiff
		m.SetSize(m.width, m.height)
		return m, nil
	case hintMsg:
		if m.message == "" {
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
		switch m.state {
		case stateDialog:
			return m, m.dialogKey(msg)
		case stateDiff:
			return m, m.diffKey(msg)
		}
		return m, m.mainKey(msg)
	}
	return m, m.forwardToDialog(msg)
}

// forwardToDialog gives the open form the messages it produced itself
// (field changes, cursor blinks) and resizes.
func (m *Model) forwardToDialog(msg tea.Msg) tea.Cmd {
	if m.state != stateDialog || m.dialog == nil {
		return nil
	}
	d := m.dialog
	before := d.form.GetFocusedField()
	f, cmd := d.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		d.form = ff
	}
	cmd = tea.Batch(cmd, m.dialogFinished())
	if m.dialog != d {
		return cmd // submitted or closed; keys still held were meant for it
	}
	after := d.form.GetFocusedField()
	km, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && isFieldMove(km) && after == before && d.form.State == huh.StateNormal &&
		(after == nil || after.Error() == nil):
		// A valid enter: huh's move to the next field is on its way.
		d.holding = true
		d.gen++
		gen := d.gen
		return tea.Batch(cmd, tea.Tick(150*time.Millisecond, func(time.Time) tea.Msg { return releaseKeysMsg{gen} }))
	case !isKey && d.holding && after != before:
		return tea.Batch(cmd, m.releaseHeldKeys())
	}
	return cmd
}

// releaseKeysMsg ends a hold that no field move ended (a field that stays
// put on enter): the keys then go where they would have gone.
type releaseKeysMsg struct{ gen int }

func isFieldMove(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "enter", "tab", "shift+tab":
		return true
	}
	return false
}

// releaseHeldKeys replays the keys typed during a field move, in order;
// one of them may start another move and hold the rest again.
func (m *Model) releaseHeldKeys() tea.Cmd {
	d := m.dialog
	if d == nil || !d.holding {
		return nil
	}
	keys := d.held
	d.held, d.holding = nil, false
	var cmds []tea.Cmd
	for i, k := range keys {
		if m.dialog != d {
			break
		}
		if d.holding {
			d.held = append(d.held, keys[i:]...)
			break
		}
		cmds = append(cmds, m.dialogKey(k))
	}
	return tea.Batch(cmds...)
}

func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
	cancel := key.Matches(msg, m.common.Keys.Cancel) || msg.String() == "ctrl+c"
	if m.dialog != nil && m.dialog.holding && !cancel {
		m.dialog.held = append(m.dialog.held, msg)
		return nil
	}
	if cancel {
		if msg.String() == "ctrl+c" && m.running != "" {
			m.interrupt()
		}
		m.closeDialog()
		m.say("cancelled")
		return nil
	}
	return m.forwardToDialog(msg)
}

func (m *Model) dialogFinished() tea.Cmd {
	if m.dialog == nil {
		return nil
	}
	switch m.dialog.form.State {
	case huh.StateCompleted:
		d := m.dialog
		m.closeDialog()
		return d.onSubmit()
	case huh.StateAborted:
		m.closeDialog()
	}
	return nil
}

func (m *Model) closeDialog() {
	m.dialog = nil
	if m.state == stateDialog {
		m.state = stateMain
	}
}

func (m *Model) diffKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.Cancel), key.Matches(msg, k.No), key.Matches(msg, k.Quit):
		m.diff, m.state = nil, stateMain
		m.SetSize(m.width, m.height)
		m.say("write-back cancelled: the doc is unchanged")
		if m.quitAfterDiff {
			return tea.Quit
		}
		return nil
	case key.Matches(msg, k.Yes):
		m.diff, m.state = nil, stateMain
		m.SetSize(m.width, m.height)
		eng, path := m.eng, m.doc.Path
		write := func() tea.Msg {
			if err := eng.WriteBack(); err != nil {
				return actionDoneMsg{err: fmt.Errorf("write-back: %w", err)}
			}
			return actionDoneMsg{text: "answers written to " + filepath.Base(path)}
		}
		if m.quitAfterDiff {
			m.quitAfterDiff = false
			return func() tea.Msg {
				if msg := write().(actionDoneMsg); msg.err != nil {
					return msg // stay: the engineer must see why
				}
				return tea.QuitMsg{}
			}
		}
		return write
	}
	m.diff.Update(msg)
	return nil
}

// handleEvents applies engine events in order.
func (m *Model) handleEvents(evs []Event) tea.Cmd {
	var cmds []tea.Cmd
	refresh := false
	for _, ev := range evs {
		if ev.Journal == nil {
			if ev.Step == m.shownStep && ev.Attempt == m.shownAttempt {
				if len(ev.Output) >= maxPendingOutput {
					m.output.Dropped()
				}
				m.output.Write(ev.Output)
			}
			continue
		}
		refresh = true
		j := ev.Journal
		switch j.Type {
		case journal.StepStarted:
			m.shownStep, m.shownAttempt = j.Step, j.Attempt
			title := j.Step
			if s := m.doc.Step(j.Step); s != nil && s.Title != "" {
				title = s.Title
			}
			m.output.Reset(fmt.Sprintf("%s #%d", title, j.Attempt))
		case journal.VariableSet, journal.StepEdited:
			m.detail.ForgetPreviews()
			cmds = append(cmds, m.selectionChanged())
		case journal.IdentityFound:
		}
	}
	if refresh {
		cmds = append(cmds, m.refresh())
	}
	return tea.Batch(cmds...)
}

// selectionChanged shows the selected item and fetches what it needs.
func (m *Model) selectionChanged() tea.Cmd {
	it, ok := m.checklist.Selected()
	if !ok {
		return nil
	}
	m.detail.SetItem(it)
	if it.kind != itemStep {
		return nil
	}
	s := it.step
	var cmds []tea.Cmd
	if _, ok := m.detail.Preview(s.ID); !ok && s.Kind != runbook.KindManual {
		eng := m.eng
		cmds = append(cmds, func() tea.Msg {
			p := preview{missing: eng.Missing(s.ID)}
			p.command, p.err = eng.Preview(s.ID)
			return previewMsg{id: s.ID, p: p}
		})
	}
	if m.running == "" && m.shownStep != s.ID {
		cmds = append(cmds, m.showLog(s))
	}
	return tea.Batch(cmds...)
}

// showLog points the output pane at the last attempt of a step and loads
// the tail of its log.
func (m *Model) showLog(s *runbook.Step) tea.Cmd {
	m.shownStep, m.shownAttempt = s.ID, 0
	m.output.Reset("")
	if m.snap == nil || m.snap.state == nil {
		return nil
	}
	ss := m.snap.state.Steps[s.ID]
	if ss == nil || len(ss.Attempts) == 0 {
		return nil
	}
	a := ss.Attempts[len(ss.Attempts)-1]
	m.shownAttempt = a.N
	title := s.Title
	if title == "" {
		title = s.ID
	}
	m.output.SetTitle(fmt.Sprintf("%s #%d", title, a.N))
	if a.Log == "" {
		return nil
	}
	path := filepath.Join(m.eng.RunDir(), a.Log)
	id, n := s.ID, a.N
	return func() tea.Msg {
		data, err := readTail(path, maxPendingOutput)
		if err != nil {
			return nil
		}
		return logTailMsg{id: id, attempt: n, data: data}
	}
}

func readTail(path string, n int64) ([]byte, error) {
	f, err := journal.OpenLog(path) // never through a symlink
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(fi.Size()-n, 0)
	buf := make([]byte, fi.Size()-off)
	_, err = f.ReadAt(buf, off)
	return buf, err
}

// selectedStep returns the step under the cursor, if it is one.
func (m *Model) selectedStep() *runbook.Step {
	it, ok := m.checklist.Selected()
	if !ok || it.kind != itemStep {
		return nil
	}
	return it.step
}

func (m *Model) mainKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.Interrupt):
		if m.running != "" {
			m.interrupt()
			m.say("interrupting %s…", m.running)
		} else {
			m.say("nothing is running; press q to quit")
		}
		return nil
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.SetSize(m.width, m.height)
		return nil
	case key.Matches(msg, k.Focus):
		m.setFocus((m.focus + 1) % 3)
		return nil
	case key.Matches(msg, k.Follow):
		m.output.Update(msg)
		return nil
	}
	if m.focus != focusChecklist {
		if key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom) {
			if m.focus == focusDetail {
				return m.detail.Update(msg)
			}
			return m.output.Update(msg)
		}
	}
	it, hasItem := m.checklist.Selected()
	s := m.selectedStep()
	switch {
	case key.Matches(msg, k.Run):
		if !hasItem {
			return nil
		}
		switch it.kind {
		case itemSection:
			m.checklist.Update(tea.KeyPressMsg{Code: tea.KeySpace})
			return nil
		case itemQuestion:
			return m.questionForm(it.question)
		}
		return m.startRun(s.ID, false)
	case key.Matches(msg, k.Retry):
		if s == nil {
			return m.noStep(msg)
		}
		return m.startRun(s.ID, false)
	case key.Matches(msg, k.RunAll):
		from := ""
		if s != nil {
			from = s.ID
		}
		return m.startRun(from, true)
	case key.Matches(msg, k.Skip):
		if s == nil {
			return m.noStep(msg)
		}
		sess := m.sess
		return m.textForm("Skip "+s.Title, "Why skip it? (kept in the run's record)", true, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "skipped " + s.ID, err: sess.Skip(s.ID, note)} }
		})
	case key.Matches(msg, k.MarkDone):
		if s == nil {
			return m.noStep(msg)
		}
		sess := m.sess
		return m.textForm("Mark done by hand", "How was it done? (optional note)", false, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "marked done: " + s.ID, err: sess.MarkDone(s.ID, note)} }
		})
	case key.Matches(msg, k.Note):
		id := ""
		if s != nil {
			id = s.ID
		}
		eng := m.eng
		return m.textForm("Add a note", "Note", true, func(note string) tea.Cmd {
			return func() tea.Msg { return actionDoneMsg{text: "note added", err: eng.Note(id, note)} }
		})
	case key.Matches(msg, k.Accept):
		if s == nil {
			return m.noStep(msg)
		}
		if m.snap.stepStatus(s.ID) != journal.Stale {
			m.say("%s has not changed since it ran; nothing to accept", s.ID)
			return nil
		}
		sess := m.sess
		return func() tea.Msg { return actionDoneMsg{text: "accepted as is: " + s.ID, err: sess.Accept(s.ID)} }
	case key.Matches(msg, k.EditInline):
		if s == nil || s.Kind == runbook.KindManual {
			return m.noStep(msg)
		}
		return m.editForm(s, m.currentCommand(s))
	case key.Matches(msg, k.Edit):
		if s == nil || s.Kind == runbook.KindManual {
			return m.noStep(msg)
		}
		// A blank $EDITOR ("EDITOR= " in a profile) names no program:
		// edit inline rather than exec nothing.
		if len(strings.Fields(m.opts.Editor)) == 0 {
			return m.editForm(s, m.currentCommand(s))
		}
		return m.openEditor(s)
	case key.Matches(msg, k.Answer):
		for _, q := range m.doc.Questions {
			if _, ok := m.snap.answer(q.ID); !ok {
				m.checklist.SelectStep(q.ID)
				m.selectionChanged()
				return m.questionForm(q)
			}
		}
		m.say("every question has an answer")
		return nil
	case key.Matches(msg, k.Fill):
		return m.fillAll()
	case key.Matches(msg, k.WriteBack):
		eng := m.eng
		return func() tea.Msg { d, err := eng.PendingWriteBack(); return diffMsg{diff: d, err: err} }
	}
	if m.focus == focusChecklist {
		before, _ := m.checklist.Selected()
		m.checklist.Update(msg)
		after, _ := m.checklist.Selected()
		if before != after {
			return m.selectionChanged()
		}
	}
	return nil
}

// currentCommand is the text to start editing from: the command already
// edited for this run, else the block as written (placeholders unfilled,
// so no secret is ever put in an editor buffer).
// noStep says why a step action did nothing: on a section or a question
// the key used to be silently ignored.
func (m *Model) noStep(msg tea.KeyPressMsg) tea.Cmd {
	if s := m.selectedStep(); s != nil && s.Kind == runbook.KindManual {
		m.say("a manual step has no command to edit")
		return nil
	}
	m.say("%s works on a step: select one first", msg.String())
	return nil
}

func (m *Model) currentCommand(s *runbook.Step) string {
	if m.snap != nil && m.snap.state != nil {
		if ss := m.snap.state.Steps[s.ID]; ss != nil && ss.Command != "" && !strings.Contains(ss.Command, "****") {
			return ss.Command
		}
	}
	return s.Code
}

// fillAll reads every placeholder's value (in a Cmd) for the preflight
// form: all of them up front, the missing ones required.
func (m *Model) fillAll() tea.Cmd {
	eng, doc := m.eng, m.doc
	return func() tea.Msg {
		missing := map[string]bool{}
		for _, n := range eng.Missing("") {
			missing[n] = true
		}
		var items []preflightItem
		for _, p := range doc.Placeholders {
			v, has := eng.Var(p.Name)
			it := preflightItem{name: p.Name, has: has, secret: eng.IsSecret(p.Name), missing: missing[p.Name]}
			if !it.secret {
				it.value = v
			}
			items = append(items, it)
		}
		return preflightMsg{items: items}
	}
}

// missingHint tells, on a new run, how many values the doc needs and how
// to give them all up front.
func (m *Model) missingHint() tea.Cmd {
	eng := m.eng
	return func() tea.Msg {
		n := len(eng.Missing(""))
		if n == 0 {
			return nil
		}
		return hintMsg(fmt.Sprintf("%d value(s) needed: p fills them now, or each is asked when a step needs it", n))
	}
}

// unwritten counts answers given but not yet written into the doc.
func (m *Model) unwritten() int {
	n := 0
	for _, q := range m.doc.Questions {
		if a, ok := m.snap.answer(q.ID); ok && !a.Skipped && !a.Written {
			n++
		}
	}
	return n
}

// View renders the whole screen.
func (m *Model) View() tea.View {
	// The one place every frame passes: whatever doc text or value a
	// component forgot to escape loses its OSC, DCS, APC, PM and SOS here.
	v := tea.NewView(termtext.Clean(m.Render()))
	v.AltScreen = true
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
	case stateDialog:
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.checklist.View(), m.dialogView())
	default:
		right := lipgloss.JoinVertical(lipgloss.Left, m.detail.View(), m.output.View())
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.checklist.View(), right)
	}
	parts := []string{m.statusBar(), body}
	if h := m.helpView(); h != "" {
		parts = append(parts, h)
	}
	return lipgloss.JoinVertical(lipgloss.Left, parts...)
}

func (m *Model) dialogView() string {
	w, h := m.dialogWidth(), m.mainHeight()
	content := m.dialog.form.View()
	return pane(m.common.Styles, true, m.dialog.title, "esc cancels", content, w, h)
}

// statusBar: run, doc, AWS identity, progress and elapsed, or a message.
func (m *Model) statusBar() string {
	st := m.styles
	run := ""
	started := m.started
	var ident *journal.Identity
	if m.snap != nil && m.snap.state != nil {
		run = m.snap.state.Run
		if !m.snap.state.Started.IsZero() {
			started = m.snap.state.Started
		}
		ident = m.snap.state.Identity
	}
	done, total := m.checklist.Progress()
	el := m.common.Now().Sub(started).Truncate(time.Second)
	right := fmt.Sprintf("%d/%d · %s ", done, total, fmtDuration(el))
	if m.running != "" {
		right = fmt.Sprintf("%s %s · %s", m.running, fmtDuration(m.common.Now().Sub(m.runStarted)), right)
	}
	msg := ""
	if m.message != "" {
		msg = " " + m.message
	}
	// The left part loses detail until the message fits.
	aws := ""
	if ident != nil && ident.Account != "" {
		aws = " · aws " + ident.Account
		if ident.Region != "" {
			aws += " " + ident.Region
		}
	}
	doc := " · " + filepath.Base(m.doc.Path)
	runPart := ""
	if run != "" {
		runPart = " · run " + run
	}
	candidates := []string{" runbook" + runPart + doc + aws, " runbook" + runPart + aws, strings.TrimPrefix(runPart, " · ") + aws}
	left := candidates[0]
	for _, c := range candidates {
		left = " " + strings.TrimLeft(c, " ")
		if m.width-lipgloss.Width(left)-lipgloss.Width(right) >= min(lipgloss.Width(msg), 48)+1 {
			break
		}
	}
	avail := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	msg = truncate(msg, max(avail-1, 0))
	gap := max(avail-lipgloss.Width(msg), 0)
	msgStyle := st.StatusBar
	if m.messageIsErr {
		msgStyle = msgStyle.Foreground(st.Error.GetForeground()).Bold(true)
	}
	line := st.StatusKey.Render(left) + msgStyle.Render(msg) + st.StatusBar.Render(strings.Repeat(" ", gap)+right)
	return truncate(line, m.width)
}

func fmtDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	h := int(d.Hours())
	mnt := int(d.Minutes()) % 60
	s := int(d.Seconds()) % 60
	return fmt.Sprintf("%02d:%02d:%02d", h, mnt, s)
}
