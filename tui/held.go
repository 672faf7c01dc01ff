package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

// Held is a run on S3 that another engineer holds (docs/team.md): the
// TUI shows it read-only, with who holds it, and — once the holder's
// lease expired — offers to take it over.
type Held struct {
	Run string
	// Holder is "held by alice@bastion-1 since 14:02, lease live".
	Holder  string
	Expired bool // the lease expired: a take-over may be offered
	View    *journal.RunView
}

// heldKeys are the read-only view's keys.
type heldKeys struct {
	Quit, TakeOver, Confirm, Cancel, Up, Down key.Binding
}

func newHeldKeys() heldKeys {
	return heldKeys{
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		TakeOver: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "take over")),
		Confirm:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, take it over")),
		Cancel:   key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
		Up:       key.NewBinding(key.WithKeys("up", "k")),
		Down:     key.NewBinding(key.WithKeys("down", "j")),
	}
}

// heldModel is the read-only view of a held run.
type heldModel struct {
	h        Held
	st       Styles
	keys     heldKeys
	asking   bool // the take-over dialog is open
	takeOver bool
	offset   int
	width    int
	height   int
}

// NewHeld is the read-only view of h (exported for golden tests).
func NewHeld(h Held, noColor bool) tea.Model {
	return &heldModel{h: h, st: NewStyles(true, noColor), keys: newHeldKeys(), width: 80, height: 24}
}

func (m *heldModel) Init() tea.Cmd { return nil }

func (m *heldModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		switch {
		case m.asking && key.Matches(msg, m.keys.Confirm):
			m.takeOver = true
			return m, tea.Quit
		case m.asking && key.Matches(msg, m.keys.Cancel):
			m.asking = false
		case key.Matches(msg, m.keys.Quit):
			return m, tea.Quit
		case m.h.Expired && key.Matches(msg, m.keys.TakeOver):
			m.asking = true
		case key.Matches(msg, m.keys.Up):
			m.offset = max(0, m.offset-1)
		case key.Matches(msg, m.keys.Down):
			m.offset++
		}
	}
	return m, nil
}

// Render is the screen as text.
func (m *heldModel) Render() string {
	var b strings.Builder
	b.WriteString(m.st.StatusBar.Render(fmt.Sprintf(" run %s · read-only ", termtext.EscapeLine(m.h.Run))) + "\n")
	b.WriteString(m.st.Warn.Render(termtext.EscapeLine(m.h.Holder)) + "\n")
	if v := m.h.View; v != nil {
		b.WriteString(m.st.Progress.Render(fmt.Sprintf("%d/%d done · %s", v.Counts.Done, v.Counts.Total, v.Status)) + "\n\n")
		rows := m.height - 7
		steps := v.Steps
		m.offset = min(m.offset, max(0, len(steps)-rows))
		for i := m.offset; i < len(steps) && i < m.offset+max(rows, 1); i++ {
			s := steps[i]
			b.WriteString(" " + m.st.StatusIcon(s.Status) + " " + m.st.Item.Render(termtext.EscapeLine(s.ID)) + m.st.Muted.Render("  "+string(s.Status)) + "\n")
		}
	}
	b.WriteString("\n")
	switch {
	case m.asking:
		b.WriteString(m.st.DialogBox.Render(m.st.DialogHead.Render("Take over run "+termtext.EscapeLine(m.h.Run)+"?") + "\n" +
			termtext.EscapeLine(m.h.Holder) + "\nIf that runbook is gone, take the run over (journaled).\n" +
			m.st.StatusKey.Render("y") + " take over   " + m.st.StatusKey.Render("n") + " cancel"))
	case m.h.Expired:
		b.WriteString(m.st.Muted.Render("t take over (journaled) · q quit"))
	default:
		b.WriteString(m.st.Muted.Render("someone else runs it: q quit · runbook status --state … shows it too"))
	}
	return b.String()
}

func (m *heldModel) View() tea.View {
	v := tea.NewView(termtext.Clean(m.Render()))
	v.AltScreen = true
	return v
}

// ShowHeld shows a held run read-only until the engineer quits (false)
// or confirms taking over a run whose lease expired (true).
func ShowHeld(ctx context.Context, cfg RunConfig, h Held) (takeOver bool, err error) {
	m := NewHeld(h, cfg.NoColor).(*heldModel)
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if cfg.In != nil {
		opts = append(opts, tea.WithInput(cfg.In))
	}
	if cfg.Out != nil {
		opts = append(opts, tea.WithOutput(cfg.Out))
	}
	if _, err := tea.NewProgram(m, opts...).Run(); err != nil {
		return false, err
	}
	return m.takeOver, nil
}
