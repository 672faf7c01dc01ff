package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// The captured-values view (issue 14): what the run's shell session holds
// and which named outputs were confirmed, each with the step it came
// from, secrets masked. It has two uses:
//
//   - browse (`v`): every value; a value a resumed run lacks (a secret the
//     journal never had) can be typed in: ValueEditedMsg.
//   - confirm (the Session's ActOutputs): a step's named outputs, each
//     editable before they are taken: ValuesAnsweredMsg.

// ValueRow is one line of the view.
type ValueRow struct {
	Name string
	// Kind is scalar, array, assoc, func or cwd for the session; output
	// for a confirmed named output; offer for one waiting to be confirmed.
	Kind  string
	Value string // as shown: masked when Secret
	Step  string // the step that set it
	// Secret values are never shown, and typed without echo.
	Secret bool
	// Missing: a resumed run lacks the value (Step must run again, or the
	// engineer types it when Editable).
	Missing bool
	// Editable rows can be given a value here.
	Editable bool
	// Current is, for an offer, the placeholder's value now (masked), ""
	// when it has none.
	Current string
}

// SessionRows are the rows of the run's shell session (Engine.Session).
func SessionRows(vals []steps.SessionValue) []ValueRow {
	rows := make([]ValueRow, 0, len(vals))
	for _, v := range vals {
		r := ValueRow{Name: v.Name, Kind: v.Kind, Value: v.Value, Step: v.Step, Secret: v.Secret, Missing: v.Missing}
		if v.Kind == "func" {
			r.Name += "()"
		}
		// Only a scalar variable can be typed in (SetSessionValue); an
		// array or a function needs its step again.
		r.Editable = v.Missing && v.Kind == "scalar"
		if v.Secret {
			r.Value = steps.Mask
		}
		rows = append(rows, r)
	}
	return rows
}

// OutputRows are the confirmed named outputs of the run, by name.
func OutputRows(outputs map[string]journal.Output) []ValueRow {
	names := make([]string, 0, len(outputs))
	for n := range outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([]ValueRow, 0, len(names))
	for _, n := range names {
		o := outputs[n]
		v := o.Value
		if o.Secret {
			v = steps.Mask
		}
		rows = append(rows, ValueRow{Name: n, Kind: "output", Value: v, Step: o.Step, Secret: o.Secret})
	}
	return rows
}

// OfferRows are a step's named outputs waiting to be confirmed.
func OfferRows(offers []steps.OutputOffer) []ValueRow {
	rows := make([]ValueRow, 0, len(offers))
	for _, o := range offers {
		rows = append(rows, ValueRow{Name: o.Name, Kind: "offer", Value: o.Shown, Step: o.Step, Secret: o.Secret, Editable: true, Current: o.Current})
	}
	return rows
}

// ValuesSource is what LoadValuesCmd reads (the *steps.Engine has it).
type ValuesSource interface {
	Session() []steps.SessionValue
	State() *journal.State
}

// SessionValueSetter gives a value a resumed run lacks (the engine).
type SessionValueSetter interface {
	SetSessionValue(name, value string) error
}

var (
	_ ValuesSource       = (*steps.Engine)(nil)
	_ SessionValueSetter = (*steps.Engine)(nil)
)

// Messages of the values view.
type (
	// ValuesLoadedMsg carries the rows LoadValuesCmd read.
	ValuesLoadedMsg struct{ Rows []ValueRow }
	// ValueEditedMsg: the engineer typed a value the session lacks.
	ValueEditedMsg struct{ Name, Value string }
	// ValueSavedMsg is SetSessionValueCmd's answer.
	ValueSavedMsg struct {
		Name string
		Err  error
	}
	// ValuesAnsweredMsg answers a step's outputs (confirm mode): Values
	// maps every output taken to its value ("" keeps the step's own);
	// Skip drops them all. The root answers the Session with
	// Choice{Kind: ChooseValues, Values} or Choice{Kind: ChooseSkip}.
	ValuesAnsweredMsg struct {
		Step   string
		Values map[string]string
		Skip   bool
	}
	// ValuesClosedMsg: back to where the view was opened from.
	ValuesClosedMsg struct{}
)

// LoadValuesCmd reads the rows of the browse view: confirmed outputs,
// then the shell session.
func LoadValuesCmd(src ValuesSource) tea.Cmd {
	return func() tea.Msg {
		var outs map[string]journal.Output
		if st := src.State(); st != nil {
			outs = st.Outputs
		}
		return ValuesLoadedMsg{Rows: append(OutputRows(outs), SessionRows(src.Session())...)}
	}
}

// SetSessionValueCmd gives a typed value to the session.
func SetSessionValueCmd(e SessionValueSetter, msg ValueEditedMsg) tea.Cmd {
	return func() tea.Msg {
		return ValueSavedMsg{Name: msg.Name, Err: e.SetSessionValue(msg.Name, msg.Value)}
	}
}

