package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Palette names the few colours the TUI uses; Styles are built from it.
type Palette struct {
	Accent, Subtle, Text, Muted color.Color
	OK, Fail, Warn, Running     color.Color
	Border, BarBg, BarFg        color.Color
}

// DefaultPalette picks colours that read on the terminal's background. With
// noColor (NO_COLOR set) every colour is left unset, so only weight and
// markers carry meaning.
func DefaultPalette(isDark, noColor bool) Palette {
	if noColor {
		none := lipgloss.NoColor{}
		return Palette{none, none, none, none, none, none, none, none, none, none, none}
	}
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	return Palette{
		Accent:  ld(c("#5A56E0"), c("#8B87FF")),
		Subtle:  ld(c("#9A9A9A"), c("#5C5C5C")),
		Text:    ld(c("#1A1A1A"), c("#E4E4E4")),
		Muted:   ld(c("#6B6B6B"), c("#9B9B9B")),
		OK:      ld(c("#1E8A3C"), c("#4FD675")),
		Fail:    ld(c("#C4202F"), c("#FF5F6D")),
		Warn:    ld(c("#A36A00"), c("#F5C04E")),
		Running: ld(c("#1F6FD1"), c("#5FAFFF")),
		Border:  ld(c("#C8C8C8"), c("#3F3F3F")),
		BarBg:   ld(c("#E6E4FF"), c("#2D2B55")),
		BarFg:   ld(c("#2D2B55"), c("#E6E4FF")),
	}
}

// Styles is every style the TUI renders with, built once from a palette.
type Styles struct {
	IsDark  bool
	NoColor bool
	ASCII   bool

	Pane        lipgloss.Style // unfocused pane border
	PaneFocused lipgloss.Style
	PaneTitle   lipgloss.Style

	Section    lipgloss.Style
	Item       lipgloss.Style
	Selected   lipgloss.Style
	Muted      lipgloss.Style
	Progress   lipgloss.Style
	Command    lipgloss.Style
	AttrKey    lipgloss.Style
	Error      lipgloss.Style
	Warn       lipgloss.Style
	OK         lipgloss.Style
	DiffAdd    lipgloss.Style
	DiffDel    lipgloss.Style
	DiffHunk   lipgloss.Style
	StatusBar  lipgloss.Style
	StatusKey  lipgloss.Style
	DialogBox  lipgloss.Style
	DialogHead lipgloss.Style

	Status map[journal.Status]lipgloss.Style
	Help   help.Styles
}

// NewStyles builds the styles for a background and colour setting.
func NewStyles(isDark, noColor bool) Styles {
	p := DefaultPalette(isDark, noColor)
	base := lipgloss.NewStyle()
	pane := base.Border(lipgloss.RoundedBorder()).BorderForeground(p.Border)
	s := Styles{
		IsDark:      isDark,
		NoColor:     noColor,
		Pane:        pane,
		PaneFocused: pane.BorderForeground(p.Accent),
		PaneTitle:   base.Bold(true).Foreground(p.Accent),
		Section:     base.Bold(true).Foreground(p.Text),
		Item:        base.Foreground(p.Text),
		Selected:    base.Bold(true).Foreground(p.Accent),
		Muted:       base.Foreground(p.Muted),
		Progress:    base.Foreground(p.Muted),
		Command:     base.Foreground(p.Text),
		AttrKey:     base.Foreground(p.Muted),
		Error:       base.Foreground(p.Fail).Bold(true),
		Warn:        base.Foreground(p.Warn),
		OK:          base.Foreground(p.OK),
		DiffAdd:     base.Foreground(p.OK),
		DiffDel:     base.Foreground(p.Fail),
		DiffHunk:    base.Foreground(p.Running),
		StatusBar:   base.Foreground(p.BarFg).Background(p.BarBg),
		StatusKey:   base.Foreground(p.BarFg).Background(p.BarBg).Bold(true),
		DialogBox:   base.Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(0, 1),
		DialogHead:  base.Bold(true).Foreground(p.Accent),
		Status: map[journal.Status]lipgloss.Style{
			journal.Pending:     base.Foreground(p.Muted),
			journal.Running:     base.Foreground(p.Running).Bold(true),
			journal.OK:          base.Foreground(p.OK),
			journal.Failed:      base.Foreground(p.Fail).Bold(true),
			journal.Skipped:     base.Foreground(p.Muted),
			journal.DoneByHand:  base.Foreground(p.OK),
			journal.AlreadyDone: base.Foreground(p.OK),
			journal.Interrupted: base.Foreground(p.Warn).Bold(true),
			journal.TimedOut:    base.Foreground(p.Fail).Bold(true),
			journal.Stale:       base.Foreground(p.Warn).Bold(true),
		},
	}
	if noColor {
		s.Help = help.Styles{}
	} else {
		s.Help = help.DefaultStyles(isDark)
	}
	return s
}

// statusIcon is one cell wide so columns stay aligned; icons carry the
// meaning on their own when colour is off.
func statusIcon(st journal.Status) string {
	switch st {
	case journal.Pending:
		return "○"
	case journal.Running:
		return "◐"
	case journal.OK:
		return "✓"
	case journal.Failed:
		return "✗"
	case journal.Skipped:
		return "↷"
	case journal.DoneByHand:
		return "✔"
	case journal.AlreadyDone:
		return "≡"
	case journal.Interrupted:
		return "!"
	case journal.TimedOut:
		return "⊘"
	case journal.Stale:
		return "~"
	}
	return "?"
}

// StatusIcon renders the icon of a step status.
func (s Styles) StatusIcon(st journal.Status) string {
	return s.Status[st].Render(statusIcon(st))
}

// WithASCII is s for a terminal that cannot show UTF-8 (LANG=C): square
// ASCII frames. Every frame also passes through asciiFrame, which turns
// each icon, marker and other non-ASCII character into ASCII, so nothing
// mixes Unicode and ASCII.
func (s Styles) WithASCII() Styles {
	s.ASCII = true
	s.Pane = s.Pane.Border(lipgloss.ASCIIBorder())
	s.PaneFocused = s.PaneFocused.Border(lipgloss.ASCIIBorder())
	s.DialogBox = s.DialogBox.Border(lipgloss.ASCIIBorder())
	return s
}

// FocusMark marks the focused pane's title, so that it is told apart
// without colour (NO_COLOR).
func (s Styles) FocusMark() string {
	if s.ASCII {
		return "* "
	}
	return "● "
}
