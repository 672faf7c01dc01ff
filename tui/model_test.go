package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func TestScreenMain(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h := newHarness(t, sz[0], sz[1])
			golden(t, fmt.Sprintf("main_%dx%d", sz[0], sz[1]), h.screen())
		})
	}
}

func TestRunStepAsksPlaceholdersThenStreamsOutput(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.output["workspace"] = []string{"creating dirs\r\n", "workspace for account 123456789012 ready: /tmp/demo/acme-staging\r\n"}
	h.selectItem("workspace")
	golden(t, "step_selected_80x24", h.screen())
	h.press("enter")
	if h.m.state != stateDialog {
		t.Fatalf("state = %v, want the placeholder dialog", h.m.state)
	}
	golden(t, "placeholders_80x24", h.screen())
	// env has a default; account-id must match 12 digits.
	h.press("enter") // accept env=staging
	h.typeText("12345")
	h.press("enter")
	if h.m.state != stateDialog {
		t.Fatalf("a bad account id was accepted")
	}
	h.typeText("6789012")
	h.press("enter")
	if h.m.state != stateMain {
		t.Fatalf("state = %v after filling placeholders, want main\n%s", h.m.state, h.screen())
	}
	if got := h.eng.vars["account-id"]; got != "123456789012" {
		t.Fatalf("account-id = %q", got)
	}
	if got := h.eng.runs; len(got) != 1 || got[0] != "workspace" {
		t.Fatalf("runs = %v, want [workspace]", got)
	}
	golden(t, "step_done_80x24", h.screen())
}

func TestQuestionAccept(t *testing.T) {
	h := newHarness(t, 80, 24)
	q := h.m.doc.Questions[1]
	h.selectItem(q.ID)
	h.press("enter")
	golden(t, "question_80x24", h.screen())
	h.press("enter")
	if a := h.eng.State().Answers[q.ID]; a.Value != q.Suggested {
		t.Fatalf("answer = %+v, want the suggestion %q", a, q.Suggested)
	}
	h.press("w")
	if h.m.state != stateDiff {
		t.Fatalf("state = %v, want the diff", h.m.state)
	}
	golden(t, "writeback_diff_80x24", h.screen())
	h.press("y")
	if a := h.eng.State().Answers[q.ID]; !a.Written {
		t.Fatalf("answer not written back: %+v", a)
	}
}

func TestQuestionTypeAnswer(t *testing.T) {
	h := newHarness(t, 80, 24)
	q := h.m.doc.Questions[0]
	h.selectItem(q.ID)
	h.press("enter", "down", "enter")
	if scr := h.screen(); !strings.Contains(scr, "> the platform team (#platform-oncall)") {
		t.Fatalf("the suggestion must show (greyed) in the empty answer field:\n%s", scr)
	}
	// The dialog covers the detail pane: the question itself must show.
	golden(t, "question_type_80x24", h.screen())
	h.typeText("the SRE team")
	h.press("enter")
	want := "the SRE team"
	if a := h.eng.State().Answers[q.ID]; a.Value != want {
		t.Fatalf("answer = %q, want %q\n%s", a.Value, want, h.screen())
	}
}

func TestFailThenRetry(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.vars["env"] = "staging"
	h.eng.results["deploy"] = []journal.Status{journal.Failed, journal.OK}
	h.eng.output["deploy"] = []string{"error: release cache is cold (warming it up now); retry this step\r\n"}
	h.selectItem("deploy")
	h.press("enter")
	golden(t, "confirm_80x24", h.screen())
	h.press("y")
	if st := h.eng.StepStatus("deploy"); st != journal.Failed {
		t.Fatalf("status = %v, want failed", st)
	}
	golden(t, "step_failed_80x24", h.screen())
	h.press("t", "y")
	if st := h.eng.StepStatus("deploy"); st != journal.OK {
		t.Fatalf("status after retry = %v, want ok", st)
	}
}

func TestFullHelp(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.press("?")
	golden(t, "help_80x24", h.screen())
}

func TestResumeOffered(t *testing.T) {
	eng := newFakeEngine(demoDoc())
	eng.vars["env"], eng.vars["account-id"] = "staging", "123456789012"
	eng.Run(t.Context(), "workspace", RunOptions{})
	eng.results["config"] = []journal.Status{journal.Failed}
	eng.Run(t.Context(), "config", RunOptions{})
	eng.Answer(demoDoc().Questions[0].ID, "the platform team")
	h := newHarnessWith(t, eng, 80, 24)
	if h.m.state != stateDialog {
		t.Fatalf("state = %v, want the resume dialog", h.m.state)
	}
	golden(t, "resume_80x24", h.screen())
	h.press("enter")
	if h.m.state != stateMain || h.m.Result().NewRun {
		t.Fatalf("resume: state %v, result %+v", h.m.state, h.m.Result())
	}
	if s := h.m.selectedStep(); s == nil || s.ID != "config" {
		t.Fatalf("selected %v, want the first unfinished step (config)", s)
	}
	golden(t, "resumed_80x24", h.screen())
}

