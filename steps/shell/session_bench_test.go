package shell

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
)

// BenchmarkCollect is the Go side of capturing a step's state: reading
// and comparing the two listings of a shell with a typical environment.
func BenchmarkCollect(b *testing.B) {
	before, err1 := os.ReadFile("/dev/shm/rb-before")
	after, err2 := os.ReadFile("/dev/shm/rb-after")
	if err1 != nil || err2 != nil {
		b.Skip("no listings in /dev/shm (run a step with the prelude first)")
	}
	b.SetBytes(int64(len(before) + len(after)))
	for b.Loop() {
		x, _ := parseListing(runbook.DialectBash, before)
		y, _ := parseListing(runbook.DialectBash, after)
		diffListings(runbook.DialectBash, x, y)
	}
}

// BenchmarkStepSession is one `true` step without and with the session
// (restore, two listings, the comparison): the price of a run being one
// terminal session.
func BenchmarkStepSession(b *testing.B) {
	e := New(Options{NoPTY: true})
	st := &runbook.Step{ID: "s", Kind: runbook.KindShell, Lang: "bash", Code: "X=1"}
	for _, c := range []struct {
		name string
		sess *steps.ShellSession
	}{{"fresh", nil}, {"session", &steps.ShellSession{Capture: true}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res := e.Run(context.Background(), steps.Request{Step: st, Command: "X=1", Output: io.Discard, Dir: b.TempDir(), Session: c.sess})
				if !res.OK() {
					b.Fatal(res)
				}
			}
		})
	}
}
