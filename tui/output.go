package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

const (
	// outputLines is the scrollback kept on screen; the full output is in
	// the attempt's log file.
	outputLines = 2000
	// maxLineBytes cuts runaway lines (a progress bar without newlines).
	maxLineBytes = 4096
)

// ring is a fixed-capacity buffer of lines: memory stays flat however much
// a step prints.
type ring struct {
	lines []string
	start int // index of the oldest line
	n     int
}

func newRing(capacity int) *ring { return &ring{lines: make([]string, capacity)} }

func (r *ring) Len() int { return r.n }

func (r *ring) At(i int) string { return r.lines[(r.start+i)%len(r.lines)] }

func (r *ring) Push(s string) {
	if r.n < len(r.lines) {
		r.lines[(r.start+r.n)%len(r.lines)] = s
		r.n++
		return
	}
	r.lines[r.start] = s
	r.start = (r.start + 1) % len(r.lines)
}

func (r *ring) Reset() { r.start, r.n = 0, 0; clear(r.lines) }

// termText strips terminal control sequences from a byte stream that may
// split them across chunks, and resolves carriage returns: what is left is
// plain lines that cannot move the cursor or break the layout.
//
// SGR sequences (colours, bold…) are the exception: unless colours are off
// (NO_COLOR), they are kept, so the pane shows the step's own colours.
// Every stored line is self-contained: it starts with the attributes
// active at its start and ends with a reset, so a line can be shown,
// wrapped or scrolled on its own and never colours the pane's border.
// This is the part of a VT emulator the pane needs (a line-oriented log
// view has no cursor to move), at a fraction of the cost of a cell grid
// (charmbracelet/x/vt) under a flood.
type termText struct {
	state   int // 0 text, 1 after ESC, 2 CSI, 3 OSC/DCS string, 4 string after ESC
	cr      bool
	partial []byte // incomplete UTF-8 sequence at the end of a chunk
	csi     []byte // the parameters of the CSI sequence being read
	csiBad  bool   // a CSI too long or not an SGR one: dropped
	sgr     []byte // the SGR attributes active now, as sequences
	styled  bool   // the current line holds an SGR sequence
}

const (
	// maxCSI bounds the parameters of a kept SGR sequence.
	maxCSI = 64
	// maxSGRState bounds the attributes carried from line to line: past
	// it, only the latest sequence is kept (a step that never resets).
	maxSGRState = 256
	sgrReset    = "\x1b[m"
)

// OutputPane is the live output of the selected step: a scrollable view of
// a ring buffer, following the end unless the engineer scrolls up.
type OutputPane struct {
	common  *Common
	buf     *ring
	cur     strings.Builder // the line being written
	parse   termText
	follow  bool
	offset  int // first visible line when not following
	title   string
	dropped bool
	note    string // what the step needs, in the title's place (SetNote)
	width   int
	height  int
	focused bool
}

// NewOutputPane returns an empty pane.
func NewOutputPane(c *Common) *OutputPane {
	return &OutputPane{common: c, buf: newRing(outputLines), follow: true}
}

// SetSize sets the outer size, border included.
func (o *OutputPane) SetSize(w, h int) { o.width, o.height = w, h }

// SetFocused marks the pane as the one receiving keys.
func (o *OutputPane) SetFocused(f bool) { o.focused = f }

// Reset clears the pane for another step or attempt.
func (o *OutputPane) Reset(title string) {
	o.buf.Reset()
	o.cur.Reset()
	o.parse = termText{csi: o.parse.csi[:0], sgr: o.parse.sgr[:0]}
	o.follow, o.offset, o.title, o.dropped = true, 0, title, false
}

// SetNote shows s in the pane's frame instead of its title until
// it is set again ("" drops it).
func (o *OutputPane) SetNote(s string) { o.note = s }

// SetTitle names what the pane shows.
func (o *OutputPane) SetTitle(t string) { o.title = t }

// Title is what the pane shows.
func (o *OutputPane) Title() string { return o.title }

// Lines returns the number of complete lines held.
func (o *OutputPane) Lines() int { return o.buf.Len() }

// Following reports whether the pane sticks to the end.
func (o *OutputPane) Following() bool { return o.follow }

