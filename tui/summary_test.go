package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// summaryRun is a finished-with-trouble run of the demo doc: every kind
// of outcome once, attempts with durations and an exit code.
func summaryRun() *journal.RunView {
	doc := demoDoc()
	st := journal.NewState()
	st.Started = testNow.Add(-12*time.Minute - 4*time.Second)
	st.Updated = testNow
	exit3 := 3
	add := func(id string, s journal.Status, d time.Duration, a journal.Attempt) {
		a.N, a.Duration, a.Status = 1, d, s
		st.Steps[id] = &journal.StepState{Status: s, Hash: doc.Step(id).Hash, Attempts: []journal.Attempt{a}}
	}
	st.Steps["1-decide-the-target/1"] = &journal.StepState{Status: journal.DoneByHand, Hash: doc.Step("1-decide-the-target/1").Hash}
	add("workspace", journal.OK, 1200*time.Millisecond, journal.Attempt{})
	add("ticket", journal.Skipped, 0, journal.Attempt{})
	add("config", journal.Failed, 3*time.Second, journal.Attempt{ExitCode: &exit3})
	add("fetch-deps", journal.OK, 4*time.Minute+12*time.Second, journal.Attempt{})
	add("deploy", journal.Interrupted, 3*time.Minute+1*time.Second, journal.Attempt{Error: "interrupted by the engineer\nmore"})
	add("3-build-and-deploy/3", journal.AlreadyDone, 0, journal.Attempt{})
	st.Answers[doc.Questions[0].ID] = journal.Answer{Value: "platform"}
	st.Answers[doc.Questions[1].ID] = journal.Answer{Skipped: true}
	return journal.NewView(doc, st, false)
}

func summaryAt(c *Common, g Glyphs, w, h int) *Summary {
	s := NewSummary(c, g, "acme-api-runbook.md", "acme-api-runbook.1")
	v := summaryRun()
	s.SetView(v, RunElapsed(v.State))
	s.SetSize(w, h)
	return s
}

func TestSummaryGolden(t *testing.T) {
	golden(t, "summary_80x24", plain(summaryAt(testCommon(), UnicodeGlyphs(), 80, 24).View()))
	golden(t, "summary_120x40", plain(summaryAt(testCommon(), UnicodeGlyphs(), 120, 40).View()))
	golden(t, "summary_ascii_80x24", plain(summaryAt(asciiCommon(), ASCIIGlyphs(), 80, 24).View()))
	// NO_COLOR: the bytes as sent, escape sequences included: only bold.
	golden(t, "summary_nocolor_80x24", summaryAt(testCommon(), UnicodeGlyphs(), 80, 24).View()+"\n")
}

// An answer already written back is a **Verified:** line in the doc, no
// longer an open question: the summary still counts it, and says where it is.
func TestSummaryCountsAnswersInTheDoc(t *testing.T) {
	v := summaryRun()
	q := v.Doc.Questions[2]
	v.Doc.Questions = v.Doc.Questions[:2]
	v.Doc.Verified = append(v.Doc.Verified, &runbook.Verified{ID: q.ID, Text: q.Text, Answer: "/healthz", Line: q.Line})
	v.State.Answers[q.ID] = journal.Answer{Value: "/healthz", Written: true}
	v = journal.NewView(v.Doc, v.State, false)
	s := NewSummary(testCommon(), UnicodeGlyphs(), "acme-api-runbook.md", "acme-api-runbook.1")
	s.SetView(v, RunElapsed(v.State))
	s.SetSize(80, 24)
	const want = "│ Questions   2 answered (1 in the doc) · 1 skipped · 0 open"
	for _, l := range strings.Split(plain(s.View()), "\n") {
		if strings.HasPrefix(l, "│ Questions") {
			if got := strings.TrimRight(strings.TrimSuffix(l, "│"), " "); got != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
			return
		}
	}
	t.Fatalf("no Questions line:\n%s", plain(s.View()))
}

func TestSummaryASCIIHasNoUnicode(t *testing.T) {
	v := plain(summaryAt(asciiCommon(), ASCIIGlyphs(), 80, 24).View())
	for _, r := range v {
		if r > 0x7e {
			t.Fatalf("ASCII summary has %q:\n%s", r, v)
		}
	}
}

func TestCountSummary(t *testing.T) {
	c := CountSummary(summaryRun())
	want := SummaryCounts{OK: 3, Failed: 1, Skipped: 1, ByHand: 1, Interrupted: 1, Pending: 1, Total: 8}
	if c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
}

// x asks the root to export (one at a time), the answer shows; esc and q
// leave.
func TestSummaryKeys(t *testing.T) {
	s := summaryAt(testCommon(), UnicodeGlyphs(), 100, 30)
	cmd := s.Update(keyMsg("x"))
	if cmd == nil || cmd() != (ExportReportMsg{Format: "html"}) {
		t.Fatalf("x gave %v", cmd)
	}
	if s.Update(keyMsg("X")) != nil {
		t.Fatal("a second export started while one runs")
	}
	if !strings.Contains(plain(s.View()), "writing the html report…") {
		t.Errorf("no progress shown:\n%s", plain(s.View()))
	}
	s.Update(ReportExportedMsg{Format: "html", Path: ".runbook/acme-api-runbook.1/report.html"})
	if !strings.Contains(plain(s.View()), "saved .runbook/acme-api-runbook.1/report.html") {
		t.Errorf("path not shown:\n%s", plain(s.View()))
	}
	if cmd := s.Update(keyMsg("X")); cmd == nil || cmd() != (ExportReportMsg{Format: "md"}) {
		t.Fatal("X did not export Markdown")
	}
	s.Update(ExportCmd(func(f string) (string, error) { return "", errTest("disk full") }, "md")())
	if !strings.Contains(plain(s.View()), "disk full") {
		t.Errorf("error not shown:\n%s", plain(s.View()))
	}
	if m := s.Update(keyMsg("esc"))(); m != (SummaryClosedMsg{}) {
		t.Errorf("esc: %v", m)
	}
	if m := s.Update(keyMsg("q"))(); m != (SummaryQuitMsg{}) {
		t.Errorf("q: %v", m)
	}
	if m := ExportCmd(nil, "html")().(ReportExportedMsg); m.Err == nil {
		t.Error("a nil export must say it is not available")
	}
	var _ tea.Msg = ExportReportMsg{}
}

// On a small screen the content scrolls; it never scrolls past its end.
func TestSummaryScrolls(t *testing.T) {
	s := summaryAt(testCommon(), UnicodeGlyphs(), 60, 10)
	first := plain(s.View())
	for i := 0; i < 50; i++ {
		s.Update(keyMsg("j"))
	}
	last := plain(s.View())
	if first == last || !strings.Contains(last, "runbook report acme-api-runbook.md") {
		t.Errorf("scrolled to the end:\n%s", last)
	}
	s.Update(keyMsg("k"))
	if strings.Contains(plain(s.View()), "runbook report acme-api-runbook.md") {
		t.Errorf("k did not scroll back:\n%s", plain(s.View()))
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		4200 * time.Millisecond: "4.2s", 187 * time.Second: "3m07s", 62 * time.Minute: "1h02m", 0: "0.0s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
