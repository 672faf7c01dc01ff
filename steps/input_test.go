//go:build linux

package steps_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/shell"
)

// The engine says when a running step waits for input on its terminal
// (Event.Wait, WaitingForInput) and types into it (Input): what a
// frontend uses to let the engineer answer a prompt of a step that is
// not interactive.
func TestEngineInputToAWaitingStep(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.md")
	src := "# T\n\n```bash {name=login}\nprintf 'Password: '\nread -rs pw </dev/tty\necho \"got ${#pw}\"\n```\n"
	if err := os.WriteFile(doc, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := runbook.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	sh := shell.New(shell.Options{Grace: time.Second})
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, sh)
	e, err := steps.Open(context.Background(), steps.Config{Doc: d, Registry: reg, StateDir: filepath.Join(dir, "state"), Who: "ana", Host: "box"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var mu sync.Mutex
	var waits []steps.WaitState
	var out strings.Builder
	defer e.Subscribe(func(ev steps.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Wait != steps.WaitNone {
			waits = append(waits, ev.Wait)
		}
		out.Write(ev.Output)
	})()
	if err := e.Input("login", []byte("x")); !errors.Is(err, steps.ErrNoInput) {
		t.Errorf("input before the step runs: %v", err)
	}
	done := make(chan journal.Status, 1)
	go func() {
		st, err := e.Run(context.Background(), "login", steps.RunOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(waits)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the step was never said to wait for input")
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	if id, ok := e.WaitingForInput(); id != "login" || !ok {
		t.Errorf("WaitingForInput = %q %v", id, ok)
	}
	if err := e.Input("other", []byte("x")); !errors.Is(err, steps.ErrNoInput) {
		t.Errorf("input to a step not running: %v", err)
	}
	if err := e.Input("login", []byte("hunter2\r")); err != nil {
		t.Fatal(err)
	}
	select {
	case st := <-done:
		if st != journal.OK {
			t.Errorf("status %s", st)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the step did not take the input")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(out.String(), "got 7") || strings.Contains(out.String(), "hunter2") {
		t.Errorf("output %q", out.String())
	}
	if len(waits) != 2 || waits[0] != steps.WaitingInput || waits[1] != steps.WaitOver {
		t.Errorf("waits %v", waits)
	}
	if _, ok := e.WaitingForInput(); ok {
		t.Error("still waiting after the step ended")
	}
}
