package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every binding of the TUI, in one group per component (crush's
// nested KeyMap). The groups are embedded, so k.Up and k.Run both work;
// components match with key.Matches against their group, never against
// raw strings.
type KeyMap struct {
	NavKeys
	ActionKeys
	FilterKeys
	DialogKeys
	GlobalKeys
	InputKeys
	FeatureKeys
}

// NavKeys move in a pane: the checklist, the detail, the output, the diff.
type NavKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	// Toggle folds or unfolds a section; Expand only opens one and
	// Collapse only closes one, so that → never closes an open section.
	Toggle, Expand, Collapse key.Binding
	// Focus moves to the next pane, FocusBack to the previous one
	// (shift+tab, as lazygit and k9s).
	Focus, FocusBack key.Binding
	// NextTodo and PrevTodo jump to the next (previous) step that is not
	// done: failed, interrupted, changed or pending.
	NextTodo, PrevTodo key.Binding
}

// ActionKeys act on the selected step or question.
type ActionKeys struct {
	Run, RunAll, Retry, Skip, MarkDone, Edit, EditInline key.Binding
	Note, Accept, Answer, Fill, WriteBack, Interrupt     key.Binding
	Follow                                               key.Binding
}

// FilterKeys are the checklist filter's: `/` opens it, esc clears it,
// enter keeps it and goes back to the list.
type FilterKeys struct {
	Filter, ClearFilter, ApplyFilter, FilterErase key.Binding
}

// DialogKeys answer a dialog or the write-back diff. FieldMove are the
// keys with which a form moves to its next field (see forwardToDialog).
type DialogKeys struct {
	Yes, No, Cancel, Abort, FieldMove key.Binding
}

// GlobalKeys work everywhere outside a dialog.
type GlobalKeys struct {
	Help, CloseHelp, Quit, PastRuns key.Binding
}

// DefaultKeyMap is the standard key layout. An ASCII terminal gets ASCII
// key names in the help.
func DefaultKeyMap(ascii bool) KeyMap {
	b := binding
	up, down := "↑/k", "↓/j"
	if ascii {
		up, down = "up/k", "down/j"
	}
	return KeyMap{
		NavKeys: NavKeys{
			Up:        b([]string{"up", "k"}, up, "up"),
			Down:      b([]string{"down", "j"}, down, "down"),
			PageUp:    b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
			PageDown:  b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
			Top:       b([]string{"home", "g"}, "g", "top"),
			Bottom:    b([]string{"end", "G"}, "G", "bottom"),
			Toggle:    b([]string{"space"}, "space", "fold"),
			Expand:    b([]string{"right", "l"}, "l", "open"),
			Collapse:  b([]string{"left", "h"}, "h", "close"),
			Focus:     b([]string{"tab"}, "tab", "pane"),
			FocusBack: b([]string{"shift+tab"}, "shift+tab", "pane back"),
			NextTodo:  b([]string{"]"}, "]", "next to do"),
			PrevTodo:  b([]string{"["}, "[", "previous to do"),
		},
		ActionKeys: ActionKeys{
			Run:        b([]string{"enter", "r"}, "enter", "run"),
			RunAll:     b([]string{"R"}, "R", "run all"),
			Retry:      b([]string{"t"}, "t", "retry"),
			Skip:       b([]string{"s"}, "s", "skip"),
			MarkDone:   b([]string{"d"}, "d", "mark done"),
			Edit:       b([]string{"e"}, "e", "edit in $EDITOR"),
			EditInline: b([]string{"E"}, "E", "edit inline"),
			Note:       b([]string{"n"}, "n", "note"),
			Accept:     b([]string{"a"}, "a", "accept changed"),
			Answer:     b([]string{"A"}, "A", "questions"),
			Fill:       b([]string{"p"}, "p", "placeholders"),
			WriteBack:  b([]string{"w"}, "w", "write back"),
			Interrupt:  b([]string{"ctrl+c"}, "ctrl+c", "interrupt"),
			Follow:     b([]string{"f"}, "f", "follow output"),
		},
		FilterKeys: FilterKeys{
			Filter:      b([]string{"/"}, "/", "filter"),
			ClearFilter: b([]string{"esc"}, "esc", "clear filter"),
			ApplyFilter: b([]string{"enter"}, "enter", "keep filter"),
			FilterErase: b([]string{"backspace"}, "backspace", "erase"),
		},
		DialogKeys: DialogKeys{
			Yes:       b([]string{"y", "enter"}, "y", "yes"),
			No:        b([]string{"n"}, "n", "no"),
			Cancel:    b([]string{"esc"}, "esc", "cancel"),
			Abort:     b([]string{"ctrl+c"}, "ctrl+c", "cancel and interrupt"),
			FieldMove: b([]string{"enter", "tab", "shift+tab"}, "enter", "next field"),
		},
		InputKeys: newInputKeys(),
		GlobalKeys: GlobalKeys{
			Help:      b([]string{"?"}, "?", "help"),
			CloseHelp: b([]string{"esc", "?"}, "esc/?", "close help"),
			Quit:      b([]string{"q"}, "q", "quit"),
			PastRuns:  b([]string{"P"}, "P", "past runs"),
		},
		FeatureKeys: DefaultFeatureKeys(),
	}
}

// FullHelp is the `?` help, in three columns of twelve: it fits 80
// columns (a fourth would not).
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Toggle, k.Expand, k.Collapse, k.Focus, k.FocusBack, k.Filter},
		{k.NextTodo, k.PrevTodo, k.Follow, k.Copy, k.Log, k.Values, k.Background, k.Summary, k.PastRuns, k.Answer, k.Fill, k.WriteBack},
		{k.Run, k.RunAll, k.Retry, k.Skip, k.MarkDone, k.Accept, k.Edit, k.EditInline, k.Note, k.Interrupt, k.CloseHelp, k.Quit},
	}
}

// binding is a key binding with its help: every component's keymap is
// built from these.
func binding(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}
