package tui

import (
	"errors"
	"fmt"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/steps"
)

// A step that is not interactive runs on a terminal of its own nobody
// types into. When it blocks reading it (a password prompt, a question)
// the engine says so (Event.Wait): the TUI tells the engineer, and `i`
// opens an input mode whose keys go to the step's terminal
// (Engine.Input) until esc. Runbook echoes nothing: the step's terminal
// echoes as it decides, so a password typed at `read -s` stays hidden
// (docs/run-model.md, "A step waiting for input").

// InputKeys are the keys of typing into a running step.
type InputKeys struct {
	TypeInput, LeaveInput key.Binding
}

func newInputKeys() InputKeys {
	return InputKeys{
		TypeInput:  key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "type into the step")),
		LeaveInput: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop typing into it")),
	}
}

// inputMode is the running step's input as the TUI knows it.
type inputMode struct {
	waiting string // the step blocked reading its terminal now
	typing  string // the step keys go to ("" outside input mode)

	qmu   sync.Mutex
	queue []byte     // typed, not written yet, in order
	wmu   sync.Mutex // one write at a time: keys reach the step in order
}

// inputFailedMsg says typed keys could not reach the step.
type inputFailedMsg struct {
	step string
	err  error
}

// onWait follows a step's "waiting for input" events.
func (m *Model) onWait(ev Event) {
	if st := m.doc.Step(ev.Step); st == nil || steps.RunsInBackground(st) {
		return
	}
	switch ev.Wait {
	case steps.WaitingInput:
		m.in.waiting = ev.Step
	case steps.WaitOver:
		if m.in.waiting == ev.Step {
			m.in.waiting = ""
		}
	}
	m.showInputState()
}

// showInputState puts what the step's input needs in the status bar and
// the output pane's title, where it stays until it changes.
func (m *Model) showInputState() {
	switch {
	case m.in.typing != "":
		m.status.SetNotice(fmt.Sprintf("⌨ typing into %s — esc stops (runbook echoes nothing)", m.in.typing))
		m.output.SetNote("⌨ typing into it — esc stops")
	case m.in.waiting != "":
		m.status.SetNotice(fmt.Sprintf("⏸ %s is waiting for input — press i to type into it", m.in.waiting))
		m.output.SetNote("⏸ waiting for input — press i")
	default:
		m.status.SetNotice("")
		m.output.SetNote("")
	}
}

// startTyping opens input mode on the running step.
func (m *Model) startTyping() tea.Cmd {
	id := m.running
	if id == "" {
		m.say("nothing is running to type into")
		return nil
	}
	if st := m.doc.Step(id); st != nil && st.Attrs.Interactive {
		m.say("%s has the terminal to itself", id)
		return nil
	}
	m.in.qmu.Lock()
	m.in.queue = nil
	m.in.qmu.Unlock()
	m.in.typing = id
	m.showInputState()
	return nil
}

// stopTyping leaves input mode.
func (m *Model) stopTyping() {
	m.in.typing = ""
	m.showInputState()
}

// inputKey sends a key typed in input mode to the step; esc leaves, and
// ctrl+c still interrupts the step.
func (m *Model) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.common.Keys
	switch {
	case key.Matches(msg, k.LeaveInput):
		m.stopTyping()
		m.say("stopped typing into %s", m.running)
		return nil
	case key.Matches(msg, k.Interrupt):
		m.stopTyping()
		cmd, _ := m.globalKey(msg)
		return cmd
	}
	p := keyBytes(msg)
	if len(p) == 0 {
		return nil
	}
	in, eng, id := &m.in, m.eng, m.in.typing
	in.qmu.Lock()
	in.queue = append(in.queue, p...)
	in.qmu.Unlock()
	// Cmds run concurrently: each one writes whatever is queued, under
	// one lock, so the step gets the keys in the order they were typed.
	return func() tea.Msg {
		in.wmu.Lock()
		defer in.wmu.Unlock()
		in.qmu.Lock()
		data := in.queue
		in.queue = nil
		in.qmu.Unlock()
		if len(data) == 0 {
			return nil
		}
		if err := eng.Input(id, data); err != nil {
			return inputFailedMsg{step: id, err: err}
		}
		return nil
	}
}

// inputFailed leaves input mode when the keys cannot reach the step.
func (m *Model) inputFailed(msg inputFailedMsg) tea.Cmd {
	if m.in.typing != msg.step {
		return nil
	}
	m.stopTyping()
	if errors.Is(msg.err, steps.ErrNoInput) {
		m.failf("%s does not read a terminal runbook can type into", msg.step)
		return nil
	}
	m.fail(msg.err)
	return nil
}

// stepEndedInput forgets the input state of a step that ended.
func (m *Model) stepEndedInput(id string) {
	if m.in.typing == id || m.in.waiting == id {
		m.in.typing, m.in.waiting = "", ""
		m.showInputState()
	}
}

// keyBytes is what a terminal sends for a key: the text typed, or the
// control byte or escape sequence of a special key.
func keyBytes(msg tea.KeyPressMsg) []byte {
	switch msg.Code {
	case tea.KeyEnter:
		return []byte("\r")
	case tea.KeyBackspace:
		return []byte{0x7f}
	case tea.KeyTab:
		return []byte("\t")
	case tea.KeyUp:
		return []byte("\x1b[A")
	case tea.KeyDown:
		return []byte("\x1b[B")
	case tea.KeyRight:
		return []byte("\x1b[C")
	case tea.KeyLeft:
		return []byte("\x1b[D")
	case tea.KeyDelete:
		return []byte("\x1b[3~")
	}
	if msg.Mod == tea.ModCtrl && msg.Code >= 'a' && msg.Code <= 'z' {
		return []byte{byte(msg.Code - 'a' + 1)} // ctrl+d is EOF
	}
	if msg.Mod&^tea.ModShift == 0 && msg.Text != "" {
		return []byte(msg.Text)
	}
	return nil
}

// followUpMsg routes the messages of the TUI's follow-ups (typing into a
// step, S3 unreachable, a past run read-only) to their handlers.
func (m *Model) followUpMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pastLoadedMsg:
		return m.pastLoaded(msg)
	case pastLogMsg:
		m.pastLog(msg)
	case unreachableMsg:
		return m.askUnreachable(msg)
	case inputFailedMsg:
		return m.inputFailed(msg)
	}
	return nil
}