// Write appends raw step output.
func (o *OutputPane) Write(p []byte) {
	if len(o.parse.partial) > 0 {
		p = append(o.parse.partial, p...)
		o.parse.partial = nil
	}
	for i := 0; i < len(p); {
		c := p[i]
		if o.parse.state != 0 {
			o.escape(c)
			i++
			continue
		}
		if o.parse.cr && c != '\n' {
			// A bare carriage return rewrites the line (progress bars).
			o.startLine()
		}
		o.parse.cr = false
		switch {
		case c == 0x1b:
			o.parse.state = 1
		case c == '\r':
			o.parse.cr = true
		case c == '\n':
			// The oldest line falls out of a full ring: say the pane shows
			// only the tail, or "2000 lines" reads as all the step printed.
			o.dropped = o.dropped || o.buf.Len() == len(o.buf.lines)
			if o.parse.styled {
				o.cur.WriteString(sgrReset)
			}
			o.buf.Push(o.cur.String())
			o.startLine()
		case c == '\t':
			o.appendText("    ")
		case c == '\b':
			o.backspace()
		case c < 0x20 || c == 0x7f:
			// other controls: drop
		case c < utf8.RuneSelf:
			o.appendByte(c)
		default:
			if !utf8.FullRune(p[i:]) {
				o.parse.partial = append([]byte(nil), p[i:]...)
				return
			}
			r, size := utf8.DecodeRune(p[i:])
			if r != utf8.RuneError {
				o.appendText(string(p[i : i+size]))
			}
			i += size
			continue
		}
		i++
	}
}

// escape takes one byte of an escape sequence (parse.state != 0): every
// sequence is dropped but SGR, which is kept when colours are on.
func (o *OutputPane) escape(c byte) {
	switch o.parse.state {
	case 1: // after ESC
		switch c {
		case '[':
			o.parse.state = 2
			o.parse.csi, o.parse.csiBad = o.parse.csi[:0], false
		case ']', 'P', '_', '^', 'X':
			o.parse.state = 3
		default:
			o.parse.state = 0
		}
	case 2: // CSI: parameters until a final byte
		if c >= 0x40 && c <= 0x7e {
			o.parse.state = 0
			if c == 'm' && !o.parse.csiBad && o.keepColour() {
				o.applySGR(o.parse.csi)
			}
		} else if len(o.parse.csi) >= maxCSI || !(c >= '0' && c <= '9' || c == ';' || c == ':') {
			o.parse.csiBad = true
		} else {
			o.parse.csi = append(o.parse.csi, c)
		}
	case 3: // string until BEL or ESC \
		if c == 0x07 {
			o.parse.state = 0
		} else if c == 0x1b {
			o.parse.state = 4
		}
	case 4:
		o.parse.state = 0
		if c != '\\' {
			o.parse.state = 3
		}
	}
}

// keepColour says whether SGR sequences are kept (colours are on).
func (o *OutputPane) keepColour() bool { return !o.common.Styles.NoColor }

// startLine empties the current line and opens it with the attributes
// active now.
func (o *OutputPane) startLine() {
	o.cur.Reset()
	o.parse.styled = false
	if len(o.parse.sgr) > 0 {
		o.cur.Write(o.parse.sgr)
		o.parse.styled = true
	}
}

// applySGR keeps an SGR sequence in the line and in the active
// attributes. It allocates nothing once the buffers have grown: a
// coloured flood goes through here for every line.
func (o *OutputPane) applySGR(params []byte) {
	n := len(params) + 3 // ESC [ params m
	switch {
	case isSGRReset(params):
		o.parse.sgr = o.parse.sgr[:0]
	case len(o.parse.sgr)+n > maxSGRState:
		o.parse.sgr = appendSGR(o.parse.sgr[:0], params)
	default:
		o.parse.sgr = appendSGR(o.parse.sgr, params)
	}
	// A sequence that does not fit is dropped with the text it styles;
	// the reset at the line's end still closes what was kept.
	if o.cur.Len()+n+len(sgrReset) <= maxLineBytes {
		o.cur.WriteString("\x1b[")
		o.cur.Write(params)
		o.cur.WriteByte('m')
		o.parse.styled = true
	}
}