func TestResumeDeclinedStartsNewRun(t *testing.T) {
	eng := newFakeEngine(demoDoc())
	eng.Skip("workspace", "not needed")
	h := newHarnessWith(t, eng, 80, 24)
	h.press("n")
	if !h.m.Result().NewRun {
		t.Fatalf("result %+v, want NewRun", h.m.Result())
	}
}

func TestRunningStepInterruptedByCtrlC(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.eng.block["fetch-deps"] = true
	h.eng.output["fetch-deps"] = []string{"fetching dependency 1/8 (12 MB)\r\n", "fetching dependency 2/8 (24 MB)\r\n", "progress 10%\rprogress 55%"}
	h.selectItem("fetch-deps")
	h.press("enter")
	if h.m.running != "fetch-deps" {
		t.Fatalf("running = %q", h.m.running)
	}
	golden(t, "running_120x40", h.screen())
	h.press("q")
	if h.m.state != stateDialog {
		t.Fatal("quitting while a step runs must ask")
	}
	golden(t, "quit_running_120x40", h.screen())
	h.press("esc")
	h.press("ctrl+c")
	if h.m.running != "" {
		t.Fatalf("ctrl+c did not stop the step")
	}
	if st := h.eng.StepStatus("fetch-deps"); st != journal.Interrupted {
		t.Fatalf("status = %v, want interrupted", st)
	}
}

func TestSkipWithNote(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.selectItem("config")
	h.press("s")
	golden(t, "skip_80x24", h.screen())
	h.press("enter")
	if h.m.state != stateDialog {
		t.Fatal("an empty skip note was accepted")
	}
	h.typeText("config comes from vault")
	h.press("enter")
	ss := h.eng.State().Steps["config"]
	if ss == nil || ss.Status != journal.Skipped || ss.Note != "config comes from vault" {
		t.Fatalf("step state %+v", ss)
	}
}

func TestMarkDoneAndNote(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.selectItem("fetch-deps")
	h.press("d")
	h.typeText("copied from the old box")
	h.press("enter")
	if st := h.eng.StepStatus("fetch-deps"); st != journal.DoneByHand {
		t.Fatalf("status = %v", st)
	}
	h.press("n")
	h.typeText("ticket CHG-42")
	h.press("enter")
	if n := h.eng.State().Notes; len(n) != 1 || n[0].Text != "ticket CHG-42" || n[0].Step != "fetch-deps" {
		t.Fatalf("notes = %+v", n)
	}
	golden(t, "notes_80x24", h.screen())
}

func TestEditInline(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.selectItem("fetch-deps")
	h.press("E")
	golden(t, "edit_inline_80x24", h.screen())
	h.typeText("echo extra")
	h.press("enter")
	ss := h.eng.State().Steps["fetch-deps"]
	if ss == nil || ss.Command == "" || ss.Command[len(ss.Command)-len("echo extra"):] != "echo extra" {
		t.Fatalf("edited command: %+v", ss)
	}
}

func TestManualStepConfirmed(t *testing.T) {
	h := newHarness(t, 80, 24)
	id := h.m.doc.Steps[0].ID
	h.selectItem(id)
	h.press("enter")
	golden(t, "manual_80x24", h.screen())
	h.press("y")
	if st := h.eng.StepStatus(id); st != journal.DoneByHand {
		t.Fatalf("status = %v", st)
	}
}

func TestRunAllStopsAtFailure(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.vars["env"], h.eng.vars["account-id"], h.eng.vars["db-password"] = "staging", "123456789012", "pw"
	h.eng.results["deploy"] = []journal.Status{journal.Failed}
	h.eng.Skip("ticket", "done on paper") // interactive: needs the real terminal
	h.selectItem("workspace")
	h.press("R")
	h.press("y") // deploy asks first
	if got := h.eng.runs; !slices.Equal(got, []string{"workspace", "config", "fetch-deps", "deploy"}) {
		t.Fatalf("runs = %v", got)
	}
	if s := h.m.selectedStep(); s == nil || s.ID != "deploy" {
		t.Fatalf("selection %v, want the failed step", s)
	}
}

