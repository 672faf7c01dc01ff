package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The pty tests of issue 12 §4: each drives the built binary, types keys
// and reads the screen, polling with deadlines.

// tuiDoc writes a small runbook: two questions, a manual task item, steps
// that succeed, fail and take a while.
func tuiDoc(t *testing.T, body string) (dir, doc string) {
	t.Helper()
	dir = t.TempDir()
	doc = filepath.Join(dir, "ops.md")
	if err := os.WriteFile(doc, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, doc
}

const opsDoc = "# Ops\n\n## Prep\n\n[VERIFY] Who owns it? Suggested: team a\n\n[VERIFY] Which region? Suggested: eu-west-1\n\n" +
	"```bash {name=alpha}\necho alpha-out\n```\n\n" +
	"```bash {name=bravo}\necho bravo-out; exit 3\n```\n\n" +
	"## Deploy\n\n" +
	"```bash {name=charlie}\necho charlie-out\n```\n\n" +
	"```bash {name=delta}\necho delta-out\n```\n"

// keysOf are the escape sequences of the keys these tests type beyond
// ptyTerm.press's names.
var keysOf = map[string]string{"right": "\x1b[C", "left": "\x1b[D", "shift+tab": "\x1b[Z"}

func (tm *ptyTerm) key(names ...string) {
	tm.t.Helper()
	for _, n := range names {
		if b, ok := keysOf[n]; ok {
			n = b
		}
		tm.press(n)
	}
}

// checklistRows is the left pane's text, row by row.
func checklistRows(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		r := []rune(l)
		b.WriteString(string(r[:min(len(r), termW*2/5)]) + "\n")
	}
	return b.String()
}

// `/` filters the checklist (the letters typed are the filter, never
// commands: `/run` used to start a step and open "Add a note"); esc clears
// it; `]` jumps to the next step that is not done.
func TestE2EFilterAndJump(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTerm(t, dir, doc)
	tm.waitUntil("a frame of the terminal's size", sized)
	tm.press("/", "char")
	tm.waitUntil("only charlie listed", func(s string) bool {
		c := checklistRows(s)
		return strings.Contains(c, "charlie") && !strings.Contains(c, "alpha") && strings.Contains(s, "/char")
	})
	if strings.Contains(tm.screen(), "Add a note") || strings.Contains(tm.screen(), "◐") {
		t.Fatalf("filter letters acted as commands:\n%s", tm.screen())
	}
	tm.press("esc")
	tm.waitUntil("the whole checklist again", func(s string) bool {
		c := checklistRows(s)
		return strings.Contains(c, "charlie") && strings.Contains(c, "alpha")
	})
	// Run alpha (ok) and bravo (fails), then jump from the top.
	tm.moveTo("○ alpha")
	tm.press("enter")
	tm.waitFor("✓ alpha")
	tm.moveTo("○ bravo")
	tm.press("enter")
	tm.waitFor("✗ bravo")
	tm.press("g")
	tm.waitUntil("cursor at the top", selected("Ops"))
	tm.press("]")
	tm.waitUntil("cursor on bravo", selected("bravo"))
	tm.press("]")
	tm.waitUntil("cursor on charlie", selected("charlie"))
	tm.press("q")
	tm.wait()
}

// A quit dialog opened while a step runs follows the step: once it ends
// the dialog goes (q then quits at once); "Interrupt and quit" quits
// promptly with exit status 1 (docs/cli.md).
func TestE2EQuitDialogTracksTheStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, "# Q\n\n```bash {name=short}\nsleep 1; echo short-done\n```\n\n```bash {name=long}\nsleep 60\n```\n")
	tm := startTerm(t, dir, doc)
	tm.moveTo("○ short")
	tm.press("enter")
	tm.waitFor("◐ short")
	tm.press("q")
	tm.waitFor("Interrupt it and quit?")
	tm.waitFor("✓ short")
	tm.waitUntil("the quit dialog to close once the step ended", func(s string) bool {
		return !strings.Contains(s, "Interrupt it and quit?")
	})
	tm.press("q")
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d after quitting with nothing running, want 0", code)
	}

	tm = startTerm(t, dir, doc)
	tm.waitFor("Resume run")
	tm.press("enter")
	tm.waitFor("resumed run")
	tm.moveTo("○ long")
	tm.press("enter")
	tm.waitFor("◐ long")
	tm.press("q")
	tm.waitFor("Interrupt it and quit?")
	start := time.Now()
	tm.press("y")
	if code := tm.exitCode(); code != 1 {
		t.Fatalf("exit %d after Interrupt and quit, want 1", code)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("Interrupt and quit took %v", d)
	}
}

