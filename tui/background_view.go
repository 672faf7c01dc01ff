package tui

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// The background tab (issue 14 §4): the steps running in the background
// (a port-forward, a local server), whether they are ready, how long they
// have run, their last line of output; and the ones that ended in this
// run. The engineer can stop one (StopBackgroundMsg) or read its log.

// BackgroundRow is one background step.
type BackgroundRow struct {
	ID      string
	Attempt int
	Pid     int
	Started time.Time
	Log     string // relative to the run directory
	// Running in this process; Starting: still waiting for ready-if /
	// ready-after (the root's running step); Stopping: asked to stop.
	Running, Starting, Stopping bool
	// Status is the journal's for an ended one (ok: stopped when done).
	Status   journal.Status
	Duration time.Duration // of an ended one
	LastLine string
	Err      string // why stopping failed
}

// BackgroundSource is what LoadBackgroundCmd reads (the *steps.Engine).
type BackgroundSource interface {
	Background() []steps.BackgroundStep
	State() *journal.State
	RunDir() string
}

// BackgroundStopper stops a background step (the *steps.Engine).
type BackgroundStopper interface {
	StopBackground(id string) error
}

var (
	_ BackgroundSource  = (*steps.Engine)(nil)
	_ BackgroundStopper = (*steps.Engine)(nil)
)

// Messages of the background tab.
type (
	// BackgroundLoadedMsg carries what LoadBackgroundCmd read.
	BackgroundLoadedMsg struct{ Rows []BackgroundRow }
	// StopBackgroundMsg asks the root to stop a step (StopBackgroundCmd).
	StopBackgroundMsg struct{ ID string }
	// BackgroundStoppedMsg is StopBackgroundCmd's answer.
	BackgroundStoppedMsg struct {
		ID  string
		Err error
	}
	// BackgroundClosedMsg: back to the checklist.
	BackgroundClosedMsg struct{}
)

// BackgroundRows are the rows for the steps running in this process
// (running, in start order), the root's step still starting (starting,
// "" for none), and the background steps of the run that ended (from the
// journal). lastLine gives a log's last line ("" unknown).
func BackgroundRows(running []steps.BackgroundStep, st *journal.State, starting string, lastLine func(log string) string) []BackgroundRow {
	var rows []BackgroundRow
	seen := map[string]bool{}
	for _, b := range running {
		seen[b.ID] = true
		rows = append(rows, BackgroundRow{ID: b.ID, Attempt: b.Attempt, Pid: b.Pid, Started: b.Started, Log: b.Log,
			Running: true, Starting: b.ID == starting, Status: journal.Running, LastLine: lastLine(b.Log)})
	}
	if st == nil {
		return rows
	}
	var ended []BackgroundRow
	for id, ss := range st.Steps {
		if len(ss.Attempts) == 0 {
			continue
		}
		a := ss.Attempts[len(ss.Attempts)-1]
		if !a.Background || seen[id] {
			continue
		}
		r := BackgroundRow{ID: id, Attempt: a.N, Started: a.Started, Log: a.Log, Status: ss.Status, Duration: a.Duration, LastLine: lastLine(a.Log)}
		switch {
		case id == starting:
			r.Running, r.Starting, r.Status = true, true, journal.Running
		case r.Status == journal.Running:
			// Running in the journal, not in this process: it was when
			// runbook stopped (and was stopped with it).
			r.Status = journal.Interrupted
		}
		ended = append(ended, r)
	}
	slices.SortFunc(ended, func(a, b BackgroundRow) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return append(rows, ended...)
}

// tailBytes is how much of a log is read for its last line.
const tailBytes = 4 << 10

// LastLogLine is the last non-empty line of a log file, without control
// sequences; "" when it cannot be read.
func LastLogLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > tailBytes {
		if _, err := f.Seek(-tailBytes, io.SeekEnd); err != nil {
			return ""
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, tailBytes))
	if err != nil {
		return ""
	}
	return lastLine(b)
}

// lastLine is the last non-empty line of b (a \r starts a line over, as
// on a terminal), stripped of escape sequences.
func lastLine(b []byte) string {
	for len(b) > 0 {
		i := bytes.LastIndexAny(b, "\r\n")
		l := b[i+1:]
		if s := strings.TrimSpace(ansi.Strip(string(bytes.ToValidUTF8(l, nil)))); s != "" {
			return strings.ReplaceAll(s, "\t", " ")
		}
		if i < 0 {
			break
		}
		b = b[:i]
	}
	return ""
}

