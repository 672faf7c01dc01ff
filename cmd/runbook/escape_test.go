package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/creack/pty"

	"github.com/runbook-sh/runbook/runbook"
)

// hostileDoc puts terminal escape sequences everywhere a doc can: OSC 52
// (clipboard), OSC 0/2 (title), DCS, BEL and bidi overrides in a heading,
// a step title, a question, a task item and a command. The command also
// prints sequences, to check line mode's output filter.
const hostileDoc = "# Deploy \x1b]52;c;SGVhZGluZw==\a\u202eelif\u202c\n\n" +
	"## Build \x1b]0;pwned-title\a\x1bP+q544e\x1b\\\n\n" +
	"[VERIFY] Which region \x1b]2;q-title\x1b\\ do we use\a? Recommended: us\u2066-west-2\u2069.\n\n" +
	"- [ ] Tell \x1b]52;c;dGFzaw==\a the channel\n\n" +
	"```bash {name=hostile}\n" +
	"# cmd \x1b]52;c;Y29tbWFuZA==\a\n" +
	"echo \"value: <val>\"\n" +
	"printf '\\033[31mred\\033[0m \\033]52;c;b3V0cHV0\\a \\033]0;out-title\\a\\033Pdcs\\033\\\\ done\\n'\n" +
	"```\n"

// hostileValue is a --set value with the same kind of payload.
const hostileValue = "v\x1b]52;c;dmFsdWU=\a\x1b]0;val-title\a\u202e"

// rawControl names the first byte or rune of out that would drive a
// terminal: ESC (unless allowed is a prefix at that point), BEL, a C1
// control, a bidi override, DEL.
func rawControl(out string, allowed ...string) string {
	for i := 0; i < len(out); {
		c := out[i]
		if c == 0x1b {
			ok := false
			for _, a := range allowed {
				ok = ok || strings.HasPrefix(out[i:], a)
			}
			if !ok {
				return strings.ReplaceAll(out[i:min(len(out), i+12)], "\x1b", "ESC")
			}
		}
		if c == 0x07 || c == 0x7f {
			return "BEL/DEL"
		}
		r, n := utf8.DecodeRuneInString(out[i:])
		if (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return string(r)
		}
		i += n
	}
	return ""
}

func TestHostileDocNeverReachesTheTerminalRaw(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc\x1b]0;file-title\a.md")
	if err := os.WriteFile(doc, []byte(hostileDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	set := "val=" + hostileValue
	answer := questionID(t, doc) + "=eu\x1b]52;c;YW5zd2Vy\a"
	for _, c := range []struct {
		name string
		args []string
		// sequences the output may keep: the step's own colours
		allowed []string
	}{
		{"list", []string{"list", doc}, nil},
		{"check", []string{"check", doc}, nil},
		{"dry-run", []string{"run", "--no-tui", "--dry-run", "--yes", "--set", set, "--set", answer, doc}, nil},
		{"run", []string{"run", "--no-tui", "--yes", "--set", set, "--set", answer, doc}, []string{"\x1b[31m", "\x1b[0m"}},
		{"status", []string{"status", doc}, nil},
		{"status state dir", []string{"status", "--state-dir", filepath.Join(dir, ".runbook")}, nil},
	} {
		code, stdout, stderr := rbCLI(t, c.args...)
		if code == 2 {
			t.Fatalf("%s: exit 2: %s", c.name, stderr)
		}
		for name, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
			if c.name == "run" && name == "stdout" {
				// the step echoes the value: the output filter keeps
				// text, bidi included, and drops only what drives the
				// terminal
				out = strings.ReplaceAll(out, "\u202e", "")
			}
			if bad := rawControl(out, c.allowed...); bad != "" {
				t.Errorf("%s: %s holds a raw %q:\n%q", c.name, name, bad, out)
			}
		}
		if c.name == "run" {
			output := stepOutput(stdout)
			if !strings.Contains(output, "\x1b[31mred\x1b[0m") {
				t.Errorf("run: the step's colours were lost:\n%q", output)
			}
			if !strings.Contains(output, "done") || strings.Contains(output, "b3V0cHV0") || strings.Contains(output, "out-title") || strings.Contains(output, "dcs") {
				t.Errorf("run: the step's OSC/DCS payloads reached the output:\n%q", output)
			}
			if !strings.Contains(stdout, `\x1b]52;c;`) {
				t.Errorf("run: the echoed command does not show the escape visibly:\n%q", stdout)
			}
		}
	}
	// the log on disk keeps the bytes as the step produced them
	logs, _ := filepath.Glob(filepath.Join(dir, ".runbook", "*", "logs", "*.log"))
	if len(logs) != 1 {
		t.Fatalf("logs: %v", logs)
	}
	if b, _ := os.ReadFile(logs[0]); !bytes.Contains(b, []byte("\x1b]52;c;b3V0cHV0\a")) {
		t.Errorf("the log lost the step's bytes: %q", b)
	}

	// a report shown on a terminal is escaped; written to a file, exact
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(ptmx); got <- b }()
	var errb bytes.Buffer
	code := execute([]string{"report", "--format", "md", doc}, strings.NewReader(""), tty, &errb)
	tty.Close()
	out := string(<-got)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errb.String())
	}
	if bad := rawControl(out); bad != "" || !strings.Contains(out, `\x1b]52;c;`) {
		t.Errorf("report on a terminal holds a raw %q:\n%q", bad, out)
	}
	outFile := filepath.Join(dir, "report.md")
	if code, _, stderr := rbCLI(t, "report", "-o", outFile, doc); code != 0 {
		t.Fatal(stderr)
	}
	if b, _ := os.ReadFile(outFile); !bytes.Contains(b, []byte("\x1b]0;pwned-title\a")) {
		t.Errorf("a report file must keep the doc's bytes")
	}
}

// stepOutput is the step's own output in line mode: the indented lines
// that are not the echoed command.
func stepOutput(stdout string) string {
	var b strings.Builder
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "    ") && !strings.Contains(l, "│") && !strings.Contains(l, "|") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func questionID(t *testing.T, path string) string {
	t.Helper()
	d, err := runbook.Load(path)
	if err != nil || len(d.Questions) != 1 {
		t.Fatalf("load: %v", err)
	}
	return d.Questions[0].ID
}

func TestHostileWriteBackDiff(t *testing.T) {
	doc := writeDoc(t, "wb.md", hostileDoc)
	code, stdout, stderr := rbCLI(t, "run", "--no-tui", "--yes", "--dry-run", "--write-back",
		"--set", "val=x", "--set", questionID(t, doc)+"=eu-west-1", doc)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "+++ b/") {
		t.Fatalf("no diff shown:\n%s", stdout)
	}
	if bad := rawControl(stdout + stderr); bad != "" {
		t.Errorf("diff holds a raw %q:\n%q", bad, stdout)
	}
}