// Enter on a step that succeeded asks before running it again.
func TestE2ERerunAsks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTerm(t, dir, doc)
	tm.moveTo("○ alpha")
	tm.press("enter")
	tm.waitFor("✓ alpha")
	tm.press("r")
	tm.waitFor("alpha is ok already. Run it again?")
	tm.press("n")
	tm.waitFor("alpha not run again")
	tm.press("q")
	tm.wait()
}

// R goes on past a manual step confirmed done; "Not yet" says why it
// stopped.
func TestE2ERunAllPastManualSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	src := "# M\n\n- [ ] Tell the on-call channel\n\n```bash {name=one}\necho one-out\n```\n\n- [ ] Check the dashboard\n\n```bash {name=two}\necho two-out\n```\n"
	dir, doc := tuiDoc(t, src)
	tm := startTerm(t, dir, doc)
	tm.waitUntil("a frame of the terminal's size", sized)
	tm.press("g", "R")
	tm.waitFor("Tell the on-call channel")
	tm.waitFor("Not yet")
	tm.press("y")
	tm.waitFor("✓ one")
	tm.waitFor("Check the dashboard")
	tm.waitFor("Not yet")
	tm.press("n")
	tm.waitFor("is not done yet: stopped there")
	if strings.Contains(tm.screen(), "✓ two") {
		t.Fatal("run all went past a manual step that is not done")
	}
	tm.press("q")
	tm.wait()
}

// A ticked manual step is written into the doc on write-back ("[x]").
func TestE2ETickedManualStepWrittenBack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	src := "# M\n\n- [ ] Tell the on-call channel\n\n```bash {name=one}\necho one-out\n```\n"
	dir, doc := tuiDoc(t, src)
	tm := startTerm(t, dir, doc)
	tm.moveTo("Tell the on-call")
	tm.press("enter")
	tm.waitFor("Not yet")
	tm.press("y")
	tm.waitFor("✔ Tell the on-call")
	tm.press("w")
	tm.waitFor("+- [x] Tell the on-call channel")
	tm.press("y")
	tm.waitFor("written to ops.md")
	tm.press("q")
	tm.wait()
	b, _ := os.ReadFile(doc)
	if !strings.Contains(string(b), "- [x] Tell the on-call channel\n") {
		t.Fatalf("the tick is not in the doc:\n%s", b)
	}
}

// A tells a skipped question from an answered one.
func TestE2EAnswerTellsSkippedQuestions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTerm(t, dir, doc)
	tm.waitUntil("a frame of the terminal's size", sized)
	tm.press("A")
	tm.waitFor("Accept: team a")
	tm.press("enter")
	tm.waitFor("answer recorded")
	tm.press("A")
	tm.waitFor("Accept: eu-west-1")
	tm.press("down", "down", "enter")
	tm.waitFor("question skipped")
	tm.press("A")
	tm.waitFor("skipped")
	tm.waitFor("Accept: eu-west-1")
	if strings.Contains(tm.screen(), "every question has an answer") {
		t.Fatalf("A says every question is answered with one skipped:\n%s", tm.screen())
	}
	tm.press("esc")
	tm.waitFor("cancelled")
	tm.press("q")
	tm.waitFor("Quit now")
	tm.press("n")
	tm.wait()
}

// The help bar fits at 80 columns and follows the context; esc closes `?`;
// → opens a section and never closes it; old messages go away.
func TestE2EHelpKeysAndMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTermSize(t, dir, nil, 80, 24, doc)
	tm.waitFor("Checklist")
	last := func(s string) string { l := strings.Split(strings.TrimRight(s, "\n "), "\n"); return l[len(l)-1] }
	tm.waitUntil("the help bar whole", func(s string) bool {
		return strings.Contains(last(s), "? help") && strings.Contains(last(s), "q quit")
	})
	onSection := last(tm.screen())
	tm.press("?")
	tm.waitFor("page down")
	tm.press("esc")
	tm.waitUntil("full help closed", func(s string) bool { return !strings.Contains(s, "page down") })
	// → on the open section keeps it open.
	tm.key("right")
	tm.press("j")
	tm.waitUntil("cursor on Prep", selected("Prep"))
	tm.press("j")
	tm.waitUntil("cursor on the question", selected("Who owns"))
	tm.key("left") // the question's section row is above: nothing folds
	tm.waitUntil("help bar for a question", func(s string) bool { return last(s) != onSection })
	tm.press("k")
	tm.waitUntil("cursor on Prep", selected("Prep"))
	tm.press("k")
	tm.waitUntil("cursor on the top section", selected("Ops"))
	tm.key("right")
	tm.press("s")
	tm.waitFor("works on a step")
	if !strings.Contains(tm.screen(), "Who owns") {
		t.Fatalf("→ folded an open section:\n%s", tm.screen())
	}
	tm.waitUntil("the message to expire", func(s string) bool { return !strings.Contains(s, "works on a step") })
	tm.press("q")
	tm.wait()
}

// Under NO_COLOR the focused pane's title is marked.
func TestE2ENoColorFocusedPane(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTermEnv(t, dir, []string{"NO_COLOR=1"}, doc)
	tm.waitFor("● Checklist")
	tm.press("tab")
	tm.waitUntil("the mark on the next pane", func(s string) bool {
		return !strings.Contains(s, "● Checklist") && strings.Contains(s, "● ")
	})
	tm.press("q")
	tm.wait()
}

// LANG=C: frames, icons and markers are ASCII, all of them.
func TestE2EASCIIUnderLangC(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTermEnv(t, dir, []string{"LANG=C", "LC_ALL=", "LC_CTYPE="}, doc)
	tm.waitUntil("a frame", func(s string) bool { return strings.Contains(s, "Checklist") && strings.Contains(s, "q quit") })
	tm.moveToASCII("alpha")
	tm.press("enter")
	tm.waitFor("+ alpha")
	s := tm.screen()
	for _, r := range s {
		if r > unicode.MaxASCII {
			t.Fatalf("non-ASCII %q on screen under LANG=C:\n%s", r, s)
		}
	}
	tm.press("q")
	tm.wait()
}

// moveToASCII presses j until the cursor (">" under LANG=C) is on item.
func (tm *ptyTerm) moveToASCII(item string) {
	tm.t.Helper()
	for i := 0; i < 30; i++ {
		s := tm.screen()
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "|>") && strings.Contains(l, item) {
				return
			}
		}
		tm.press("j")
		tm.waitUntil("the screen to change", func(n string) bool { return n != s })
	}
	tm.t.Fatalf("cursor never reached %q:\n%s", item, tm.screen())
}

// The write-back diff marks where a long line wraps.
func TestE2EWriteBackDiffMarksWraps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	long := strings.Repeat("a long answer word ", 12)
	dir, doc := tuiDoc(t, "# W\n\n[VERIFY] Who owns it? Suggested: "+long+"\n\n```bash {name=one}\necho one\n```\n")
	tm := startTermSize(t, dir, nil, 80, 24, doc)
	tm.waitUntil("a frame", func(s string) bool { return strings.Contains(s, "Checklist") })
	tm.press("A")
	tm.waitFor("Accept:")
	tm.press("enter")
	tm.waitFor("answer recorded")
	tm.press("w")
	tm.waitFor("Write answers")
	tm.waitFor("+↳")
	tm.press("y")
	tm.waitFor("written to ops.md")
	// The doc is read again: the question shows as verified.
	tm.waitFor("Verified")
	tm.press("q")
	tm.wait()
}