// LoadBackgroundCmd reads the tab's rows (with the logs' last lines).
// starting is the step the root is running now, if any.
func LoadBackgroundCmd(src BackgroundSource, starting string) tea.Cmd {
	return func() tea.Msg {
		dir := src.RunDir()
		line := func(log string) string {
			if log == "" {
				return ""
			}
			return LastLogLine(filepath.Join(dir, log))
		}
		return BackgroundLoadedMsg{Rows: BackgroundRows(src.Background(), src.State(), starting, line)}
	}
}

// StopBackgroundCmd stops a background step (whole process group) and
// answers once it is gone.
func StopBackgroundCmd(s BackgroundStopper, id string) tea.Cmd {
	return func() tea.Msg { return BackgroundStoppedMsg{ID: id, Err: s.StopBackground(id)} }
}

// BackgroundKeyMap are the tab's keys.
type BackgroundKeyMap struct {
	Up, Down, Stop, Log, Close key.Binding
}

// DefaultBackgroundKeyMap: x stops (k9s's kill is ctrl+k; x is
// lazygit's "remove"), L opens the log as on the main screen.
func DefaultBackgroundKeyMap() BackgroundKeyMap {
	b := binding
	return BackgroundKeyMap{
		Up:    b([]string{"up", "k"}, "↑/k", "up"),
		Down:  b([]string{"down", "j"}, "↓/j", "down"),
		Stop:  b([]string{"x"}, "x", "stop step"),
		Log:   b([]string{"L", "enter"}, "L", "log in $PAGER"),
		Close: b([]string{"esc", "b"}, "esc", "back"),
	}
}

// BackgroundView is the background tab.
type BackgroundView struct {
	c      *Common
	g      Glyphs
	keys   BackgroundKeyMap
	rows   []BackgroundRow
	cursor int
	width  int
	height int
}

// NewBackgroundView builds an empty tab.
func NewBackgroundView(c *Common, g Glyphs) *BackgroundView {
	k := DefaultBackgroundKeyMap()
	navHelp(c, &k.Up, &k.Down)
	return &BackgroundView{c: c, g: g, keys: k}
}

// SetRows shows rows (the cursor stays on the same step when it can);
// a step being stopped stays so until its answer comes.
func (v *BackgroundView) SetRows(rows []BackgroundRow) {
	cur := ""
	if v.cursor < len(v.rows) {
		cur = v.rows[v.cursor].ID
	}
	stopping := map[string]bool{}
	for _, r := range v.rows {
		stopping[r.ID] = r.Stopping
	}
	v.rows, v.cursor = rows, 0
	for i := range v.rows {
		v.rows[i].Stopping = v.rows[i].Running && stopping[v.rows[i].ID]
		if v.rows[i].ID == cur {
			v.cursor = i
		}
	}
}

// Rows are the rows shown.
func (v *BackgroundView) Rows() []BackgroundRow { return v.rows }

// Running counts the steps running now.
func (v *BackgroundView) Running() int {
	n := 0
	for _, r := range v.rows {
		if r.Running {
			n++
		}
	}
	return n
}

// Observe takes live output of a step: its last line shows at once. The
// root sends it the output events of background steps.
func (v *BackgroundView) Observe(step string, attempt int, data []byte) {
	for i := range v.rows {
		r := &v.rows[i]
		if r.ID == step && r.Attempt == attempt {
			if l := lastLine(data); l != "" {
				r.LastLine = l
			}
			return
		}
	}
}

// SetSize sets the outer size, border included.
func (v *BackgroundView) SetSize(w, h int) { v.width, v.height = w, h }

// ShortHelp is the tab's help bar.
func (v *BackgroundView) ShortHelp() []key.Binding {
	k := v.keys
	return []key.Binding{k.Up, k.Down, k.Stop, k.Log, k.Close}
}

// FullHelp is ShortHelp in one column.
func (v *BackgroundView) FullHelp() [][]key.Binding { return [][]key.Binding{v.ShortHelp()} }

