package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The engine's "S3 unreachable" question is a dialog with line mode's
// three answers; the answer goes back; esc answers stop; a question that
// comes while another dialog is open waits for it.
func TestUnreachableDialog(t *testing.T) {
	h := newHarness(t, 80, 24)
	reply := make(chan UnreachableChoice, 1)
	h.send(unreachableMsg{reason: "state s3://team/prod unreachable: no answer within 10s", waited: 10 * time.Second, reply: reply})
	h.settle()
	golden(t, "unreachable_80x24", h.screen())
	h.press("down", "enter")
	if c := <-reply; c != UnreachableLocal {
		t.Fatalf("answer %v, want local", c)
	}
	if !strings.Contains(h.screen(), "going on locally (journaled)") {
		t.Fatalf("the choice is not said:\n%s", h.screen())
	}

	h.send(unreachableMsg{reason: "x", reply: reply})
	h.settle()
	h.press("esc")
	if c := <-reply; c != UnreachableStop {
		t.Fatalf("esc answered %v, want stop", c)
	}

	h.m.quitAfterRun = true
	h.send(unreachableMsg{reason: "z", reply: reply})
	h.settle()
	if c := <-reply; c != UnreachableStop || h.m.dialog != nil {
		t.Fatalf("quitting: answered %v, dialog %v", c, h.m.dialog != nil)
	}
	h.m.quitAfterRun = false

	h.press("n") // a note form is open
	cmd := h.m.askUnreachable(unreachableMsg{reason: "y", reply: reply})
	if cmd == nil || h.m.dialog.title != "Add a note" || !strings.Contains(h.screen(), "answer once this is closed") {
		t.Fatalf("the question replaced a form being filled in:\n%s", h.screen())
	}
}

// Ask answers stop when no TUI shows the question, or the TUI ends first.
func TestUnreachableAskFailsClosed(t *testing.T) {
	u := NewUnreachable()
	if c := u.Ask(errors.New("down"), 0); c != UnreachableStop {
		t.Fatalf("no TUI: %v", c)
	}
	asked := make(chan struct{})
	detach := u.attach(func(tea.Msg) { close(asked) })
	done := make(chan UnreachableChoice)
	go func() { done <- u.Ask(errors.New("down"), 0) }()
	<-asked
	detach()
	if c := <-done; c != UnreachableStop {
		t.Fatalf("TUI ended: %v", c)
	}
}
