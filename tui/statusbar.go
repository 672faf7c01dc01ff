package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// Messages last this long in the status bar: long enough to read, short
// enough that an old one is never taken for news. An error stays longer.
const (
	messageTTL      = 6 * time.Second
	errorMessageTTL = 30 * time.Second
)

// StatusBar is the top line: run, doc, AWS identity, progress, elapsed
// time and the latest message, which expires (see Expire).
type StatusBar struct {
	common *Common
	info   statusInfo
	msg    string
	isErr  bool
	notice string // stays until changed, over any message (SetNotice)
	at     time.Time
	width  int
}

// NewStatusBar returns an empty status bar.
func NewStatusBar(c *Common) *StatusBar { return &StatusBar{common: c} }

// SetSize sets the bar's width.
func (b *StatusBar) SetSize(w, _ int) { b.width = w }

// Say shows a message; Fail shows an error.
func (b *StatusBar) Say(s string)  { b.msg, b.isErr, b.at = s, false, b.common.Now() }
func (b *StatusBar) Fail(s string) { b.msg, b.isErr, b.at = s, true, b.common.Now() }

// SetNotice shows s, over any message, until it is set again ("" drops
// it): what the running step needs now (a step waiting for input).
func (b *StatusBar) SetNotice(s string) { b.notice = s }

// Clear drops the message.
func (b *StatusBar) Clear() { b.msg = "" }

// Message is the message shown now.
func (b *StatusBar) Message() string { return b.msg }

// Expire drops a message older than its time to live.
func (b *StatusBar) Expire(now time.Time) {
	ttl := messageTTL
	if b.isErr {
		ttl = errorMessageTTL
	}
	if b.msg != "" && now.Sub(b.at) >= ttl {
		b.msg = ""
	}
}

// statusInfo is what the bar shows besides the message.
type statusInfo struct {
	run, doc        string
	ident           *journal.Identity
	running         string
	runFor, elapsed time.Duration
	done, total     int
	background      int // steps running in the background now
}

// statusInfo gathers the bar's facts from the model.
func (m *Model) statusInfo() statusInfo {
	in := statusInfo{doc: filepath.Base(m.doc.Path), running: m.running, run: m.opts.RunName}
	// The clock is the run's: it stands at zero until the run's first
	// event and then counts from the run's start, as the end-of-run
	// summary does. (Counting from the TUI's start before that made it
	// jump back when the values given created the run.)
	var started time.Time
	if m.snap != nil && m.snap.state != nil {
		if m.snap.state.Run != "" {
			in.run = m.snap.state.Run
		}
		if !m.snap.state.Started.IsZero() {
			started = m.snap.state.Started
		}
		in.ident = m.snap.state.Identity
	}
	if m.snap != nil && m.snap.view != nil {
		for _, sv := range m.snap.view.Steps {
			if sv.Background {
				in.background++
			}
		}
	}
	in.done, in.total = m.checklist.Progress()
	if p := m.past; p != nil && m.state == statePast {
		in.done, in.total = p.checklist.Progress() // the run shown read-only
		if st := p.snap.state; st != nil {
			started = m.common.Now().Add(-st.Updated.Sub(st.Started))
		}
	}
	if !started.IsZero() {
		in.elapsed = m.common.Now().Sub(started).Truncate(time.Second)
	}
	in.runFor = m.common.Now().Sub(m.runStarted)
	return in
}

// SetInfo sets what the bar shows besides the message.
func (b *StatusBar) SetInfo(in statusInfo) { b.info = in }

// ShortHelp is empty: the bar has no keys.
func (b *StatusBar) ShortHelp() []key.Binding { return nil }

// FullHelp is empty: the bar has no keys.
func (b *StatusBar) FullHelp() [][]key.Binding { return nil }

// View renders the bar: the left part loses detail until the message fits.
func (b *StatusBar) View() string {
	st, in := b.common.Styles, b.info
	right := fmt.Sprintf("%d/%d · %s ", in.done, in.total, fmtDuration(in.elapsed))
	if in.running != "" {
		right = fmt.Sprintf("%s %s · %s", in.running, fmtDuration(in.runFor), right)
	}
	if in.background > 0 {
		// Says that something still runs, and which key shows it.
		right = fmt.Sprintf("b: %d in background · %s", in.background, right)
	}
	text, isErr := b.msg, b.isErr
	if b.notice != "" {
		text, isErr = b.notice, false
	}
	msg := ""
	if text != "" {
		msg = " " + text
	}
	aws := ""
	if in.ident != nil && in.ident.Account != "" {
		aws = " · aws " + in.ident.Account
		if in.ident.Region != "" {
			aws += " " + in.ident.Region
		}
	}
	doc := " · " + in.doc
	runPart := ""
	if in.run != "" {
		runPart = " · run " + in.run
	}
	// A message too long for any of them gets the whole bar: it goes
	// after a few seconds, and the context comes back.
	candidates := []string{" runbook" + runPart + doc + aws, " runbook" + runPart + aws, strings.TrimPrefix(runPart, " · ") + aws, ""}
	left := candidates[0]
	for _, c := range candidates {
		left = " " + strings.TrimLeft(c, " ")
		if c == "" {
			left = ""
		}
		if b.width-lipgloss.Width(left)-lipgloss.Width(right) >= lipgloss.Width(msg)+1 {
			break
		}
	}
	if left == "" && b.width-lipgloss.Width(right) < lipgloss.Width(msg)+1 {
		// still too long: the progress and the running step go too (the
		// checklist has them)
		right = ""
	}
	avail := b.width - lipgloss.Width(left) - lipgloss.Width(right)
	if msg != "" {
		// never cut the end off: it says what to do (fit.go)
		msg = truncate(" "+fitMessage(text, max(avail-2, 0)), max(avail-1, 0))
	}
	gap := max(avail-lipgloss.Width(msg), 0)
	msgStyle := st.StatusBar
	if isErr {
		msgStyle = msgStyle.Foreground(st.Error.GetForeground()).Bold(true)
	}
	line := st.StatusKey.Render(left) + msgStyle.Render(msg) + st.StatusBar.Render(strings.Repeat(" ", gap)+right)
	return truncate(line, b.width)
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

// statusBar is the status bar as drawn now.
func (m *Model) statusBar() string {
	m.status.SetInfo(m.statusInfo())
	return m.status.View()
}