func TestStaleStepAccept(t *testing.T) {
	h := newHarness(t, 80, 24)
	// config ran with other content than the doc has now.
	h.eng.journal(journal.Event{Type: journal.StepStarted, Step: "config", Attempt: 1, Hash: "old"})
	h.eng.journal(journal.Event{Type: journal.StepFinished, Step: "config", Attempt: 1, Status: journal.OK})
	h.exec(h.m.refresh())
	h.settle()
	h.selectItem("config")
	golden(t, "stale_80x24", h.screen())
	h.press("a")
	if len(h.eng.events) == 0 || h.eng.events[len(h.eng.events)-1].Type != journal.StepAccepted {
		t.Fatalf("no accept journaled")
	}
}

func TestResizeRelayouts(t *testing.T) {
	h := newHarness(t, 80, 24)
	want := h.screen()
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	if h.screen() == want {
		t.Fatal("resize did not change the layout")
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if got := h.screen(); got != want {
		t.Fatalf("after resizing back:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteBackDiff120(t *testing.T) {
	h := newHarness(t, 120, 40)
	for _, q := range h.m.doc.Questions {
		h.eng.Answer(q.ID, q.Suggested)
	}
	h.press("w")
	golden(t, "writeback_diff_120x40", h.screen())
	h.press("esc")
	if h.m.state != stateMain || h.eng.State().Answers[h.m.doc.Questions[0].ID].Written {
		t.Fatal("esc must cancel the write-back")
	}
}

func TestQuitOffersWriteBack(t *testing.T) {
	h := newHarness(t, 80, 24)
	q := h.m.doc.Questions[0]
	h.eng.Answer(q.ID, "platform")
	h.exec(h.m.refresh())
	h.settle()
	h.press("q")
	if h.m.state != stateDialog {
		t.Fatal("quitting with unwritten answers must offer to write them")
	}
	golden(t, "quit_unwritten_80x24", h.screen())
	h.press("y")
	if h.m.state != stateDiff {
		t.Fatalf("state = %v, want the diff", h.m.state)
	}
	h.press("y")
	if !h.quit.Load() {
		t.Fatal("did not quit after writing")
	}
	if !h.eng.State().Answers[q.ID].Written {
		t.Fatal("answer not written")
	}
}

func TestQuitNowKeepsAnswersInJournal(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.Answer(h.m.doc.Questions[0].ID, "platform")
	h.exec(h.m.refresh())
	h.settle()
	h.press("q", "n")
	if !h.quit.Load() {
		t.Fatal("Quit now did not quit")
	}
}

// TestSeedDocs: the two real runbooks (one scraped from a web page, one
// mojibake) open and render at 80x24.
func TestSeedDocs(t *testing.T) {
	for _, name := range []string{"first-deployment", "production-deployment-guide"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "runbook", "testdata", "seeds", name+".txt"))
			if err != nil {
				t.Skip(err)
			}
			doc, err := runbook.Parse("/docs/"+name+".md", src)
			if err != nil {
				t.Fatal(err)
			}
			h := newHarnessWith(t, newFakeEngine(doc), 80, 24)
			golden(t, "seed_"+name+"_80x24", h.screen())
			h.press("G")
			golden(t, "seed_"+name+"_end_80x24", h.screen())
		})
	}
}

func TestFinishOnQuitWhenAllDone(t *testing.T) {
	h := newHarness(t, 80, 24)
	for _, s := range h.m.doc.Steps {
		h.eng.MarkDone(s.ID, "")
	}
	h.exec(h.m.refresh())
	h.settle()
	h.press("q")
	if !h.quit.Load() || !h.eng.State().Finished {
		t.Fatalf("quit %v, finished %v: a complete run must be finished on quit", h.quit.Load(), h.eng.State().Finished)
	}
}

// TestTinyTerminals: no size breaks the layout code.
func TestTinyTerminals(t *testing.T) {
	h := newHarness(t, 80, 24)
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {20, 5}, {40, 10}, {300, 100}} {
		h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		_ = h.m.Render()
		h.press("s")
		_ = h.m.Render()
		h.press("esc", "?")
		_ = h.m.Render()
		h.press("?")
	}
}

func TestPreflightForm(t *testing.T) {
	h := newHarness(t, 80, 30)
	h.eng.vars["env"] = "staging"
	h.press("p")
	if h.m.state != stateDialog {
		t.Fatal("p must open the preflight form")
	}
	golden(t, "preflight_80x30", h.screen())
	h.press("enter") // keep env
	h.typeText("123456789012")
	h.press("enter")
	h.typeText("s3cret")
	h.press("enter")
	if h.m.state != stateMain {
		t.Fatalf("state = %v\n%s", h.m.state, h.screen())
	}
	if h.eng.vars["account-id"] != "123456789012" || h.eng.vars["db-password"] != "s3cret" || h.eng.vars["env"] != "staging" {
		t.Fatalf("vars = %v", h.eng.vars)
	}
	for _, e := range h.eng.events {
		if e.Type == journal.VariableSet && e.Name == "env" {
			t.Fatal("an unchanged value was set again")
		}
	}
}

