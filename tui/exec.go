package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// interactiveExec hands the real terminal to an interactive step: bubbletea
// releases the terminal, the engine runs the step on it, and the TUI comes
// back when it exits.
type interactiveExec struct {
	ctx    context.Context
	sess   *steps.Session
	stdin  io.Reader
	status journal.Status
	err    error
}

func (x *interactiveExec) SetStdin(r io.Reader) { x.stdin = r }
func (x *interactiveExec) SetStdout(io.Writer)  {}
func (x *interactiveExec) SetStderr(io.Writer)  {}

func (x *interactiveExec) Run() error {
	tty, _ := x.stdin.(*os.File)
	if tty == nil {
		f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("interactive step needs a terminal: %w", err)
		}
		defer f.Close()
		tty = f
	}
	x.status, x.err = x.sess.Run(x.ctx, RunOptions{Terminal: tty})
	return nil
}

// editorReadyMsg carries the temp file holding the command to edit.
type editorReadyMsg struct {
	step *runbook.Step
	path string
	orig string // the command written to the file
	err  error
}

// openEditor writes the command to a private temp file (in a Cmd: no I/O
// in Update); editorReady then hands the terminal to $EDITOR.
func (m *Model) openEditor(s *runbook.Step) tea.Cmd {
	text := m.currentCommand(s)
	return func() tea.Msg {
		f, err := os.CreateTemp("", "runbook-edit-*.sh")
		if err != nil {
			return editorReadyMsg{err: fmt.Errorf("edit: %w", err)}
		}
		_, werr := f.WriteString(text)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(f.Name())
			return editorReadyMsg{err: fmt.Errorf("edit: %w", werr)}
		}
		return editorReadyMsg{step: s, path: f.Name(), orig: text}
	}
}

// editorReady runs $EDITOR on the file through the real terminal.
func (m *Model) editorReady(msg editorReadyMsg) tea.Cmd {
	if msg.err != nil {
		m.fail(msg.err)
		return nil
	}
	args := strings.Fields(m.opts.Editor)
	c := exec.Command(args[0], append(args[1:], msg.path)...)
	return tea.ExecProcess(c, func(err error) tea.Msg {
		return editorDoneMsg{step: msg.step, path: msg.path, orig: msg.orig, err: err}
	})
}

// editorDone reads the edited command back (in a Cmd) and records it.
func (m *Model) editorDone(msg editorDoneMsg) tea.Cmd {
	eng := m.eng
	return func() tea.Msg {
		defer os.Remove(msg.path)
		if msg.err != nil {
			return actionDoneMsg{err: fmt.Errorf("editor: %w", msg.err)}
		}
		b, err := os.ReadFile(msg.path)
		if err != nil {
			return actionDoneMsg{err: fmt.Errorf("edit: %w", err)}
		}
		cmd := string(b)
		// Compare with what the editor was given, not with the doc's code:
		// after an earlier edit, going back to the doc's command is a
		// change, and calling it "unchanged" kept the old edit running.
		if strings.TrimSpace(cmd) == strings.TrimSpace(msg.orig) {
			return actionDoneMsg{text: "command unchanged"}
		}
		return actionDoneMsg{text: "command edited for this run", err: eng.EditCommand(msg.step.ID, cmd), vars: true}
	}
}
