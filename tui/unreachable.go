package tui

import (
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// When a run's shared state (S3) stays unreachable as a step is about to
// start, the engine asks what to do, on its own goroutine, and waits
// (state.MirrorOptions.Unreachable). The TUI asks the engineer in a
// dialog, with the same three answers as line mode's
// --if-unreachable ask (docs/team.md): wait and retry, continue locally
// (journaled; `runbook sync` later), or stop.

// UnreachableChoice is the engineer's answer.
type UnreachableChoice int

const (
	UnreachableWait  UnreachableChoice = iota // try again
	UnreachableLocal                          // go on locally, sync later
	UnreachableStop                           // the step does not start
)

// Unreachable carries the engine's question to the TUI that runs now and
// its answer back. The caller makes one, hands Ask to the engine, and
// passes it in RunConfig.
type Unreachable struct {
	mu   sync.Mutex
	send func(tea.Msg) // nil while no TUI shows it
	gone chan struct{} // closed when that TUI ends
}

// NewUnreachable returns an Unreachable no TUI shows yet.
func NewUnreachable() *Unreachable { return &Unreachable{} }

// Ask asks the engineer, and waits for the answer: Stop when no TUI runs
// or it ends before the engineer answered (fail closed: the step does
// not start). Safe from any goroutine; never from the TUI's own.
func (u *Unreachable) Ask(err error, waited time.Duration) UnreachableChoice {
	if u == nil {
		return UnreachableStop
	}
	u.mu.Lock()
	send, gone := u.send, u.gone
	u.mu.Unlock()
	if send == nil {
		return UnreachableStop
	}
	reply := make(chan UnreachableChoice, 1)
	go send(unreachableMsg{reason: oneLine(err.Error()), waited: waited, reply: reply})
	select {
	case c := <-reply:
		return c
	case <-gone:
		return UnreachableStop
	}
}

// attach shows the questions in a program (send is its Send); detach
// answers Stop to a question still open.
func (u *Unreachable) attach(send func(tea.Msg)) (detach func()) {
	if u == nil {
		return func() {}
	}
	u.mu.Lock()
	gone := make(chan struct{})
	u.send, u.gone = send, gone
	u.mu.Unlock()
	return func() {
		u.mu.Lock()
		u.send = nil
		u.mu.Unlock()
		close(gone)
	}
}

// unreachableMsg is the engine's question.
type unreachableMsg struct {
	reason string
	waited time.Duration
	reply  chan UnreachableChoice // buffered: answering never blocks
}

// unreachableRetry is how soon a question that came while another dialog
// was open is tried again.
const unreachableRetry = 200 * time.Millisecond

// askUnreachable opens the dialog; a form being filled in is never
// replaced: the question waits until it is closed (the status bar says
// so meanwhile).
func (m *Model) askUnreachable(msg unreachableMsg) tea.Cmd {
	if m.quitAfterRun {
		msg.reply <- UnreachableStop // quitting: the step must not start
		return nil
	}
	if m.dialog != nil || m.state != stateMain {
		m.failf("the shared state is unreachable: answer once this is closed")
		return tea.Tick(unreachableRetry, func(time.Time) tea.Msg { return msg })
	}
	if m.in.typing != "" {
		m.stopTyping()
	}
	choice := UnreachableWait
	answered := false
	answer := func(c UnreachableChoice) {
		if !answered {
			answered = true
			msg.reply <- c
		}
	}
	q := fmt.Sprintf("S3 unreachable: %s.", msg.reason)
	desc := "The step waits: it starts only once its start is stored."
	if msg.waited > 0 {
		desc = fmt.Sprintf("Waited %s so far; the step starts only once its start is stored.", msg.waited.Round(time.Second))
	}
	cmd := m.openDialog("Shared state unreachable", func() tea.Cmd {
		answer(choice)
		switch choice {
		case UnreachableWait:
			m.say("waiting for S3 and retrying…")
		case UnreachableLocal:
			m.say("going on locally (journaled): runbook sync pushes the events once S3 is back")
		case UnreachableStop:
			m.say("stopped: the step did not start (run it again to retry)")
		}
		return nil
	}, huh.NewGroup(huh.NewSelect[UnreachableChoice]().Title(fitMessage(q, 6*max(m.dialogWidth()-8, 20))).
		Description(desc).
		Options(
			huh.NewOption("Wait and retry", UnreachableWait),
			huh.NewOption("Continue locally (sync later with `runbook sync`)", UnreachableLocal),
			huh.NewOption("Stop", UnreachableStop),
		).Value(&choice)))
	// esc, ctrl+c or the step ending otherwise: the step does not start
	m.dialog.onCancel = func() { answer(UnreachableStop) }
	return cmd
}
