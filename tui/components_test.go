package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

func testCommon() *Common {
	st := NewStyles(true, true)
	return &Common{Styles: &st, Keys: DefaultKeyMap(false), Now: func() time.Time { return testNow }}
}

// asciiCommon is testCommon for a LANG=C terminal.
func asciiCommon() *Common {
	st := NewStyles(true, true).WithASCII()
	return &Common{Styles: &st, Keys: DefaultKeyMap(true), Now: func() time.Time { return testNow }}
}

func TestChecklistComponent(t *testing.T) {
	doc := demoDoc()
	c := NewChecklist(testCommon(), doc)
	c.SetSize(44, 16)
	c.SetFocused(true)
	c.SetSnapshot(snapshotOf(doc, map[string]journal.Answer{
		doc.Questions[0].ID: {Value: "platform"},
		doc.Questions[1].ID: {Skipped: true},
	}, map[string]journal.Status{
		doc.Steps[0].ID: journal.DoneByHand, "workspace": journal.OK, "config": journal.Failed,
		"fetch-deps": journal.Running, "deploy": journal.Stale, "3-build-and-deploy/3": journal.Interrupted,
		"4-verify/1": journal.Skipped, "4-verify/2": journal.TimedOut,
	}))
	c.SelectStep("config")
	golden(t, "component_checklist", plain(c.View()))

	// Fold the selected step's section: the cursor stays on the section.
	c.SelectStep("workspace")
	c.Update(keyMsg("up"))
	c.Update(keyMsg("space"))
	if it, _ := c.Selected(); it.kind != itemSection {
		t.Fatalf("selected %v after folding, want the section", it.kind)
	}
	golden(t, "component_checklist_folded", plain(c.View()))
	if done, total := c.Progress(); done != 3 || total != 10 {
		t.Fatalf("progress %d/%d, want 3/10 (steps only; check steps once run, as journal.RunView counts)", done, total)
	}
}

func TestOutputComponent(t *testing.T) {
	o := NewOutputPane(testCommon())
	o.SetSize(50, 8)
	o.Reset("fetch-deps #2")
	// Colours, a cursor move and an OSC title split across writes; a
	// progress bar redrawn with \r; a tab; a multi-byte rune split in two.
	for _, chunk := range []string{
		"\x1b[32mgreen\x1b", "[0m text\r\n",
		"\x1b]0;title\x07osc gone\r\n",
		"progress 10%\rprogress 60%\rprogress 100%\r\n",
		"col1\tcol2\r\n",
		"caf\xc3", "\xa9 ok\r\n",
		strings.Repeat("long ", 30) + "\r\n",
		"partial line",
	} {
		o.Write([]byte(chunk))
	}
	golden(t, "component_output", plain(o.View()))

	for i := 0; i < 50; i++ {
		fmt.Fprintf(writerFunc(o.Write), "line %d\n", i)
	}
	o.SetFocused(true)
	o.Update(keyMsg("up"))
	o.Update(keyMsg("up"))
	if o.Following() {
		t.Fatal("scrolling up must stop following")
	}
	golden(t, "component_output_scrolled", plain(o.View()))
	o.Update(keyMsg("f"))
	if !o.Following() {
		t.Fatal("f must follow again")
	}
}

type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }

func TestOutputRingIsBounded(t *testing.T) {
	o := NewOutputPane(testCommon())
	line := []byte(strings.Repeat("x", 10) + "\n")
	for i := 0; i < 3*outputLines; i++ {
		o.Write(line)
	}
	if o.Lines() != outputLines {
		t.Fatalf("lines = %d, want %d", o.Lines(), outputLines)
	}
	o.SetSize(60, 5)
	if v := plain(o.View()); !strings.Contains(v, "tail only · 2000 lines") {
		t.Fatalf("a full ring must say it shows the tail only:\n%s", v)
	}
	o.Write([]byte(strings.Repeat("y", 3*maxLineBytes)))
	o.Write([]byte("\n"))
	if got := len(o.buf.At(o.buf.Len() - 1)); got != maxLineBytes {
		t.Fatalf("long line kept %d bytes, want %d", got, maxLineBytes)
	}
}

func TestDetailQuestionComponent(t *testing.T) {
	doc := demoDoc()
	d := NewDetailPane(testCommon(), doc)
	d.SetSize(60, 18)
	q := doc.Questions[1]
	d.SetSnapshot(&snapshot{state: &journal.State{Answers: map[string]journal.Answer{q.ID: {Value: "one VPC per environment"}}}})
	for _, it := range NewChecklist(testCommon(), doc).items {
		if it.kind == itemQuestion && it.question == q {
			d.SetItem(it)
		}
	}
	golden(t, "component_detail_question", plain(d.View()))
}

func TestDiffComponent(t *testing.T) {
	d := NewDiffView(testCommon(), "--- a/runbook.md\n+++ b/runbook.md\n@@ -22,1 +22,1 @@\n-[VERIFY] Who owns it? Suggested: platform.\n+Who owns it? Suggested: platform. **Verified:** platform _(alice, 2026-11-24)_\n")
	d.SetSize(70, 9)
	golden(t, "component_diff", plain(d.View()))
}

// A CRLF doc's diff (and a tab in it) must not move the cursor inside the
// pane: every row keeps its border.
func TestDiffComponentCRLF(t *testing.T) {
	d := NewDiffView(testCommon(), "--- a/crlf.md\n+++ b/crlf.md\n@@ -13,1 +13,1 @@\n-[VERIFY] Does\tit survive?\r\n+Does\tit survive? **Verified:** yes\r\n")
	d.SetSize(50, 7)
	want := `╭─ ● Write answers into the doc? (y/n) ──────────╮
│--- a/crlf.md                                   │
│+++ b/crlf.md                                   │
│@@ -13,1 +13,1 @@                               │
│-[VERIFY] Does    it survive?                   │
│+Does    it survive? **Verified:** yes          │
╰────────────────────────────────────────────────╯
`
	if got := plain(d.View()); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestStatusBarComponent(t *testing.T) {
	h := newHarness(t, 100, 24)
	h.eng.journal(journal.Event{Type: journal.IdentityFound, Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice", Region: "us-west-2"})
	h.settle()
	h.m.say("answers written to acme-api-runbook.md")
	golden(t, "component_statusbar", plain(h.m.statusBar()))
}

func TestHelpFollowsFocus(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.press("tab", "tab")
	if h.m.focus != focusOutput {
		t.Fatalf("focus = %v", h.m.focus)
	}
	golden(t, "help_output_focused", plain(h.m.helpView()))
}