func appendSGR(b, params []byte) []byte {
	b = append(b, 0x1b, '[')
	b = append(b, params...)
	return append(b, 'm')
}

// isSGRReset reports whether SGR parameters reset every attribute.
func isSGRReset(params []byte) bool {
	for _, c := range params {
		if c != '0' && c != ';' {
			return false
		}
	}
	return true
}

func (o *OutputPane) appendByte(c byte) {
	if o.cur.Len() < maxLineBytes {
		o.cur.WriteByte(c)
	}
}

// backspace takes the last character back: a terminal's erase echo
// ("\b \b") when the engineer types into a step.
func (o *OutputPane) backspace() {
	s := o.cur.String()
	_, size := utf8.DecodeLastRuneInString(s)
	o.cur.Reset()
	o.cur.WriteString(s[:len(s)-size])
}

func (o *OutputPane) appendText(s string) {
	if o.cur.Len()+len(s) <= maxLineBytes {
		o.cur.WriteString(s)
	}
}

// Dropped marks that output was skipped because the screen fell behind.
func (o *OutputPane) Dropped() { o.dropped = true }

func (o *OutputPane) innerHeight() int { return max(o.height-2, 1) }

// total counts the lines shown, the unfinished one included.
func (o *OutputPane) total() int {
	if o.cur.Len() > 0 {
		return o.buf.Len() + 1
	}
	return o.buf.Len()
}

func (o *OutputPane) line(i int) string {
	if i < o.buf.Len() {
		return o.buf.At(i)
	}
	return o.cur.String()
}

// Update handles scrolling keys when focused.
func (o *OutputPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := o.common.Keys
	h := o.innerHeight()
	maxOff := max(o.total()-h, 0)
	if o.follow {
		o.offset = maxOff
	}
	if key.Matches(km, k.Follow) {
		o.offset = maxOff
	} else if next, ok := scroll(k, km, o.offset, h, o.total()); ok {
		o.offset = next
	} else {
		return nil
	}
	o.follow = o.offset == maxOff
	return nil
}

// ShortHelp is the pane's own keys.
func (o *OutputPane) ShortHelp() []key.Binding {
	k := o.common.Keys
	return []key.Binding{k.Up, k.Down, k.Follow}
}

// FullHelp is the pane's keys in columns.
func (o *OutputPane) FullHelp() [][]key.Binding {
	k := o.common.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Follow}}
}

// View renders the pane with its border.
func (o *OutputPane) View() string {
	st := o.common.Styles
	w, h := max(o.width-2, 1), o.innerHeight()
	total := o.total()
	first := max(total-h, 0)
	if !o.follow {
		first = min(o.offset, first)
	}
	// Long lines wrap rather than being cut: an error message is usually the
	// one long line the engineer needs to read. Following, the pane fills
	// from the last line up; scrolled, from the first visible line down.
	var rows []string
	last := first - 1
	if o.follow {
		for i := total - 1; i >= 0 && len(rows) < h; i-- {
			rows = append(o.wrapLine(i, w), rows...)
			first = i
		}
		rows = rows[max(len(rows)-h, 0):]
		last = total - 1
	} else {
		for i := first; i < total && len(rows) < h; i++ {
			rows = append(rows, o.wrapLine(i, w)...)
			last = i
		}
		rows = rows[:min(len(rows), h)]
	}
	content := strings.Join(rows, "\n")
	title := "Output"
	if o.title != "" {
		title += " · " + o.title
	}
	var info string
	switch {
	case total == 0:
		info = ""
	case o.follow && total == 1:
		info = "1 line · following"
	case o.follow:
		info = fmt.Sprintf("%d lines · following", total)
	default:
		info = fmt.Sprintf("%d-%d/%d", first+1, last+1, total)
	}
	if o.dropped {
		info = "tail only · " + info
	}
	if o.note != "" {
		// it says what to do: it takes the title's place, never cut
		title, info = "Output · "+o.note, ""
	}
	return pane(st, o.focused, title, info, content, o.width, o.height)
}

