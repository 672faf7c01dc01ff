package steps

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

type noopExec struct{}

func (noopExec) Run(context.Context, Request) Result { return Result{} }

// BenchmarkEngineStep is the engine's own cost per step (journal writes and
// syncs, substitution, events) with an executor that does nothing.
func BenchmarkEngineStep(b *testing.B) {
	var sts []*runbook.Step
	for i := range 100 {
		sts = append(sts, step(fmt.Sprintf("s%d", i), fmt.Sprintf("true %d", i)))
	}
	doc := &runbook.Document{Path: filepath.Join(b.TempDir(), "d.md"), Steps: sts}
	reg := NewRegistry()
	reg.Register(runbook.KindShell, noopExec{})
	i := 0
	for b.Loop() {
		i++
		e, err := Open(context.Background(), Config{Doc: doc, Registry: reg, Run: fmt.Sprint(i), Environ: []string{}})
		if err != nil {
			b.Fatal(err)
		}
		if s, err := runAll(e, ""); s != journal.OK || err != nil {
			b.Fatal(s, err)
		}
		e.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*100), "µs/step")
}

// bigExec writes size bytes in 32 KiB chunks, like a pipe reader would.
type bigExec struct{ size int }

func (x bigExec) Run(_ context.Context, req Request) Result {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 2048)
	for n := 0; n < x.size; n += len(chunk) {
		req.Output.Write(chunk)
	}
	return Result{}
}

// BenchmarkEngineOutput is the engine's output path (mask, log, deliver)
// for a step printing 256 MiB, with one subscriber that drops it.
func BenchmarkEngineOutput(b *testing.B) {
	const size = 256 << 20
	doc := &runbook.Document{Path: filepath.Join(b.TempDir(), "d.md"), Steps: []*runbook.Step{step("big", "x")}}
	reg := NewRegistry()
	reg.Register(runbook.KindShell, bigExec{size})
	b.SetBytes(size)
	i := 0
	for b.Loop() {
		i++
		e, err := Open(context.Background(), Config{Doc: doc, Registry: reg, Run: fmt.Sprint(i), Environ: []string{}})
		if err != nil {
			b.Fatal(err)
		}
		e.Subscribe(func(Event) {})
		if s, err := e.Run(context.Background(), "big", RunOptions{}); s != journal.OK || err != nil {
			b.Fatal(s, err)
		}
		e.Close()
		os.RemoveAll(e.RunDir())
	}
}
