package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

const twoSteps = "# Two\n\n## One\n\n```bash {name=one}\necho one >> count\n```\n\n## Two\n\n```bash {name=two}\necho two >> count\n```\n"

// oneLineExit2 fails unless the call exited 2 with exactly one line on
// stderr holding every want.
func oneLineExit2(t *testing.T, what string, code int, stderr string, want ...string) {
	t.Helper()
	if code != 2 || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("%s: exit %d, stderr %q (want exit 2, one line)", what, code, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%s: stderr %q lacks %q", what, stderr, w)
		}
	}
}

func TestBadRunNamesExit2(t *testing.T) {
	doc := writeDoc(t, "doc.md", twoSteps)
	state := filepath.Join(t.TempDir(), "state")
	for _, name := range []string{"../x", "a/b", "", ".", "..", "a\x1b]0;t\ab", "\u202eevil"} {
		code, _, stderr := rbCLI(t, "run", "--no-tui", "--yes", "--state-dir", state, "--run", name, doc)
		oneLineExit2(t, "--run "+strconv.Quote(name), code, stderr, "--run")
		if strings.ContainsAny(stderr, "\x1b\a") {
			t.Errorf("raw control in %q", stderr)
		}
		code, _, stderr = rbCLI(t, "report", "--state-dir", state, "--run", name, doc)
		oneLineExit2(t, "report --run "+strconv.Quote(name), code, stderr, "--run")
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatal("a refused run created state")
	}
}

func TestUnsafeOrUncreatableStateDirExit2(t *testing.T) {
	doc := writeDoc(t, "doc.md", twoSteps)
	base := t.TempDir()
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o700)
	link := filepath.Join(base, "link")
	os.Symlink(real, link)
	shared := filepath.Join(base, "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o777)
	for dir, want := range map[string]string{
		filepath.Join(file, "state"): "not a directory",
		link:                         "is a symlink",
		shared:                       "writable by other users",
	} {
		code, _, stderr := rbCLI(t, "run", "--no-tui", "--yes", "--state-dir", dir, doc)
		oneLineExit2(t, "run --state-dir "+dir, code, stderr, want)
		code, _, stderr = rbCLI(t, "status", "--state-dir", dir)
		if dir != filepath.Join(file, "state") {
			oneLineExit2(t, "status --state-dir "+dir, code, stderr, want)
		}
	}
	if ents, _ := os.ReadDir(real); len(ents) != 0 {
		t.Fatal("a run was written through the symlink")
	}
}

// A run held by another runbook process: exit 2 naming who holds it.
func TestRunInUseNamesItsHolder(t *testing.T) {
	bin := runbookBinary(t)
	doc := writeDoc(t, "doc.md", "# Hold\n\n```bash {name=hold}\nsleep 30\n```\n")
	state := filepath.Join(t.TempDir(), "state")
	first := exec.Command(bin, "run", "--no-tui", "--yes", "--state-dir", state, doc)
	first.Env = lineEnv()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	lock := filepath.Join(state, "doc.1", journal.LockFile)
	deadline := time.Now().Add(10 * time.Second)
	var h journal.Holder
	for {
		if b, err := os.ReadFile(lock); err == nil && json.Unmarshal(bytes.TrimSpace(b), &h) == nil && h.PID != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run never took its lock")
		}
		time.Sleep(5 * time.Millisecond) // polling the lock file, not waiting for it blindly
	}
	second := exec.Command(bin, "run", "--no-tui", "--yes", "--state-dir", state, doc)
	second.Env = lineEnv()
	var stderr bytes.Buffer
	second.Stderr = &stderr
	err := second.Run()
	code := second.ProcessState.ExitCode()
	host, _ := os.Hostname()
	oneLineExit2(t, "second run", code, stderr.String(), "in use by", h.User, host,
		"(pid "+strconv.Itoa(first.Process.Pid)+")", "since "+h.Since.UTC().Format("2006-01-02 15:04:05"))
	_ = err
	// status says so too
	out, _ := exec.Command(bin, "status", "--state-dir", state, "--json").Output()
	if !bytes.Contains(out, []byte(`"live": true`)) {
		t.Errorf("status: %s", out)
	}
}

// A damaged journal stops the run with FILE:LINE and the repair command;
// after the repair, the steps recorded as finished do not run again.
func TestDamagedJournalExit2AndRepair(t *testing.T) {
	doc := writeDoc(t, "doc.md", twoSteps)
	dir := filepath.Dir(doc)
	state := filepath.Join(dir, "state")
	if code, _, stderr := rbCLI(t, "run", "--no-tui", "--yes", "--only", "one", "--state-dir", state, doc); code != 0 {
		t.Fatal(stderr)
	}
	path := filepath.Join(state, "doc.1", journal.JournalFile)
	b, _ := os.ReadFile(path)
	lines := strings.Count(string(b), "\n")
	// a torn last event, as a power cut leaves it
	os.WriteFile(path, append(b, `{"v":1,"seq":99,"type":"step-sta`...), 0o600)
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	code, _, stderr := rbCLI(t, "run", "--no-tui", "--yes", "--state-dir", state, doc)
	repair := "runbook status --state-dir " + state + " --repair doc.1"
	oneLineExit2(t, "run", code, stderr, path+":"+strconv.Itoa(lines+1)+":", "cut short", repair)
	code, _, stderr = rbCLI(t, "status", "--state-dir", state)
	if code != 0 {
		t.Fatalf("status of a damaged run: exit %d %s", code, stderr)
	}
	code, stdout, stderr := rbCLI(t, strings.Fields(repair)[1:]...)
	if code != 0 || !strings.Contains(stdout, "kept the") {
		t.Fatalf("repair: exit %d %s %s", code, stdout, stderr)
	}
	if code, _, stderr := rbCLI(t, "run", "--no-tui", "--yes", "--state-dir", state, doc); code != 0 {
		t.Fatalf("after repair: exit %d %s", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "count")); string(got) != "one\ntwo\n" {
		t.Fatalf("steps ran %q, want one then two, once each", got)
	}
}

// Hostile documents that took 10–20 s and hundreds of MB to parse are
// refused at once by every command: exit 2, one line naming the limit.
func TestHostileDocumentsRefusedByEveryCommand(t *testing.T) {
	var ph, nested strings.Builder
	ph.WriteString("# P\n\n```bash\necho")
	for i := range 100000 {
		ph.WriteString(" <v" + strconv.Itoa(i) + ">")
	}
	ph.WriteString("\n```\n")
	for i := range 2000 {
		nested.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	for name, src := range map[string]string{
		"placeholders.md": ph.String(),
		"nested.md":       nested.String(),
		"quotes.md":       "# Q\n\n" + strings.Repeat(">", 3000) + " x\n",
	} {
		doc := writeDoc(t, name, src)
		for _, args := range [][]string{{"list"}, {"check"}, {"run", "--no-tui", "--dry-run", "--yes"}, {"status"}} {
			code, _, stderr := rbCLI(t, append(args, doc)...)
			oneLineExit2(t, name+" "+args[0], code, stderr, name+":", "past the limit of what runbook reads")
		}
	}
}