// EDITOR set to blanks used to crash the TUI (index out of range on the
// editor's argv); it now edits inline like an unset EDITOR.
func TestBlankEditorEditsInline(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.m.opts.Editor = "  "
	h.selectItem("workspace")
	h.press("e")
	if h.m.state != stateDialog || h.m.dialog == nil || h.m.dialog.title != "Edit command (this run only)" {
		t.Fatalf("state = %v, want the inline edit dialog\n%s", h.m.state, h.screen())
	}
}

// Going back to the doc's command in $EDITOR after an earlier edit is an
// edit: it used to be reported as "command unchanged" and the old edit
// kept running.
func TestEditorRevertToDocCommand(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.eng.EditCommand("workspace", "echo edited")
	h.settle()
	s := h.m.doc.Step("workspace")
	ready, ok := h.m.openEditor(s)().(editorReadyMsg)
	if !ok || ready.err != nil || ready.orig != "echo edited" {
		t.Fatalf("editor given %+v, want the edited command", ready)
	}
	if err := os.WriteFile(ready.path, []byte(s.Code), 0o600); err != nil {
		t.Fatal(err)
	}
	h.exec(h.m.editorDone(editorDoneMsg{step: s, path: ready.path, orig: ready.orig}))
	h.settle()
	if got := h.eng.State().Steps["workspace"].Command; got != s.Code {
		t.Fatalf("command = %q, want the doc's %q\n%s", got, s.Code, h.screen())
	}
}

// A step action on a section or a question says why it did nothing,
// instead of ignoring the key.
func TestStepKeyOnSectionSaysWhy(t *testing.T) {
	h := newHarness(t, 100, 24)
	h.press("home")
	if it, _ := h.m.checklist.Selected(); it.kind != itemSection {
		t.Fatalf("selected %v, want a section", it.kind)
	}
	h.press("s")
	if h.m.state != stateMain || !strings.Contains(plain(h.m.statusBar()), "s works on a step: select one first") {
		t.Fatalf("state %v, status bar %q", h.m.state, plain(h.m.statusBar()))
	}
	h.selectItem(h.m.doc.Steps[0].ID) // the manual item
	h.press("E")
	if h.m.state != stateMain || !strings.Contains(plain(h.m.statusBar()), "a manual step has no command to edit") {
		t.Fatalf("state %v, status bar %q", h.m.state, plain(h.m.statusBar()))
	}
}

// Typing ahead: keys pressed right after enter, before the form has moved
// to the next field, belong to the next field. They used to land in the
// field just left (account id "v1v") or be lost.
func TestFormTypeAhead(t *testing.T) {
	h := newHarness(t, 80, 30)
	h.eng.vars["env"] = "staging"
	h.press("p")
	// No settling between keys: a fast typist, or a paste.
	for _, k := range strings.Split("enter 1 2 3 4 5 6 7 8 9 0 1 2 enter s 3 c r e t enter", " ") {
		h.send(keyMsg(k))
	}
	h.settle()
	if h.m.state != stateMain {
		t.Fatalf("state = %v\n%s", h.m.state, h.screen())
	}
	if h.eng.vars["account-id"] != "123456789012" || h.eng.vars["db-password"] != "s3cret" || h.eng.vars["env"] != "staging" {
		t.Fatalf("vars = %v", h.eng.vars)
	}
}

// A dialog open across a resize is laid out for the new size: the same as
// one opened at that size.
func TestResizeRelayoutsDialog(t *testing.T) {
	q := demoDoc().Questions[1].ID
	h := newHarness(t, 120, 30)
	h.selectItem(q)
	h.press("enter")
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.settle()
	fresh := newHarness(t, 80, 24)
	fresh.selectItem(q)
	fresh.press("enter")
	got, want := h.screen(), fresh.screen()
	// The elapsed clock and the "Accept:" label's cut are all that may
	// differ; compare the question's own lines.
	for _, line := range []string{"┃ [VERIFY] Does each environment get its own  │", "┃ VPC? Recommended: one VPC per environment   │"} {
		if !strings.Contains(want, line) {
			t.Fatalf("fresh dialog lacks %q:\n%s", line, want)
		}
		if !strings.Contains(got, line) {
			t.Fatalf("resized dialog lacks %q:\n%s\nwant like:\n%s", line, got, want)
		}
	}
}
