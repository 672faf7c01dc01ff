package shell

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/steps"
)

// A step that is not interactive and reads its terminal (a password
// prompt reads /dev/tty) is reported waiting; what is typed into its
// terminal through Request.Input reaches it, and the wait is then over.
func TestWaitingForInputIsSeenAndAnswered(t *testing.T) {
	code := `printf 'password: '; read -r pw </dev/tty; echo "got $pw"`
	var out syncBuffer
	var mu sync.Mutex
	var said []bool
	var input io.Writer
	req := steps.Request{Step: shellStep(code), Command: code, Output: &out, Timeout: 30 * time.Second,
		Input:   func(w io.Writer) { mu.Lock(); input = w; mu.Unlock() },
		Waiting: func(w bool) { mu.Lock(); said = append(said, w); mu.Unlock() },
	}
	done := make(chan steps.Result, 1)
	go func() { done <- New(Options{}).Run(context.Background(), req) }()
	waitFor(t, "the step said to wait for input", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(said) == 1 && said[0] && input != nil
	})
	mu.Lock()
	_, err := input.Write([]byte("s3cret\r"))
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var res steps.Result
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the step did not take the input; output %q", out.String())
	}
	if !res.OK() || !strings.Contains(out.String(), "got s3cret") {
		t.Fatalf("result %+v output %q", res, out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(said) != 2 || said[1] {
		t.Errorf("waiting said %v, want [true false]", said)
	}
}

// A step that is busy, or sleeping, is not waiting for input.
func TestBusyStepIsNotWaitingForInput(t *testing.T) {
	code := `sleep 1; echo done`
	var said []bool
	var mu sync.Mutex
	req := steps.Request{Step: shellStep(code), Command: code, Output: io.Discard,
		Waiting: func(w bool) { mu.Lock(); said = append(said, w); mu.Unlock() }}
	if res := New(Options{}).Run(context.Background(), req); !res.OK() {
		t.Fatalf("result %+v", res)
	}
	if len(said) != 0 {
		t.Errorf("waiting said %v for a sleeping step", said)
	}
}
