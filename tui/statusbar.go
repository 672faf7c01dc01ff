package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

func (m *Model) dialogView() string {
	w, h := m.dialogWidth(), m.mainHeight()
	content := m.dialog.form.View()
	return pane(m.common.Styles, true, m.dialog.title, "esc cancels", content, w, h)
}

// statusBar: run, doc, AWS identity, progress and elapsed, or a message.
func (m *Model) statusBar() string {
	st := m.styles
	run := ""
	started := m.started
	var ident *journal.Identity
	if m.snap != nil && m.snap.state != nil {
		run = m.snap.state.Run
		if !m.snap.state.Started.IsZero() {
			started = m.snap.state.Started
		}
		ident = m.snap.state.Identity
	}
	done, total := m.checklist.Progress()
	el := m.common.Now().Sub(started).Truncate(time.Second)
	right := fmt.Sprintf("%d/%d · %s ", done, total, fmtDuration(el))
	if m.running != "" {
		right = fmt.Sprintf("%s %s · %s", m.running, fmtDuration(m.common.Now().Sub(m.runStarted)), right)
	}
	msg := ""
	if m.message != "" {
		msg = " " + m.message
	}
	// The left part loses detail until the message fits.
	aws := ""
	if ident != nil && ident.Account != "" {
		aws = " · aws " + ident.Account
		if ident.Region != "" {
			aws += " " + ident.Region
		}
	}
	doc := " · " + filepath.Base(m.doc.Path)
	runPart := ""
	if run != "" {
		runPart = " · run " + run
	}
	candidates := []string{" runbook" + runPart + doc + aws, " runbook" + runPart + aws, strings.TrimPrefix(runPart, " · ") + aws}
	left := candidates[0]
	for _, c := range candidates {
		left = " " + strings.TrimLeft(c, " ")
		if m.width-lipgloss.Width(left)-lipgloss.Width(right) >= min(lipgloss.Width(msg), 48)+1 {
			break
		}
	}
	avail := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	msg = truncate(msg, max(avail-1, 0))
	gap := max(avail-lipgloss.Width(msg), 0)
	msgStyle := st.StatusBar
	if m.messageIsErr {
		msgStyle = msgStyle.Foreground(st.Error.GetForeground()).Bold(true)
	}
	line := st.StatusKey.Render(left) + msgStyle.Render(msg) + st.StatusBar.Render(strings.Repeat(" ", gap)+right)
	return truncate(line, m.width)
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
