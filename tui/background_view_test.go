package tui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

type bgSrc struct {
	running []steps.BackgroundStep
	st      *journal.State
	dir     string
	stopped []string
}

func (s *bgSrc) Background() []steps.BackgroundStep { return s.running }
func (s *bgSrc) State() *journal.State              { return s.st }
func (s *bgSrc) RunDir() string                     { return s.dir }
func (s *bgSrc) StopBackground(id string) error {
	s.stopped = append(s.stopped, id)
	if id == "stuck" {
		return errTest("step stuck is not running in the background")
	}
	return nil
}

// bgFixture: two running (one ready, one the root is still starting),
// one stopped by the engineer, one left running by an earlier runbook,
// one failed at once; logs on disk.
func bgFixture(t *testing.T) *bgSrc {
	dir := t.TempDir()
	write := func(name, s string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	st := journal.NewState()
	bgAttempt := func(id string, status journal.Status, started time.Time, d time.Duration, log string) {
		st.Steps[id] = &journal.StepState{Status: status, Attempts: []journal.Attempt{{N: 1, Started: started, Duration: d, Status: status, Log: log, Background: true}}}
	}
	t0 := testNow.Add(-10 * time.Minute)
	bgAttempt("port-forward", journal.Running, t0, 0, write("pf.log", "Forwarding from 127.0.0.1:8080 -> 80\nHandling connection for 8080\n"))
	bgAttempt("http-server", journal.Running, testNow.Add(-3*time.Second), 0, write("hs.log", "\x1b[32mServing HTTP\x1b[0m on 127.0.0.1 port 8000\n\n"))
	bgAttempt("old-tunnel", journal.OK, t0.Add(-time.Hour), 42*time.Minute, write("ot.log", "tunnel up\r\ntunnel closed\n"))
	bgAttempt("db-proxy", journal.Running, t0.Add(-2*time.Hour), 0, "")
	bgAttempt("bad-port", journal.Failed, t0.Add(time.Minute), 100*time.Millisecond, write("bp.log", "listen tcp :8080: bind: address already in use\n"))
	st.Steps["build"] = &journal.StepState{Status: journal.OK, Attempts: []journal.Attempt{{N: 1, Status: journal.OK}}}
	return &bgSrc{dir: dir, st: st, running: []steps.BackgroundStep{
		{ID: "port-forward", Attempt: 1, Pid: 4242, Started: t0, Log: "pf.log"},
		{ID: "http-server", Attempt: 1, Pid: 4250, Started: testNow.Add(-3 * time.Second), Log: "hs.log"},
	}}
}

func bgAt(t *testing.T, c *Common, g Glyphs, w, h int) (*BackgroundView, *bgSrc) {
	src := bgFixture(t)
	v := NewBackgroundView(c, g)
	v.SetSize(w, h)
	v.SetRows(LoadBackgroundCmd(src, "http-server")().(BackgroundLoadedMsg).Rows)
	return v, src
}

func TestBackgroundGolden(t *testing.T) {
	v, _ := bgAt(t, testCommon(), UnicodeGlyphs(), 80, 24)
	golden(t, "background_80x24", plain(v.View()))
	v, _ = bgAt(t, testCommon(), UnicodeGlyphs(), 120, 40)
	golden(t, "background_120x40", plain(v.View()))
	v, _ = bgAt(t, asciiCommon(), ASCIIGlyphs(), 80, 24)
	golden(t, "background_ascii_80x24", plain(v.View()))
	for _, r := range plain(v.View()) {
		if r > 0x7e {
			t.Fatalf("ASCII tab has %q", r)
		}
	}
	v, _ = bgAt(t, testCommon(), UnicodeGlyphs(), 80, 24)
	golden(t, "background_nocolor_80x24", v.View()+"\n")
	e := NewBackgroundView(testCommon(), UnicodeGlyphs())
	e.SetSize(80, 6)
	golden(t, "background_empty", plain(e.View()))
}

func TestBackgroundRows(t *testing.T) {
	v, _ := bgAt(t, testCommon(), UnicodeGlyphs(), 80, 24)
	var got []string
	for _, r := range v.Rows() {
		st, _ := v.state(r)
		got = append(got, r.ID+"|"+st+"|"+r.LastLine)
	}
	want := []string{
		"port-forward|ready|Handling connection for 8080",
		"http-server|starting|Serving HTTP on 127.0.0.1 port 8000",
		"db-proxy|interrupted|",
		"old-tunnel|stopped|tunnel closed",
		"bad-port|failed|listen tcp :8080: bind: address already in use",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v.Running() != 2 {
		t.Errorf("running %d", v.Running())
	}
}

// x stops the selected running step once; the answer clears "stopping"
// (or shows the error); an ended step cannot be stopped; L opens its log.
func TestBackgroundStop(t *testing.T) {
	v, src := bgAt(t, testCommon(), UnicodeGlyphs(), 100, 20)
	c := v.Update(keyMsg("x"))
	if c == nil || c() != (StopBackgroundMsg{ID: "port-forward"}) {
		t.Fatalf("x: %v", c)
	}
	if v.Update(keyMsg("x")) != nil {
		t.Fatal("a second x while stopping")
	}
	if !strings.Contains(plain(v.View()), "stopping") {
		t.Errorf("not shown stopping:\n%s", plain(v.View()))
	}
	// A reload meanwhile keeps it stopping.
	v.SetRows(LoadBackgroundCmd(src, "http-server")().(BackgroundLoadedMsg).Rows)
	if !v.Rows()[0].Stopping {
		t.Fatal("reload forgot the stop under way")
	}
	v.Update(StopBackgroundCmd(src, "port-forward")())
	if v.Rows()[0].Stopping || !reflect.DeepEqual(src.stopped, []string{"port-forward"}) {
		t.Fatalf("after the answer: %+v, stopped %v", v.Rows()[0], src.stopped)
	}
	v.Update(BackgroundStoppedMsg{ID: "http-server", Err: errTest("no such process")})
	if !strings.Contains(plain(v.View()), "no such process") {
		t.Errorf("error not shown:\n%s", plain(v.View()))
	}
	for range 3 {
		v.Update(keyMsg("j"))
	}
	if v.Update(keyMsg("x")) != nil {
		t.Fatal("stopping a step that ended")
	}
	if m := v.Update(keyMsg("L"))(); m != (OpenLogMsg{Step: "old-tunnel", Log: "ot.log"}) {
		t.Fatalf("L: %v", m)
	}
	if m := v.Update(keyMsg("esc"))(); m != (BackgroundClosedMsg{}) {
		t.Fatalf("esc: %v", m)
	}
}

// Live output updates the last line; a chunk of blank lines keeps it.
func TestBackgroundObserve(t *testing.T) {
	v, _ := bgAt(t, testCommon(), UnicodeGlyphs(), 100, 20)
	v.Observe("port-forward", 1, []byte("Handling connection for 8080\r\n\x1b[1mE1207 lost connection\x1b[0m\n"))
	v.Observe("port-forward", 1, []byte("\n\n"))
	v.Observe("port-forward", 2, []byte("other attempt\n"))
	if got := v.Rows()[0].LastLine; got != "E1207 lost connection" {
		t.Errorf("last line %q", got)
	}
}

func TestLastLogLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.log")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 3*tailBytes)+"\nthe end\tof it\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := LastLogLine(p); got != "the end of it" {
		t.Errorf("%q", got)
	}
	if got := LastLogLine(p + ".missing"); got != "" {
		t.Errorf("missing file: %q", got)
	}
	if got := lastLine([]byte("progress 10%\rprogress 90%")); got != "progress 90%" {
		t.Errorf("\\r: %q", got)
	}
}
