package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every binding of the TUI; components match with key.Matches
// against it, never against raw strings.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Toggle, Focus                           key.Binding

	Run, RunAll, Retry, Skip, MarkDone, Edit, EditInline key.Binding
	Note, Accept, Answer, Fill, WriteBack, Interrupt     key.Binding
	Follow                                               key.Binding

	Help, Quit key.Binding

	// Dialogs.
	Yes, No, Cancel key.Binding
}

// DefaultKeyMap is the standard key layout.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:         b([]string{"up", "k"}, "↑/k", "up"),
		Down:       b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:     b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:        b([]string{"home", "g"}, "g", "top"),
		Bottom:     b([]string{"end", "G"}, "G", "bottom"),
		Toggle:     b([]string{"space", "left", "right", "h", "l"}, "space", "fold"),
		Focus:      b([]string{"tab"}, "tab", "next pane"),
		Run:        b([]string{"enter", "r"}, "enter", "run / answer"),
		RunAll:     b([]string{"R"}, "R", "run all"),
		Retry:      b([]string{"t"}, "t", "retry"),
		Skip:       b([]string{"s"}, "s", "skip"),
		MarkDone:   b([]string{"d"}, "d", "mark done"),
		Edit:       b([]string{"e"}, "e", "edit in $EDITOR"),
		EditInline: b([]string{"E"}, "E", "edit inline"),
		Note:       b([]string{"n"}, "n", "add note"),
		Accept:     b([]string{"a"}, "a", "accept changed"),
		Answer:     b([]string{"A"}, "A", "questions"),
		Fill:       b([]string{"p"}, "p", "placeholders"),
		WriteBack:  b([]string{"w"}, "w", "write back"),
		Interrupt:  b([]string{"ctrl+c"}, "ctrl+c", "interrupt"),
		Follow:     b([]string{"f"}, "f", "follow output"),
		Help:       b([]string{"?"}, "?", "help"),
		Quit:       b([]string{"q"}, "q", "quit"),
		Yes:        b([]string{"y", "enter"}, "y", "yes"),
		No:         b([]string{"n"}, "n", "no"),
		Cancel:     b([]string{"esc"}, "esc", "cancel"),
	}
}

// ShortHelp is the one-line help bar.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Run, k.RunAll, k.Skip, k.Note, k.Focus, k.Help, k.Quit}
}

// FullHelp is the `?` help, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Toggle, k.Focus},
		{k.Run, k.RunAll, k.Retry, k.Skip, k.MarkDone, k.Accept, k.Interrupt},
		{k.Edit, k.EditInline, k.Note, k.Answer, k.Fill, k.WriteBack, k.Follow, k.Quit},
	}
}