// wrapLine is line i broken into rows of at most w cells.
func (o *OutputPane) wrapLine(i, w int) []string {
	l := o.line(i)
	styled := strings.IndexByte(l, 0x1b) >= 0
	if styled && i == o.buf.Len() {
		l += sgrReset // the line being written is not closed yet
	}
	if ansi.StringWidth(l) <= w {
		return []string{l}
	}
	rows := strings.Split(ansi.Hardwrap(l, w, true), "\n")
	if styled {
		carrySGR(rows)
	}
	return rows
}

// carrySGR makes each row of a wrapped styled line self-contained: it
// starts with the attributes active where the previous row ended and ends
// with a reset.
func carrySGR(rows []string) {
	state := ""
	for i, r := range rows {
		next := sgrAfter(state, r)
		rows[i] = state + r + sgrReset
		state = next
	}
}

// sgrAfter is the active attributes after s, starting from state.
func sgrAfter(state, s string) string {
	for {
		j := strings.Index(s, "\x1b[")
		if j < 0 {
			return state
		}
		s = s[j+2:]
		k := strings.IndexByte(s, 'm')
		if k < 0 {
			return state
		}
		if params := s[:k]; isSGRReset([]byte(params)) {
			state = ""
		} else {
			state += "\x1b[" + params + "m"
		}
		s = s[k+1:]
	}
}

// VisibleText is the output the pane shows now, without colours: what
// `y` copies from the output pane. A long line shown wrapped, even in
// part, is copied whole.
func (o *OutputPane) VisibleText() string {
	h, w := o.innerHeight(), max(o.width-2, 1)
	total := o.total()
	first, last := 0, total-1
	if o.follow {
		rows := 0
		for first = total - 1; first > 0 && rows+len(o.wrapLine(first, w)) < h; first-- {
			rows += len(o.wrapLine(first, w))
		}
		first = max(first, 0)
	} else {
		first = min(o.offset, max(total-h, 0))
		rows := 0
		for last = first; last < total-1 && rows+len(o.wrapLine(last, w)) < h; last++ {
			rows += len(o.wrapLine(last, w))
		}
	}
	var b strings.Builder
	for i := first; i <= last && i < total; i++ {
		b.WriteString(ansi.Strip(o.line(i)))
		b.WriteByte('\n')
	}
	return b.String()
}

// pane draws a bordered box with a title in the top border and info on the
// right of it. Content is clipped to the inner size.
func pane(st *Styles, focused bool, title, info, content string, w, h int) string {
	border, ellipsis := lipgloss.RoundedBorder(), "…"
	if st.ASCII {
		border, ellipsis = lipgloss.ASCIIBorder(), "..."
	}
	if focused {
		// Colour alone does not tell the focused pane (NO_COLOR). A
		// full-screen view (paneWith directly) is the only pane: no mark.
		title = st.FocusMark() + title
	}
	return paneWith(st, border, ellipsis, focused, title, info, content, w, h)
}

// paneWith is pane with a border and an ellipsis of the caller's choosing
// (ASCII ones under LANG=C, see Glyphs).
func paneWith(st *Styles, border lipgloss.Border, ellipsis string, focused bool, title, info, content string, w, h int) string {
	box := st.Pane
	if focused {
		box = st.PaneFocused
	}
	inner := lipgloss.NewStyle().Width(w - 2).Height(h - 2).MaxWidth(w - 2).MaxHeight(h - 2).Render(content)
	body := box.Border(border).BorderTop(false).Render(inner)
	// Top border with the title set in it.
	bc := box.GetBorderTopForeground()
	t := " " + ansi.Truncate(title, max(w-6, 1), ellipsis) + " "
	right := ""
	if info != "" {
		right = " " + info + " "
	}
	fill := w - 2 - lipgloss.Width(t) - lipgloss.Width(right) - 1
	if fill < 0 {
		right, fill = "", max(w-3-lipgloss.Width(t), 0)
	}
	bs := lipgloss.NewStyle().Foreground(bc)
	titleStyle := st.PaneTitle
	if !focused {
		titleStyle = st.Section
	}
	top := bs.Render(border.TopLeft+border.Top) + titleStyle.Render(t) +
		bs.Render(strings.Repeat(border.Top, fill)) + st.Muted.Render(right) + bs.Render(border.TopRight)
	return top + "\n" + body
}

// truncate cuts s to w cells, marking the cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}
