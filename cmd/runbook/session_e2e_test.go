//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Issue 14 acceptance, through the real binary in line mode: a runbook
// runs like one terminal session.

// sessionDoc sets a plain variable, an array, an associative array, an
// exported variable, a function and a secret-named variable and cd's in
// step one, which also writes <endpoint> to $RUNBOOK_OUTPUT; step two is
// isolated and must not see any of it (it pauses the first time, so that
// the test can kill -9 runbook there); step three uses all of it.
func sessionDoc(dir string) string {
	return `# One terminal

| Name | Value |
|------|-------|
| ` + "`<endpoint>`" + ` | |

## Set up

` + "```bash {name=one}" + `
plain="hello world"
certs=(ca.pem "kube proxy.pem")
declare -A tags=([env]=prod ["the key"]=v)
export REGION=us-west-2
greet() { echo "hi $1 from $REGION"; }
API_TOKEN=tok-$((6*7))-$(echo abcdef | tr a-f u-z)
mkdir -p work && cd work
echo "endpoint=db-1.internal" >> "$RUNBOOK_OUTPUT"
` + "```" + `

` + "```bash {name=two isolated}" + `
echo "isolated: plain=${plain-none} certs=${certs[*]-none} region=${REGION-none} $(type -t greet || echo no-greet) $(pwd)"
[ -e ` + dir + `/paused ] || { touch ` + dir + `/paused; sleep 60; }
` + "```" + `

` + "```bash {name=three}" + `
echo "three: $plain|${certs[1]}|${tags[the key]}|$REGION|$(greet ana)|$(pwd)|token=$API_TOKEN|<endpoint>"
bash -c 'echo "child: $REGION"'
` + "```" + `
`
}

// lineRun is a line-mode runbook the test reads as it prints.
type lineRun struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
	eof chan struct{}
}

func startLine(t *testing.T, dir string, args ...string) *lineRun {
	t.Helper()
	cmd := exec.Command(runbookBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = lineEnv()
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	l := &lineRun{cmd: cmd, eof: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(l.eof)
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			l.mu.Lock()
			l.out.WriteString(line)
			l.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return l
}

func (l *lineRun) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.String()
}

func (l *lineRun) waitFor(t *testing.T, s string) {
	t.Helper()
	poll(t, fmt.Sprintf("%q in the output", s), 20*time.Second, func() bool { return strings.Contains(l.text(), s) })
}

func (l *lineRun) wait() (int, string) {
	<-l.eof
	err := l.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), l.text()
	}
	return 0, l.text()
}

func runIn(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	return startLine(t, dir, args...).wait()
}

// filesUnder is the content of every file under dir, concatenated.
func filesUnder(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all = append(all, b...)
		}
		return nil
	})
	return all
}