// ValuesKeyMap are the view's keys.
type ValuesKeyMap struct {
	Up, Down, Edit, Save, Cancel, Accept, Skip key.Binding
}

// DefaultValuesKeyMap: enter edits and saves, esc cancels or goes back; a
// takes and s drops the outputs being confirmed.
func DefaultValuesKeyMap() ValuesKeyMap {
	b := binding
	return ValuesKeyMap{
		Up:     b([]string{"up", "k"}, "↑/k", "up"),
		Down:   b([]string{"down", "j"}, "↓/j", "down"),
		Edit:   b([]string{"enter", "e"}, "enter", "edit value"),
		Save:   b([]string{"enter"}, "enter", "save"),
		Cancel: b([]string{"esc"}, "esc", "back"),
		Accept: b([]string{"a"}, "a", "take outputs"),
		Skip:   b([]string{"s"}, "s", "drop outputs"),
	}
}

// ValuesView is the captured-values view.
type ValuesView struct {
	c       *Common
	g       Glyphs
	keys    ValuesKeyMap
	rows    []ValueRow
	cursor  int
	offset  int
	width   int
	height  int
	confirm string // the step whose outputs are being confirmed; "" browses
	edited  map[string]string
	editing bool
	input   textinput.Model
}

// NewValuesView builds an empty view.
func NewValuesView(c *Common, g Glyphs) *ValuesView {
	in := textinput.New()
	in.Prompt = ""
	k := DefaultValuesKeyMap()
	navHelp(c, &k.Up, &k.Down)
	return &ValuesView{c: c, g: g, keys: k, input: in, edited: map[string]string{}}
}

// SetRows shows rows in browse mode.
func (v *ValuesView) SetRows(rows []ValueRow) {
	v.rows, v.confirm, v.editing = rows, "", false
	v.edited = map[string]string{}
	v.cursor = min(v.cursor, max(len(rows)-1, 0))
}

// Confirm shows a step's named outputs to take (the Session's
// ActOutputs, with Action.Outputs).
func (v *ValuesView) Confirm(step string, offers []steps.OutputOffer) {
	v.rows, v.confirm, v.editing, v.cursor, v.offset = OfferRows(offers), step, false, 0, 0
	v.edited = map[string]string{}
}

// Editing reports whether a value is being typed (the root then sends
// every key here, none to its own bindings).
func (v *ValuesView) Editing() bool { return v.editing }

// SetSize sets the outer size, border included.
func (v *ValuesView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.input.SetWidth(max(w-8, 10))
}

// ShortHelp is the view's help bar, by mode.
func (v *ValuesView) ShortHelp() []key.Binding {
	k := v.keys
	switch {
	case v.editing:
		return []key.Binding{k.Save, k.Cancel}
	case v.confirm != "":
		return []key.Binding{k.Edit, k.Accept, k.Skip, k.Cancel}
	}
	return []key.Binding{k.Up, k.Down, k.Edit, k.Cancel}
}

// FullHelp is ShortHelp in one column.
func (v *ValuesView) FullHelp() [][]key.Binding { return [][]key.Binding{v.ShortHelp()} }

// Update handles keys; every outcome is a message for the root.
func (v *ValuesView) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if v.editing {
			var cmd tea.Cmd
			v.input, cmd = v.input.Update(msg)
			return cmd
		}
		return nil
	}
	if v.editing {
		return v.updateEditing(km)
	}
	k := v.keys
	switch {
	case key.Matches(km, k.Up):
		v.cursor = max(v.cursor-1, 0)
	case key.Matches(km, k.Down):
		v.cursor = min(v.cursor+1, max(len(v.rows)-1, 0))
	case key.Matches(km, k.Edit):
		return v.startEdit()
	case key.Matches(km, k.Cancel):
		return func() tea.Msg { return ValuesClosedMsg{} }
	case v.confirm != "" && key.Matches(km, k.Accept):
		vals := map[string]string{}
		for _, r := range v.rows {
			vals[r.Name] = v.edited[r.Name]
		}
		step := v.confirm
		return func() tea.Msg { return ValuesAnsweredMsg{Step: step, Values: vals} }
	case v.confirm != "" && key.Matches(km, k.Skip):
		step := v.confirm
		return func() tea.Msg { return ValuesAnsweredMsg{Step: step, Skip: true} }
	}
	return nil
}

func (v *ValuesView) startEdit() tea.Cmd {
	if v.cursor >= len(v.rows) || !v.rows[v.cursor].Editable {
		return nil
	}
	r := v.rows[v.cursor]
	v.editing = true
	v.input.Reset()
	v.input.EchoMode = textinput.EchoNormal
	if r.Secret {
		// A secret is typed blind and never prefilled (the view only has
		// its mask).
		v.input.EchoMode = textinput.EchoPassword
	} else if e, ok := v.edited[r.Name]; ok {
		v.input.SetValue(e)
	} else if !r.Missing {
		v.input.SetValue(r.Value)
	}
	return v.input.Focus()
}

