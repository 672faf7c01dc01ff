package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// harness drives a Model the way bubbletea does, synchronously enough for
// tests: commands run in goroutines, their messages are applied in the
// test goroutine, engine events are pulled from the model's bridge.
type harness struct {
	t       testing.TB
	m       *Model
	eng     *fakeEngine // nil when the model drives another Engine
	idle    func() int64
	msgs    chan tea.Msg
	waitPtr uintptr
	quit    atomic.Bool  // a tea.Quit was delivered
	pending atomic.Int64 // commands started and not yet delivered
}

var testNow = time.Date(2026, 11, 24, 9, 12, 34, 0, time.UTC)

func newHarness(t testing.TB, w, h int) *harness {
	t.Helper()
	eng := newFakeEngine(demoDoc())
	return newHarnessWith(t, eng, w, h)
}

func newHarnessWith(t testing.TB, eng *fakeEngine, w, h int) *harness {
	return newHarnessOn(t, eng, eng.waiting, w, h)
}

// newHarnessOn drives a model on any Engine (a real one in the
// cross-frontend test); idle counts the engine's runs that wait on
// purpose.
func newHarnessOn(t testing.TB, eng Engine, idle func() int64, w, h int) *harness {
	return newHarnessOpts(t, eng, idle, Options{NoColor: true}, w, h)
}

// newHarnessOpts is newHarnessOn with the colour and ASCII settings of
// opts (the clock is pinned, a new run offered).
func newHarnessOpts(t testing.TB, eng Engine, idle func() int64, opts Options, w, h int) *harness {
	opts.IsDark, opts.Now, opts.OfferNewRun = true, func() time.Time { return testNow }, true
	m := New(eng, opts)
	hs := &harness{t: t, m: m, idle: idle, msgs: make(chan tea.Msg, 1024)}
	hs.eng, _ = eng.(*fakeEngine)
	hs.waitPtr = reflect.ValueOf(m.bridge.wait).Pointer()
	unsub := eng.Subscribe(m.subscriber())
	t.Cleanup(unsub)
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.exec(m.refresh())
	hs.exec(m.selectionChanged())
	hs.settle()
	return hs
}

func (h *harness) exec(c tea.Cmd) {
	if c == nil || reflect.ValueOf(c).Pointer() == h.waitPtr || isTimer(c) {
		return
	}
	h.pending.Add(1)
	go func() {
		defer h.pending.Add(-1)
		h.deliver(c())
	}()
}

// isTimer recognises commands that only sleep then tick (cursor blinks,
// tea.Tick): they change nothing a test looks at and would keep the
// harness from ever being idle.
func isTimer(c tea.Cmd) bool {
	fn := runtime.FuncForPC(reflect.ValueOf(c).Pointer())
	if fn == nil {
		return false
	}
	name := fn.Name()
	return strings.Contains(name, "Blink") || strings.Contains(name, "bubbletea/v2.Tick") || strings.Contains(name, "tui.tick")
}

func (h *harness) deliver(msg tea.Msg) {
	if msg == nil {
		return
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			h.exec(c)
		}
		return
	}
	// tea.Sequence's message type is unexported: a slice of Cmds run in order.
	if rv := reflect.ValueOf(msg); rv.Kind() == reflect.Slice && rv.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < rv.Len(); i++ {
			c := rv.Index(i).Interface().(tea.Cmd)
			if c != nil && reflect.ValueOf(c).Pointer() != h.waitPtr && !isTimer(c) {
				h.deliver(c())
			}
		}
		return
	}
	if _, ok := msg.(tickMsg); ok {
		return
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		h.quit.Store(true)
		return
	}
	if fmt.Sprintf("%T", msg) == "tea.windowSizeMsg" { // tea.RequestWindowSize
		msg = tea.WindowSizeMsg{Width: h.m.width, Height: h.m.height}
	}
	h.msgs <- msg
}

func (h *harness) send(msg tea.Msg) {
	_, c := h.m.Update(msg)
	h.exec(c)
}

// settle applies messages until every command has delivered its message
// (steps the fake engine keeps running on purpose excepted): no guessing
// with quiet periods, so a loaded machine cannot make a test flaky.
func (h *harness) settle() {
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case msg := <-h.msgs:
			h.send(msg)
			h.poll()
			continue
		default:
		}
		if h.poll() {
			continue
		}
		if h.pending.Load() <= h.idle() && len(h.msgs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("harness: %d commands still pending after 10s", h.pending.Load())
		}
		select {
		case msg := <-h.msgs:
			h.send(msg)
			h.poll()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (h *harness) poll() bool {
	if evs := h.m.bridge.take(); len(evs) > 0 {
		h.send(eventsMsg{events: evs})
		return true
	}
	return false
}

// keyMsg builds the key press bubbletea would deliver for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// press sends keys one by one, settling after each.
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.send(keyMsg(k))
		h.settle()
	}
}

// typeText types characters into the focused field.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	h.settle()
}

// screen is the rendered screen without colours or trailing spaces.
func (h *harness) screen() string { return plain(h.m.Render()) }

func plain(s string) string {
	lines := strings.Split(ansi.Strip(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// golden compares got with testdata/name.golden (-update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// selectItem moves the checklist cursor as if the engineer navigated there.
func (h *harness) selectItem(id string) {
	h.t.Helper()
	if !h.m.checklist.SelectStep(id) {
		h.t.Fatalf("no item %q", id)
	}
	h.exec(h.m.selectionChanged())
	h.settle()
}
