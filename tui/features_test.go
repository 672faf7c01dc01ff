package tui

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/steps"
)

// miniRoot is a root model wired exactly as features.go's WIRING says,
// on fakes: if the wiring steps are wrong or incomplete, this fails.
type miniRoot struct {
	c       *Common
	feat    FeatureKeys
	clip    *Clipboard
	values  *ValuesView
	bg      *BackgroundView
	summary *Summary
	output  *OutputPane
	eng     *miniEngine
	export  ExportFunc
	state   string // main, values, background, summary
	said    []string
	copied  []string
	quit    bool
	answer  *ValuesAnsweredMsg
}

// miniEngine is the part of the engine the wiring uses.
type miniEngine struct {
	*bgSrc
	set map[string]string
}

func (e *miniEngine) Session() []steps.SessionValue { return sessionFixture() }
func (e *miniEngine) SetSessionValue(n, v string) error {
	e.set[n] = v
	return nil
}

func newMiniRoot(t *testing.T) *miniRoot {
	c := testCommon()
	g := UnicodeGlyphs()
	r := &miniRoot{c: c, feat: DefaultFeatureKeys(), values: NewValuesView(c, g), bg: NewBackgroundView(c, g),
		summary: NewSummary(c, g, "acme-api-runbook.md", "acme-api-runbook.1"), output: NewOutputPane(c),
		eng: &miniEngine{bgSrc: bgFixture(t), set: map[string]string{}}, state: "main"}
	r.clip = NewClipboard([]ClipboardTool{{Name: "fake-copy"}})
	r.clip.run = func(_ context.Context, _ ClipboardTool, text string) error {
		r.copied = append(r.copied, text)
		return nil
	}
	r.export = func(f string) (string, error) { return ".runbook/acme-api-runbook.1/report." + f, nil }
	for _, s := range []interface{ SetSize(int, int) }{r.values, r.bg, r.summary, r.output} {
		s.SetSize(80, 20)
	}
	return r
}

func (r *miniRoot) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ClipboardCopiedMsg:
		r.said = append(r.said, msg.Text())
	case ValuesLoadedMsg:
		r.values.SetRows(msg.Rows)
	case ValueEditedMsg:
		return SetSessionValueCmd(r.eng, msg)
	case ValueSavedMsg:
		r.said = append(r.said, msg.Name+" set for this run")
		return LoadValuesCmd(r.eng)
	case ValuesAnsweredMsg:
		r.answer, r.state = &msg, "main"
	case ValuesClosedMsg, BackgroundClosedMsg, SummaryClosedMsg:
		r.state = "main"
	case BackgroundLoadedMsg:
		r.bg.SetRows(msg.Rows)
	case StopBackgroundMsg:
		return StopBackgroundCmd(r.eng, msg.ID)
	case BackgroundStoppedMsg:
		r.bg.Update(msg)
		return LoadBackgroundCmd(r.eng, "")
	case ExportReportMsg:
		return ExportCmd(r.export, msg.Format)
	case ReportExportedMsg:
		return r.summary.Update(msg)
	case SummaryQuitMsg:
		r.quit = true
	case tea.MouseWheelMsg:
		a := MouseAt(msg, MainLayout(80, 22, 32, 9))
		if a.Kind == MouseScroll && a.Pane == PaneOutput {
			for _, p := range ScrollKeys(r.c.Keys, a.Delta) {
				r.output.Update(p)
			}
		}
	case tea.KeyPressMsg:
		return r.key(msg)
	}
	return nil
}

func (r *miniRoot) key(msg tea.KeyPressMsg) tea.Cmd {
	switch r.state {
	case "values":
		return r.values.Update(msg)
	case "background":
		return r.bg.Update(msg)
	case "summary":
		return r.summary.Update(msg)
	}
	switch {
	case key.Matches(msg, r.feat.Copy):
		return CopyCmd(r.clip, "output", r.output.VisibleText())
	case key.Matches(msg, r.feat.Values):
		r.state = "values"
		return LoadValuesCmd(r.eng)
	case key.Matches(msg, r.feat.Background):
		r.state = "background"
		return LoadBackgroundCmd(r.eng, "")
	case key.Matches(msg, r.feat.Summary):
		r.state = "summary"
		r.summary.SetView(summaryRun(), RunElapsed(summaryRun().State))
	}
	return nil
}

// do runs a message and every command it leads to, synchronously (the
// program would); bubbletea's own messages (OSC 52) are dropped.
func (r *miniRoot) do(msg tea.Msg) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if b, ok := m.(tea.BatchMsg); ok {
			for _, c := range b {
				queue = append(queue, c())
			}
			continue
		}
		if reflect.TypeOf(m).PkgPath() == "charm.land/bubbletea/v2" && reflect.TypeOf(m).Kind() == reflect.String {
			continue // setClipboardMsg
		}
		if c := r.Update(m); c != nil {
			queue = append(queue, c())
		}
	}
}

func (r *miniRoot) keys(ks ...string) {
	for _, k := range ks {
		r.do(keyMsg(k))
	}
}

func TestFeatureWiring(t *testing.T) {
	r := newMiniRoot(t)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(writerFunc(r.output.Write), "\x1b[32mline %d\x1b[0m\n", i)
	}
	// y: the visible output, without colours.
	r.keys("y")
	if len(r.copied) != 1 || !strings.HasPrefix(r.copied[0], "line 12\n") || strings.Contains(r.copied[0], "\x1b") {
		t.Fatalf("copied %q", r.copied)
	}
	// The wheel over the output scrolls it.
	r.do(tea.MouseWheelMsg{X: 60, Y: 18, Button: tea.MouseWheelUp})
	if r.output.Following() {
		t.Fatal("the wheel did not scroll the output pane")
	}
	// v, type the missing DB_PASS, esc.
	r.keys("v", "j", "enter") // API_TOKEN, DB_PASS: this fake has no outputs
	for _, c := range "pw" {
		r.do(tea.KeyPressMsg{Code: c, Text: string(c)})
	}
	r.keys("enter")
	if r.eng.set["DB_PASS"] != "pw" || r.said[len(r.said)-1] != "DB_PASS set for this run" {
		t.Fatalf("set %v, said %q", r.eng.set, r.said)
	}
	r.keys("esc")
	if r.state != "main" {
		t.Fatalf("state %s after esc", r.state)
	}
	// b, x: the port-forward stops through the engine, the tab reloads.
	r.keys("b", "x")
	if !reflect.DeepEqual(r.eng.stopped, []string{"port-forward"}) || r.bg.Rows()[0].Stopping {
		t.Fatalf("stopped %v, row %+v", r.eng.stopped, r.bg.Rows()[0])
	}
	r.keys("esc")
	// S, x: the report is exported and its path shown; q quits.
	r.keys("S", "x")
	if !strings.Contains(plain(r.summary.View()), "saved .runbook/acme-api-runbook.1/report.html") {
		t.Fatalf("summary:\n%s", plain(r.summary.View()))
	}
	r.keys("q")
	if !r.quit {
		t.Fatal("q on the summary did not quit")
	}
	// The Session's ActOutputs, answered through the values view.
	r.state = "values"
	r.values.Confirm("find-db", offers())
	r.keys("a")
	if r.answer == nil || r.answer.Step != "find-db" || len(r.answer.Values) != 3 || r.state != "main" {
		t.Fatalf("answer %+v", r.answer)
	}
}
