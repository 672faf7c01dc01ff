package tui

import (
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/steps"
)

// maxPendingOutput bounds the output kept for one step between two frames.
// The TUI only shows the tail and the full output is in the attempt's log,
// so when the screen falls behind a flood the oldest bytes are dropped here
// instead of piling up in memory.
const maxPendingOutput = 256 << 10

// bridge turns engine events, delivered on the engine's goroutines, into
// tea messages. Subscribers must not block, so events are queued here and
// consecutive output chunks of one attempt are merged: however fast a step
// writes, the program receives at most one eventsMsg per wait, and key
// presses queued meanwhile are handled in between.
type bridge struct {
	mu      sync.Mutex
	pending []Event
	closed  bool
	notify  chan struct{} // capacity 1: "something is pending"
}

// eventsMsg carries every engine event received since the last one, in order.
type eventsMsg struct{ events []Event }

// bridgeClosedMsg tells the model the subscription ended.
type bridgeClosedMsg struct{}

func newBridge() *bridge { return &bridge{notify: make(chan struct{}, 1)} }

// push is the engine subscriber: it never blocks.
func (b *bridge) push(ev Event) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	n := len(b.pending)
	// a "waiting for input" event (Wait) is kept apart, not merged
	if ev.Journal == nil && ev.Wait == steps.WaitNone && n > 0 {
		last := &b.pending[n-1]
		if last.Journal == nil && last.Wait == steps.WaitNone && last.Step == ev.Step && last.Attempt == ev.Attempt {
			last.Output = append(last.Output, ev.Output...)
			if over := len(last.Output) - maxPendingOutput; over > 0 {
				last.Output = append(last.Output[:0:0], last.Output[over:]...)
			}
			b.mu.Unlock()
			b.signal()
			return
		}
	}
	if ev.Journal == nil {
		// The engine may reuse its buffer once we return.
		ev.Output = append([]byte(nil), ev.Output...)
	}
	b.pending = append(b.pending, ev)
	b.mu.Unlock()
	b.signal()
}

func (b *bridge) signal() {
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

func (b *bridge) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.signal()
}

// wait is the tea.Cmd that blocks until events are pending; the model
// issues it again after each eventsMsg.
func (b *bridge) wait() tea.Msg {
	for range b.notify {
		b.mu.Lock()
		evs, closed := b.pending, b.closed
		b.pending = nil
		b.mu.Unlock()
		if len(evs) > 0 {
			return eventsMsg{events: evs}
		}
		if closed {
			return bridgeClosedMsg{}
		}
	}
	return bridgeClosedMsg{}
}

// take returns what is pending without waiting (tests drive the model
// synchronously with it).
func (b *bridge) take() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	evs := b.pending
	b.pending = nil
	return evs
}
