package tui

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// shownProbe is probe that also says, from inside Update (no data race),
// once the output pane shows the step and the run's first snapshot is in:
// from then on nothing moves the pane to another step.
type shownProbe struct {
	probe
	step         string
	ready, shown chan struct{}
	once, once2  *sync.Once
}

func (p shownProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := p.probe.Update(msg)
	if p.Model.snap != nil && p.Model.state == stateMain {
		p.once.Do(func() { close(p.ready) })
		if p.Model.shownStep == p.step {
			p.once2.Do(func() { close(p.shown) })
		}
	}
	return p, cmd
}

// colourFlood is flood (perf_test.go) with colours on and a step whose
// every line changes colour twice, like a coloured test runner or `ls
// --color`: the output pane keeps and renders the SGR sequences.
func colourFlood(t testing.TB, presses int, total int64) []time.Duration {
	eng := newFakeEngine(demoDoc())
	m := New(eng, Options{IsDark: true})
	unsub := eng.Subscribe(m.subscriber())
	defer unsub()
	p := shownProbe{probe: probe{Model: m, handled: make(chan time.Time, 16)}, step: "fetch-deps",
		ready: make(chan struct{}), shown: make(chan struct{}), once: new(sync.Once), once2: new(sync.Once)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prog := tea.NewProgram(p, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard),
		tea.WithoutSignalHandler(), tea.WithWindowSize(100, 30))
	done := make(chan struct{})
	go func() { prog.Run(); close(done) }()

	// Focus the output pane, so that j/k scroll the flooded pane (in the
	// checklist they would select another step and the pane would stop
	// showing the flood).
	for range 2 {
		prog.Send(keyMsg("tab"))
		<-p.handled
	}
	// The step starts once the run's first snapshot is in: before, it
	// would be offered as an interrupted step to resume.
	select {
	case <-p.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the run's first snapshot never came")
	}
	eng.journal(journal.Event{Type: journal.StepStarted, Step: "fetch-deps", Attempt: 1})
	select {
	case <-p.shown:
	case <-time.After(10 * time.Second):
		t.Fatal("the output pane never showed the started step")
	}
	line := []byte("\x1b[32mPASS\x1b[0m pkg/\x1b[1;34mthing\x1b[0m 0.01s\r\n")
	chunk := bytes.Repeat(line, 32<<10/len(line))
	var sent atomic.Int64
	stop := make(chan struct{})
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		for sent.Load() < total {
			select {
			case <-stop:
				return
			default:
			}
			eng.emit("fetch-deps", 1, chunk)
			sent.Add(int64(len(chunk)))
		}
	}()
	var lat []time.Duration
	keys := []tea.KeyPressMsg{keyMsg("k"), keyMsg("j")}
	for i := 0; i < presses; i++ {
		start := time.Now()
		prog.Send(keys[i%2])
		select {
		case at := <-p.handled:
			lat = append(lat, at.Sub(start))
		case <-time.After(10 * time.Second):
			t.Fatalf("key %d not handled within 10s", i)
		}
	}
	<-flooded
	close(stop)
	prog.Quit()
	<-done
	if v := m.output.View(); !bytes.Contains([]byte(v), []byte("\x1b[32mPASS")) {
		t.Fatalf("the coloured flood's colours are not on screen:\n%q", v)
	}
	return lat
}

// TestKeyLatencyUnderColourFlood: colours rendered, keys still answer.
func TestKeyLatencyUnderColourFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("floods 64 MiB of output")
	}
	lat := colourFlood(t, 200, 64<<20)
	p50, worst := percentile(lat, 0.5), percentile(lat, 1)
	t.Logf("coloured flood: key latency p50 %v, p95 %v, max %v", p50, percentile(lat, 0.95), worst)
	if os.Getenv("RUNBOOK_PERF") != "" && (p50 > 50*time.Millisecond || worst > 100*time.Millisecond) {
		t.Errorf("key latency p50 %v max %v under a coloured flood, want ≤ 50ms / ≤ 100ms", p50, worst)
	}
}

// BenchmarkKeyLatencyUnderColourFlood reports the figures for 200 MiB.
func BenchmarkKeyLatencyUnderColourFlood(b *testing.B) {
	for i := 0; i < b.N; i++ {
		lat := colourFlood(b, 200, 200<<20)
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
		b.ReportMetric(float64(percentile(lat, 1).Microseconds())/1000, "max-ms")
	}
}

// BenchmarkOutputPaneColourWrite is the pane's own cost per MiB of
// coloured output (parse + keep SGR), without the program around it.
func BenchmarkOutputPaneColourWrite(b *testing.B) {
	o := NewOutputPane(colourCommon())
	line := []byte("\x1b[32mPASS\x1b[0m pkg/\x1b[1;34mthing\x1b[0m 0.01s\r\n")
	chunk := bytes.Repeat(line, 1<<20/len(line))
	b.SetBytes(int64(len(chunk)))
	for i := 0; i < b.N; i++ {
		o.Write(chunk)
	}
}

// BenchmarkOutputPanePlainWrite is the same for the plain flood of
// perf_test.go (`yes`), to see that keeping colours costs plain output
// nothing.
func BenchmarkOutputPanePlainWrite(b *testing.B) {
	o := NewOutputPane(colourCommon())
	chunk := bytes.Repeat([]byte("y\r\n"), 1<<20/3)
	b.SetBytes(int64(len(chunk)))
	for i := 0; i < b.N; i++ {
		o.Write(chunk)
	}
}
