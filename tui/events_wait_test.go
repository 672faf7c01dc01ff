package tui

import (
	"testing"

	"github.com/runbook-sh/runbook/steps"
)

// A step's "waiting for input" event is not merged into its output: the
// output around it is, the event stays.
func TestBridgeKeepsWaitEvents(t *testing.T) {
	b := newBridge()
	b.push(Event{Step: "a", Attempt: 1, Output: []byte("Password: ")})
	b.push(Event{Step: "a", Attempt: 1, Wait: steps.WaitingInput})
	b.push(Event{Step: "a", Attempt: 1, Output: []byte("ok\n")})
	b.push(Event{Step: "a", Attempt: 1, Output: []byte("done\n")})
	evs := b.take()
	if len(evs) != 3 || evs[1].Wait != steps.WaitingInput || string(evs[2].Output) != "ok\ndone\n" {
		t.Fatalf("events %+v", evs)
	}
}