// A step changed on disk shows its new text, and running it runs the
// file's code (after saying it changed).
func TestE2EReloadsTheDocOnChange(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, opsDoc)
	tm := startTerm(t, dir, doc)
	tm.moveTo("○ alpha")
	tm.press("enter")
	tm.waitFor("✓ alpha")
	if err := os.WriteFile(doc, []byte(strings.Replace(opsDoc, "echo alpha-out", "echo alpha-new", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("echo alpha-new")
	tm.waitFor("~ alpha")
	tm.press("r")
	tm.waitFor("changed since it ran")
	tm.press("y")
	tm.waitFor("✓ alpha")
	tm.waitFor("alpha-new")
	tm.press("q")
	tm.wait()
}

// Reopening a finished doc says that a new run starts and which run it
// follows; "Start a new run" starts the lane's next run, the one that
// reopening and `report` then find; P lists the doc's runs and opens an
// unfinished one.
func TestE2EPastRunsPicker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir, doc := tuiDoc(t, "# P\n\n```bash {name=a}\necho a-out\n```\n\n```bash {name=b}\necho b-out\n```\n")
	tm := startTerm(t, dir, doc)
	tm.moveTo("○ a")
	tm.press("enter")
	tm.waitFor("✓ a")
	tm.press("q")
	tm.wait()

	// Not resuming: a new run, named like every run of the lane.
	tm = startTerm(t, dir, doc)
	tm.waitFor(`Resume run "ops.1"?`)
	tm.press("n")
	tm.waitFor("new run ops.2 (P: past runs); ops.1 left as it is")
	tm.moveTo("○ a")
	tm.press("enter")
	tm.waitFor("✓ a")
	tm.press("q")
	tm.wait()
	code, out, errOut := rbCLI(t, "report", doc, "--format", "json")
	if code != 0 || !strings.Contains(out, `"ops.2"`) {
		t.Fatalf("report does not read the new run: %d\n%s%s", code, out, errOut)
	}

	// Reopening finds the new run; P opens the older one instead.
	tm = startTerm(t, dir, doc)
	tm.waitFor(`Resume run "ops.2"?`)
	tm.press("enter")
	tm.waitFor("resumed run ops.2")
	tm.press("P")
	tm.waitFor("Open which run of this doc?")
	tm.waitFor("ops.1 ·")
	tm.press("down", "enter")
	tm.waitFor(`Resume run "ops.1"?`)
	tm.press("enter")
	tm.waitFor("resumed run ops.1")
	tm.press("R")
	tm.waitFor("Run finished") // the summary
	tm.press("esc")
	tm.waitFor("✓ b")
	tm.waitFor("run finished")
	tm.press("q")
	tm.wait()

	// A finished doc: a new run starts, and the status bar says so.
	dir2, doc2 := tuiDoc(t, "# F\n\n```bash {name=a}\necho a-out\n```\n")
	tm = startTerm(t, dir2, doc2)
	tm.waitUntil("a frame of the terminal's size", sized)
	tm.press("R")
	tm.waitFor("run finished")
	tm.press("q")
	tm.wait()
	tm = startTerm(t, dir2, doc2)
	tm.waitFor("new run ops.2 (P: past runs); ops.1 finished ok")
	tm.press("P")
	tm.waitFor("ops.1 · ok")
	tm.press("enter")
	// read-only: the finished run's statuses and output; nothing runs
	tm.waitFor("run ops.1 (ok) · read-only — esc goes back")
	tm.waitFor("✓ a")
	tm.waitFor("a-out")
	tm.press("enter", "r", "R")
	tm.waitFor("esc back")
	tm.press("esc")
	tm.waitUntil("the run open now again", func(s string) bool {
		return strings.Contains(s, "○ a") && !strings.Contains(s, "read-only")
	})
	tm.press("q")
	tm.wait()
	if _, err := os.Stat(filepath.Join(dir2, ".runbook", "ops.2")); err == nil {
		t.Fatal("keys in the read-only view started the new run")
	}
}

// An interactive step gets a clean terminal: no piece of the checklist
// is left on the screen (or scrolled into scrollback) around its prompt,
// and the TUI comes back whole.
func TestE2EInteractiveStepLeavesNoFragments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	// It waits before its prompt, so that the TUI's clock ticks and
	// events arrive while the step has the terminal.
	src := "# I\n\n```bash {name=ask interactive}\nsleep 2; printf 'Your name: '; read n; echo \"hello $n\"\n```\n\n```bash {name=after}\necho after\n```\n"
	dir, doc := tuiDoc(t, src)
	tm := startTerm(t, dir, doc)
	tm.moveTo("○ ask")
	tm.press("enter")
	tm.waitUntil("the step's own prompt", func(s string) bool {
		return strings.Contains(s, "Your name:") && !strings.Contains(s, "Checklist")
	})
	if s := tm.screen(); strings.ContainsAny(s, "╭╮╰╯│─○✓") {
		t.Fatalf("checklist fragments around the interactive step:\n%s", s)
	}
	if n := tm.scrollback(); strings.ContainsAny(n, "╭╮╰╯│○✓") {
		t.Fatalf("checklist fragments in the scrollback:\n%s", n)
	}
	tm.press("Ada", "enter")
	tm.waitFor("✓ ask")
	tm.waitFor("Checklist")
	tm.press("q")
	tm.wait()
	// Nothing of the TUI is drawn while the step has the terminal: from
	// leaving the alternate screen to coming back to it.
	tm.mu.Lock()
	raw := tm.raw.String()
	tm.mu.Unlock()
	leave := strings.Index(raw, "\x1b[?1049l")
	back := strings.Index(raw[max(leave, 0):], "\x1b[?1049h")
	if leave < 0 || back < 0 {
		t.Fatalf("the terminal was not handed over through the main screen: %q", tail(raw, 600))
	}
	if between := raw[leave : leave+back]; strings.ContainsAny(between, "╭╮╰╯│○✓◐") || !strings.Contains(between, "hello Ada") {
		t.Fatalf("TUI output while the interactive step had the terminal: %q", between)
	}
}

// scrollback is the emulator's scrollback, oldest line first.
func (tm *ptyTerm) scrollback() string {
	tm.scr.Lock()
	defer tm.scr.Unlock()
	var b strings.Builder
	sb := tm.emu.Scrollback()
	if sb == nil {
		return ""
	}
	for i := 0; i < sb.Len(); i++ {
		for _, c := range sb.Line(i) {
			b.WriteString(c.Content)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
