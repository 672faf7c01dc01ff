package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Filter is the checklist's `/` filter: while it is typed every key is
// part of it (the letters never act as commands); enter keeps it, esc
// clears it. The checklist shows the rows whose title holds it, with
// their sections.
type Filter struct {
	common *Common
	query  string
	typing bool
}

// NewFilter returns a closed filter.
func NewFilter(c *Common) *Filter { return &Filter{common: c} }

// SetSize does nothing: the checklist's title shows the filter.
func (f *Filter) SetSize(int, int) {}

// Open starts typing a filter (the last one is kept, to refine it).
func (f *Filter) Open() { f.typing = true }

// Typing reports whether keys go to the filter.
func (f *Filter) Typing() bool { return f.typing }

// Active reports whether a filter applies.
func (f *Filter) Active() bool { return f.typing || f.query != "" }

// Query is the filter's text.
func (f *Filter) Query() string { return f.query }

// Clear drops the filter.
func (f *Filter) Clear() { f.query, f.typing = "", false }

// Update takes a key while the filter is typed; changed reports whether
// the query changed.
func (f *Filter) Update(msg tea.Msg) (changed bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || !f.typing {
		return false
	}
	k := f.common.Keys
	switch {
	case key.Matches(km, k.ClearFilter):
		f.Clear()
		return true
	case key.Matches(km, k.ApplyFilter):
		f.typing = false
		return false
	case key.Matches(km, k.FilterErase):
		if f.query == "" {
			return false
		}
		r := []rune(f.query)
		f.query = string(r[:len(r)-1])
		return true
	}
	if t := km.Text; t != "" && !strings.ContainsAny(t, "\r\n\t\x1b") {
		f.query += t
		return true
	}
	return false
}

// Matches reports whether a row's text passes the filter (case does not
// matter).
func (f *Filter) Matches(text string) bool {
	return f.query == "" || strings.Contains(strings.ToLower(text), strings.ToLower(f.query))
}

// View is the filter as the checklist's title shows it.
func (f *Filter) View() string {
	if !f.Active() {
		return ""
	}
	if f.typing {
		return "/" + f.query + "_"
	}
	return "/" + f.query
}

// ShortHelp is the help bar while the filter is typed.
func (f *Filter) ShortHelp() []key.Binding {
	k := f.common.Keys
	return []key.Binding{k.ApplyFilter, k.ClearFilter, k.FilterErase}
}

// FullHelp is the filter's keys in a column.
func (f *Filter) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }
