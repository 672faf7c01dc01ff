package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
)

// RunConfig is how the command line starts the TUI.
type RunConfig struct {
	Options
	In  io.Reader
	Out io.Writer
	// Env is the environment bubbletea reads the terminal's colour
	// profile from; the caller (cmd) reads $EDITOR, NO_COLOR, the locale
	// and the background into Options: the TUI reads no environment
	// itself.
	Env []string
	// Unreachable, when set, asks the engineer in a dialog when the
	// run's shared state stays unreachable (unreachable.go).
	Unreachable *Unreachable
}

// Run shows the TUI until the engineer quits. Every engine event is on disk
// before it is shown, so quitting (or a crash) loses nothing; bubbletea
// restores the terminal on a panic.
func Run(ctx context.Context, eng Engine, cfg RunConfig) (Result, error) {
	if cfg.Ctx == nil {
		cfg.Ctx = ctx
	}
	m := New(eng, cfg.Options)
	unsubscribe := eng.Subscribe(m.subscriber())
	defer func() {
		unsubscribe()
		m.bridge.close()
	}()
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithEnvironment(cfg.Env)}
	if cfg.In != nil {
		opts = append(opts, tea.WithInput(cfg.In))
	}
	if cfg.Out != nil {
		opts = append(opts, tea.WithOutput(cfg.Out))
	}
	p := tea.NewProgram(m, opts...)
	// A hang-up (the terminal or the SSH session went away) or SIGTERM
	// kills a Go program outright, mid-step. Quit instead, so the step is
	// interrupted (its process group stopped, a SQL statement killed) and
	// its end journaled below, as on q; the exit status is then 1.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP, syscall.SIGTERM)
	ran := make(chan struct{})
	var hungUp atomic.Bool
	go func() {
		select {
		case <-hup:
			hungUp.Store(true)
			p.Quit()
		case <-ran:
		}
	}()
	detach := cfg.Unreachable.attach(p.Send)
	_, err := p.Run()
	detach() // a question still open is answered Stop: the step does not start
	signal.Stop(hup)
	close(ran)
	// However the program ended (quit, signal, crash of the UI), a step
	// still running is interrupted and its end journaled before the caller
	// closes the engine.
	running := m.running
	m.interrupt()
	waitRuns(&m.runs, 30*time.Second)
	if err != nil {
		return Result{}, fmt.Errorf("tui: %w", err)
	}
	res := m.Result()
	if running != "" {
		res.Interrupted = running
	}
	res.HungUp = hungUp.Load()
	return res, nil
}

// waitRuns waits for the running step's Cmd, bounded: the executor kills
// the step's group after its grace period, so this only guards against a
// wedged executor.
func waitRuns(wg *sync.WaitGroup, limit time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
	}
}