func (v *ValuesView) updateEditing(km tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(km, v.keys.Save):
		v.editing = false
		v.input.Blur()
		r := &v.rows[v.cursor]
		val := v.input.Value()
		if v.confirm != "" {
			// Kept until the outputs are taken; the step's own value
			// when left as it was.
			if val == "" || val == r.Value && !r.Secret {
				// Nothing typed, or the same value: ConfirmOutputs's ""
				// keeps the step's own.
				delete(v.edited, r.Name)
			} else {
				v.edited[r.Name] = val
			}
			return nil
		}
		if val == "" {
			return nil // nothing typed: nothing given
		}
		name := strings.TrimSuffix(r.Name, "()")
		return func() tea.Msg { return ValueEditedMsg{Name: name, Value: val} }
	case key.Matches(km, v.keys.Cancel):
		v.editing = false
		v.input.Blur()
		return nil
	}
	var cmd tea.Cmd
	v.input, cmd = v.input.Update(km)
	return cmd
}

// View renders the view with its border.
func (v *ValuesView) View() string {
	st := v.c.Styles
	w := max(v.width-2, 1)
	title, info := "Values", ""
	var lines []string
	if v.confirm != "" {
		title = "Outputs of " + v.confirm
		info = fmt.Sprintf("%d to confirm", len(v.rows))
		lines = append(lines, " "+st.Muted.Render("Later steps use these values. a takes them, s drops them, enter edits one."), "")
	} else {
		missing := 0
		for _, r := range v.rows {
			if r.Missing {
				missing++
			}
		}
		info = fmt.Sprintf("%d values", len(v.rows))
		if missing > 0 {
			info += fmt.Sprintf("%s%d missing", v.g.Sep, missing)
		}
	}
	if len(v.rows) == 0 {
		lines = append(lines, " "+st.Muted.Render("Nothing captured yet: the variables, functions and directory"),
			" "+st.Muted.Render("that shell steps leave, and the named outputs confirmed, show here."))
		return panel(st, v.g, true, title, info, strings.Join(lines, "\n"), v.width, v.height)
	}
	nameW, kindW, fromW := 4, 4, 4
	for _, r := range v.rows {
		nameW = max(nameW, len(r.Name))
		kindW = max(kindW, len(r.Kind))
		fromW = max(fromW, len(r.Step))
	}
	nameW, fromW = min(nameW, max(w/4, 8)), min(fromW, max(w/5, 8))
	valW := max(w-3-nameW-1-kindW-1-fromW-2, 4)
	cell := func(s string, n int) string { return padRight(truncateWith(s, n, v.g.Ellipsis), n) }
	lines = append(lines, st.Muted.Render("   "+cell("NAME", nameW)+" "+cell("KIND", kindW)+" "+cell("VALUE", valW)+" "+cell("FROM", fromW)))
	head := len(lines)
	rowsH := max(v.height-2-head, 1)
	if v.editing {
		rowsH = max(rowsH-1, 1)
	}
	v.offset = min(max(v.offset, v.cursor-rowsH+1), v.cursor)
	v.offset = max(min(v.offset, len(v.rows)-rowsH), 0)
	for i := v.offset; i < min(len(v.rows), v.offset+rowsH); i++ {
		r := v.rows[i]
		mark, nameStyle := "  ", st.Item
		if i == v.cursor {
			mark, nameStyle = st.Selected.Render(v.g.Cursor)+" ", st.Selected
		}
		val := v.shownValue(r, valW)
		lines = append(lines, " "+mark+nameStyle.Render(cell(r.Name, nameW))+" "+st.Muted.Render(cell(r.Kind, kindW))+" "+val+" "+st.Muted.Render(cell(r.Step, fromW)))
		if v.editing && i == v.cursor {
			lines = append(lines, "   "+st.AttrKey.Render("new value: ")+v.input.View())
		}
	}
	return panel(st, v.g, true, title, info, strings.Join(lines, "\n"), v.width, v.height)
}

// shownValue is a row's value cell, n cells wide.
func (v *ValuesView) shownValue(r ValueRow, n int) string {
	st := v.c.Styles
	cell := func(s string) string { return padRight(truncateWith(s, n, v.g.Ellipsis), n) }
	if e, ok := v.edited[r.Name]; ok {
		if r.Secret {
			e = steps.Mask
		}
		return st.Warn.Render(cell(e + " (edited)"))
	}
	if r.Missing {
		why := "missing" + v.g.Sep + "re-run " + r.Step
		if r.Editable {
			why += " or enter to type it"
		}
		return st.Warn.Render(cell(why))
	}
	if r.Secret {
		return st.Muted.Render(cell(r.Value + " secret"))
	}
	val := r.Value
	if r.Current != "" && r.Current != r.Value {
		val += " (now " + r.Current + ")"
	}
	if v.g.Ellipsis != "…" {
		// The engine cuts a function's body with "…" (LANG=C).
		val = strings.ReplaceAll(val, "…", v.g.Ellipsis)
	}
	return st.Command.Render(cell(val))
}