// Update handles keys and the stop's answer.
func (v *BackgroundView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case BackgroundStoppedMsg:
		for i := range v.rows {
			if r := &v.rows[i]; r.ID == msg.ID {
				r.Stopping = false
				if msg.Err != nil {
					r.Err = msg.Err.Error()
				}
			}
		}
		return nil
	case tea.KeyPressMsg:
		k := v.keys
		switch {
		case key.Matches(msg, k.Up):
			v.cursor = max(v.cursor-1, 0)
		case key.Matches(msg, k.Down):
			v.cursor = min(v.cursor+1, max(len(v.rows)-1, 0))
		case key.Matches(msg, k.Close):
			return func() tea.Msg { return BackgroundClosedMsg{} }
		case v.cursor >= len(v.rows):
		case key.Matches(msg, k.Stop):
			r := &v.rows[v.cursor]
			if !r.Running || r.Stopping {
				return nil
			}
			r.Stopping, r.Err = true, ""
			id := r.ID
			return func() tea.Msg { return StopBackgroundMsg{ID: id} }
		case key.Matches(msg, k.Log):
			r := v.rows[v.cursor]
			return func() tea.Msg { return OpenLogMsg{Step: r.ID, Log: r.Log} }
		}
	}
	return nil
}

// View renders the tab with its border.
func (v *BackgroundView) View() string {
	st := v.c.Styles
	w := max(v.width-2, 1)
	info := fmt.Sprintf("%d running", v.Running())
	var lines []string
	if len(v.rows) == 0 {
		lines = append(lines, " "+st.Muted.Render("No step runs in the background. A step with `background` starts"),
			" "+st.Muted.Render("here and the run moves on; it is stopped when the run ends."))
		return panel(st, v.g, true, "Background steps", "", strings.Join(lines, "\n"), v.width, v.height)
	}
	idW := 4
	for _, r := range v.rows {
		idW = max(idW, len(r.ID))
	}
	idW = min(idW, max(w/4, 10))
	const stateW, forW, pidW = 13, 7, 7
	lastW := max(w-3-idW-1-stateW-1-forW-1-pidW-2, 4)
	cell := func(s string, n int) string { return padRight(truncateWith(s, n, v.g.Ellipsis), n) }
	lines = append(lines, st.Muted.Render("   "+cell("STEP", idW)+" "+cell("STATE", stateW)+" "+cell("FOR", forW)+" "+cell("PID", pidW)+" "+cell("LAST OUTPUT", lastW)))
	now := v.c.Now()
	for i, r := range v.rows {
		mark, idStyle := "  ", st.Item
		if i == v.cursor {
			mark, idStyle = st.Selected.Render(v.g.Cursor)+" ", st.Selected
		}
		state, status := v.state(r)
		d := r.Duration
		if r.Running && !r.Started.IsZero() {
			d = now.Sub(r.Started)
		}
		dur := ""
		if d > 0 || r.Running {
			dur = shortDuration(d)
		}
		pid := ""
		if r.Running && r.Pid > 0 {
			pid = fmt.Sprint(r.Pid)
		}
		last := r.LastLine
		lastStyle := st.Muted
		if r.Err != "" {
			last, lastStyle = r.Err, st.Error
		}
		lines = append(lines, " "+mark+idStyle.Render(cell(r.ID, idW))+" "+v.g.Icon(st, status)+" "+
			st.Status[status].Render(cell(state, stateW-2))+" "+cell(dur, forW)+" "+cell(pid, pidW)+" "+lastStyle.Render(cell(last, lastW)))
	}
	lines = append(lines, "", " "+st.Muted.Render("Background steps stop when the run ends or runbook quits."))
	h := max(v.height-2, 1)
	if len(lines) > h {
		// Keep the header and the cursor's row in view.
		first := min(max(v.cursor+2-h+1, 1), len(lines)-h+1)
		lines = append(lines[:1], lines[first:first+h-1]...)
	}
	return panel(st, v.g, true, "Background steps", info, strings.Join(lines, "\n"), v.width, v.height)
}

// state is a row's state as words and as the status its icon shows.
func (v *BackgroundView) state(r BackgroundRow) (string, journal.Status) {
	switch {
	case r.Stopping:
		return "stopping", journal.Interrupted
	case r.Starting:
		return "starting", journal.Pending
	case r.Running:
		return "ready", journal.Running
	case r.Status == journal.OK:
		return "stopped", journal.OK
	}
	return string(r.Status), r.Status
}