func TestE2ESessionCarriesOverAndResumes(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "terminal.md")
	if err := os.WriteFile(doc, []byte(sessionDoc(dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	// kill -9 between steps one and three: while two pauses.
	l := startLine(t, dir, "run", "--no-tui", "--yes", doc)
	// the step's own line, not the echo of its command (which holds the
	// same words): the step then sleeps
	poll(t, "step two's output", 20*time.Second, func() bool { return strings.Count(l.text(), "isolated: plain=") >= 2 })
	l.cmd.Process.Signal(syscall.SIGKILL)
	l.wait()
	first := l.text()
	if !strings.Contains(first, "isolated: plain=none certs=none region=none no-greet "+dir+"\n") {
		t.Errorf("the isolated step saw the session:\n%s", first)
	}
	if !strings.Contains(first, "session: API_TOKEN=**** REGION=us-west-2 certs=(2) plain=hello world tags=(2) greet() cwd="+dir+"/work") {
		t.Errorf("step one's changes are not shown:\n%s", first)
	}

	// Resumed without a terminal: the secret is not on disk, so the run
	// says what it lacks and how to give it, before the first step.
	code, out := runIn(t, dir, "run", "--no-tui", "--yes", doc)
	if code != 2 || !strings.Contains(out, "API_TOKEN (a secret, set by step one, never written to disk): --set API_TOKEN=VALUE") {
		t.Fatalf("resume without the secret: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "▶") || strings.Contains(out, "> ") {
		t.Errorf("a step ran:\n%s", out)
	}
	code, out = runIn(t, dir, "run", "--no-tui", "--yes", "--write-back", "--set", "API_TOKEN=given-by-hand-7", doc)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	want := "three: hello world|kube proxy.pem|v|us-west-2|hi ana from us-west-2|" + dir + "/work|token=****|db-1.internal\n    child: us-west-2\n"
	if !strings.Contains(out, want) {
		t.Errorf("step three after the resume saw:\n%s\nwant %q", out, want)
	}
	if !strings.Contains(out, "+ one  ok earlier in this run") || !strings.Contains(out, "wrote 0 answer(s) and 1 value(s) into") {
		t.Errorf("resume output:\n%s", out)
	}
	b, _ := os.ReadFile(doc)
	if !strings.HasPrefix(string(b), "---\nvariables:\n  endpoint: db-1.internal\n---\n# One terminal\n") ||
		!strings.Contains(string(b), "| `<endpoint>` | `db-1.internal` |\n") {
		t.Errorf("the doc after write-back:\n%s", b)
	}
	// The secrets are nowhere on disk, nor in any report.
	state := filepath.Join(dir, ".runbook")
	disk := filesUnder(t, state)
	// Each format lists what step one changed and its confirmed output.
	for f, wants := range map[string][]string{
		"md":    {"`certs=(ca.pem kube proxy.pem)` · `plain=hello world` · `tags=([env]=prod [the key]=v)` · `greet()`", "`API_TOKEN=****`", "`cwd=" + dir + "/work`", "Outputs: `<endpoint>` = `db-1.internal`"},
		"html":  {"<code>REGION=us-west-2</code>", "<code>API_TOKEN=****</code>", "<code>&lt;endpoint&gt;</code> = <code>db-1.internal</code>"},
		"json":  {`"name": "REGION"`, `"value": "us-west-2"`, `"name": "API_TOKEN"`, `"name": "endpoint"`},
		"junit": {`<property name="session.REGION" value="us-west-2">`, `<property name="output.endpoint" value="db-1.internal">`, "greet()"},
	} {
		code, rep := runIn(t, dir, "report", "--format", f, doc)
		if code != 0 {
			t.Fatalf("report %s: exit %d\n%s", f, code, rep)
		}
		disk = append(disk, rep...)
		for _, w := range wants {
			if !strings.Contains(rep, w) {
				t.Errorf("the %s report lacks %q", f, w)
			}
		}
	}
	for _, secret := range []string{"tok-42-uvwxyz", "given-by-hand-7"} {
		if bytes.Contains(disk, []byte(secret)) {
			t.Errorf("%s reached the disk or a report", secret)
		}
	}
}

// A background HTTP server on a loopback port, curled by the next step,
// leaves no process behind after the run's end, Ctrl-C, or kill -9.
func TestE2EBackgroundStepNeverOutlivesRunbook(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	for _, how := range []string{"end", "ctrl-c", "kill -9"} {
		t.Run(how, func(t *testing.T) {
			dir, doc, marker := backgroundServerDoc(t, how)
			l := startLine(t, dir, "run", "--no-tui", "--yes", doc)
			if how != "end" {
				l.waitFor(t, "    pausing\n")
				if n := procsWith(marker); n == 0 {
					t.Fatal("the server is not running while the run pauses")
				}
				sig := os.Interrupt
				if how == "kill -9" {
					sig = syscall.SIGKILL
				}
				l.cmd.Process.Signal(sig)
			}
			code, out := l.wait()
			if !strings.Contains(out, "    got 200\n") {
				t.Errorf("the next step did not reach the server:\n%s", out)
			}
			switch how {
			case "end":
				if code != 0 || !strings.Contains(out, "+ serve  ok") {
					t.Errorf("exit %d\n%s", code, out)
				}
			case "ctrl-c":
				if code != 1 || !strings.Contains(out, "summary: 1 ok, 2 interrupted") {
					t.Errorf("exit %d\n%s", code, out)
				}
			}
			poll(t, "no process of the background step left", 10*time.Second, func() bool { return procsWith(marker) == 0 })
		})
	}
}

func loopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// procsWith counts the live processes whose command line holds marker.
func procsWith(marker string) int {
	n := 0
	ents, _ := os.ReadDir("/proc")
	for _, d := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(marker)) {
			continue
		}
		st, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			continue
		}
		n++
	}
	return n
}

// Resumed with a terminal, line mode says which step captured the secret
// and asks for it: typed (without echo), it is used and masked, and never
// reaches the disk.
func TestE2EResumeAsksForASessionSecret(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "terminal.md")
	os.WriteFile(doc, []byte(sessionDoc(dir)), 0o644)
	os.WriteFile(filepath.Join(dir, "paused"), nil, 0o644) // step two does not pause
	if code, out := runIn(t, dir, "run", "--no-tui", "--yes", "--only", "one", doc); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	tm := startTerm(t, dir, "run", "--no-tui", doc)
	tm.waitFor("API_TOKEN  (a secret, set by step one)")
	tm.waitFor("[e]nter the values")
	tm.press("e", "enter")
	tm.waitUntil("the prompt for API_TOKEN", func(s string) bool { return strings.Contains(s, "\nAPI_TOKEN:") })
	tm.press("typed-secret-99", "enter")
	tm.waitFor("token=****|db-1.internal")
	tm.wait()
	if code := tm.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	if strings.Contains(tm.screen(), "typed-secret-99") {
		t.Error("the typed secret was echoed")
	}
	if bytes.Contains(filesUnder(t, filepath.Join(dir, ".runbook")), []byte("typed-secret-99")) {
		t.Error("the typed secret reached the disk")
	}
}

// backgroundServerDoc writes a doc whose first step serves HTTP on a
// loopback port in the background, the second curls it and the third
// pauses (60 s unless how is "end", so that the run can be stopped
// there). The server's command line holds marker, a unique directory:
// that is how a test finds what is left.
func backgroundServerDoc(t *testing.T, how string) (dir, doc, marker string) {
	t.Helper()
	dir = t.TempDir()
	marker = filepath.Join(dir, "served")
	os.Mkdir(marker, 0o700)
	port := loopbackPort(t)
	wait := "0"
	if how != "end" {
		wait = "60"
	}
	doc = filepath.Join(dir, "bg.md")
	src := fmt.Sprintf("# BG\n\n```bash {name=serve background ready-if=\"curl -fsS http://127.0.0.1:%d/ >/dev/null\"}\npython3 -m http.server %d --bind 127.0.0.1 --directory %s\n```\n\n```bash {name=use}\ncurl -fsS -o /dev/null -w 'got %%{http_code}\\n' http://127.0.0.1:%d/\n```\n\n```bash {name=pause}\necho pausing; sleep %s\n```\n", port, port, marker, port, wait)
	if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, doc, marker
}
