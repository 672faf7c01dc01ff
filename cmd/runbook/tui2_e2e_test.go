package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A step that reads its terminal (/dev/tty: a password prompt, ssh,
// sudo) without `interactive` no longer waits unseen in the TUI (issue
// 12 §4): the TUI says it waits for input, i
// types into it (enter, backspace, ctrl+d reach it as a terminal sends
// them), runbook echoes nothing (a password stays hidden), esc leaves.
func TestE2ETypeIntoAStepWaitingForInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	src := "# In\n\n```bash {name=ask}\nprintf 'Name: '; read name </dev/tty; echo \"hello $name\"\n```\n\n" +
		"```bash {name=pw}\nread -s -p 'Password: ' pw </dev/tty; echo; echo \"length ${#pw}\"\n```\n\n" +
		"```bash {name=lines}\nn=$(cat </dev/tty | wc -l); echo \"lines $n\"\n```\n"
	dir, doc := tuiDoc(t, src)
	tm := startTerm(t, dir, doc)
	tm.moveTo("○ ask")
	tm.press("enter")
	tm.waitFor("ask is waiting for input — press i to type into it")
	tm.waitFor("Output · ⏸ waiting for input — press i")
	tm.press("i")
	tm.waitFor("typing into ask")
	tm.press("bx", "\x7f", "ob", "enter")
	tm.waitFor("hello bob")
	tm.waitFor("✓ ask")
	if strings.Contains(tm.screen(), "typing into ask") {
		t.Fatalf("input mode outlived its step:\n%s", tm.screen())
	}

	tm.moveTo("○ pw")
	tm.press("enter")
	tm.waitFor("pw is waiting for input")
	tm.press("i")
	tm.waitFor("typing into pw")
	tm.press("hunter2", "enter")
	tm.waitFor("length 7")
	tm.waitFor("✓ pw")
	if strings.Contains(tm.screen(), "hunter2") {
		t.Fatalf("the password was shown:\n%s", tm.screen())
	}

	tm.moveTo("○ lines")
	tm.press("enter")
	tm.waitFor("lines is waiting for input")
	tm.press("i")
	tm.waitFor("typing into lines")
	tm.press("one", "enter", "two", "enter")
	tm.waitFor("two")
	tm.press("esc")
	tm.waitUntil("input mode left", func(s string) bool {
		return strings.Contains(s, "lines is waiting for input — press i") && !strings.Contains(s, "typing into lines")
	})
	tm.press("i")
	tm.waitFor("typing into lines")
	tm.press("\x04")           // ctrl+d: end of input
	tm.waitFor("Run finished") // the end-of-run summary
	tm.press("esc")
	tm.waitFor("lines 2")
	tm.waitFor("✓ lines")
	tm.press("q")
	tm.wait()
}

// At 80 columns a long status message keeps what it says: long run names
// lose their middle, never the message its end ("finished ok", "P: past
// runs" used to be cut off).
func TestE2ELongStatusMessageAt80Columns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "deploy-production-eu-west-1-database.md")
	if err := os.WriteFile(doc, []byte("# F\n\n```bash {name=a}\necho a-out\n```\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := startTermSize(t, dir, nil, 80, 24, doc)
	tm.waitFor("Checklist")
	tm.press("R")
	tm.waitFor("run finished")
	tm.press("q")
	tm.wait()
	tm = startTermSize(t, dir, nil, 80, 24, doc)
	tm.waitUntil("the whole message, names shortened", func(s string) bool {
		first := strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
		return strings.HasPrefix(first, "new run deploy-") && strings.Contains(first, "(P: past runs); deploy-") &&
			strings.HasSuffix(first, "database.1 finished ok")
	})
	tm.press("q")
	tm.wait()
}
