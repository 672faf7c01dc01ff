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
)

// interactiveExec hands the real terminal to an interactive step: bubbletea
// releases the terminal, the engine runs the step on it, and the TUI comes
// back when it exits.
type interactiveExec struct {
	ctx    context.Context
	eng    Engine
	id     string
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
	x.status, x.err = x.eng.Run(x.ctx, x.id, RunOptions{Terminal: tty})
	return nil
}

// openEditor edits a step's command in $EDITOR, in a private temp file.
func (m *Model) openEditor(s *runbook.Step) tea.Cmd {
	f, err := os.CreateTemp("", "runbook-edit-*.sh")
	if err != nil {
		m.fail(fmt.Errorf("edit: %w", err))
		return nil
	}
	path := f.Name()
	_, werr := f.WriteString(m.currentCommand(s))
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(path)
		m.fail(fmt.Errorf("edit: cannot write %s", path))
		return nil
	}
	args := strings.Fields(m.opts.Editor)
	c := exec.Command(args[0], append(args[1:], path)...)
	return tea.ExecProcess(c, func(err error) tea.Msg { return editorDoneMsg{step: s, path: path, err: err} })
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
		if strings.TrimSpace(cmd) == strings.TrimSpace(msg.step.Code) {
			return actionDoneMsg{text: "command unchanged"}
		}
		return actionDoneMsg{text: "command edited for this run", err: eng.EditCommand(msg.step.ID, cmd), vars: true}
	}
}
