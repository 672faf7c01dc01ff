package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// dialog is a huh form shown as a child model, with what to do once it is
// submitted. onSubmit only builds a Cmd: engine calls happen in the Cmd.
type dialog struct {
	common   *Common
	width    int
	height   int
	title    string
	form     *huh.Form
	onSubmit func() tea.Cmd
	// onStepEnd, when set, is told that the running step ended while the
	// dialog was open (a quit dialog about that step).
	onStepEnd func(id string, st journal.Status)
	// onCancel, when set, is told that the dialog was closed unanswered.
	onCancel func()

	// huh moves to the next field through a Cmd, so keys typed right after
	// enter would reach the field just left. Until the move lands they
	// wait here (see Model.forwardToDialog).
	holding bool
	held    []tea.KeyPressMsg
	gen     int
}

func (m *Model) theme() huh.Theme {
	if m.styles.NoColor {
		return huh.ThemeFunc(noColorTheme)
	}
	return huh.ThemeFunc(huh.ThemeCharm)
}

// noColorTheme is huh's base theme with the focused button marked by
// brackets: the base theme marks it by colour alone, so under NO_COLOR
// "Interrupt and quit  Keep running" gave no clue which one enter picks.
func noColorTheme(isDark bool) *huh.Styles {
	t := huh.ThemeBase(isDark)
	b := lipgloss.NewStyle().Padding(0, 1).MarginRight(1)
	focused := b.Border(lipgloss.Border{Left: "[", Right: "]"}, false, true)
	blurred := b.Border(lipgloss.Border{Left: " ", Right: " "}, false, true)
	t.Focused.FocusedButton, t.Focused.BlurredButton = focused, blurred
	t.Blurred.FocusedButton, t.Blurred.BlurredButton = focused, blurred
	return t
}

// openDialog shows a form in the right-hand column.
func (m *Model) openDialog(title string, onSubmit func() tea.Cmd, groups ...*huh.Group) tea.Cmd {
	w := max(m.dialogWidth()-4, 20)
	f := huh.NewForm(groups...).
		WithTheme(m.theme()).
		WithShowHelp(true).
		WithWidth(w)
	m.dialog = &dialog{common: &m.common, title: title, form: f, onSubmit: onSubmit}
	m.state = stateDialog
	// The dialog has the keys: only its pane is marked focused.
	m.checklist.SetFocused(false)
	init := f.Init()
	// Size the form now so that its first frame is laid out (the size
	// bubbletea reports later only confirms it).
	m.dialog.SetSize(m.dialogWidth(), m.mainHeight())
	f.Update(m.dialog.sizeMsg())
	return init
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
	case isKey && key.Matches(km, m.common.Keys.FieldMove) && after == before && d.form.State == huh.StateNormal &&
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
	abort := key.Matches(msg, m.common.Keys.Abort)
	cancel := key.Matches(msg, m.common.Keys.Cancel) || abort
	if m.dialog != nil && m.dialog.holding && !cancel {
		m.dialog.held = append(m.dialog.held, msg)
		return nil
	}
	if cancel {
		if abort && m.running != "" {
			m.interrupt()
		}
		if m.dialog != nil && m.dialog.onCancel != nil {
			m.dialog.onCancel()
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
		if m.dialog.onCancel != nil {
			m.dialog.onCancel()
		}
		m.closeDialog()
	}
	return nil
}

func (m *Model) closeDialog() {
	m.dialog = nil
	if m.state == stateDialog {
		m.state = stateMain
	}
	m.setFocus(m.focus)
}

func (m *Model) dialogView() string { return m.dialog.View() }

// SetSize sizes the dialog's pane (border included). The form's width
// was fixed when it opened (huh then ignores a size message for it): it
// is set again, or the form keeps its old width and overflows a narrower
// pane, or stays narrow in a wider one.
func (d *dialog) SetSize(w, h int) {
	d.width, d.height = w, h
	d.form = d.form.WithWidth(max(w-4, 20))
}

// sizeMsg is the size message for the form itself, inside the pane.
func (d *dialog) sizeMsg() tea.Msg {
	return tea.WindowSizeMsg{Width: d.width - 4, Height: d.height - 4}
}

// View renders the form in its pane.
func (d *dialog) View() string {
	return pane(d.common.Styles, true, d.title, "esc cancels", d.form.View(), d.width, d.height)
}

// ShortHelp is the keys every dialog has besides its form's own (which
// the form shows itself).
func (d *dialog) ShortHelp() []key.Binding {
	k := d.common.Keys
	return []key.Binding{k.Cancel, k.Abort}
}

// FullHelp is ShortHelp in a column.
func (d *dialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
