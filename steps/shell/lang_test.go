//go:build unix

package shell

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
)

// Every `{run}` language runs its code as a script (issue 11 §1): perl and
// node used to get the code after -c, a syntax-check flag there. The code
// is not on the command line (a 200 KB script runs, beyond the kernel's
// 128 KB limit for one argument), the step's stdin is not the script, and
// a failing script fails the step.
func TestRunLanguages(t *testing.T) {
	pad := strings.Repeat("x", 200<<10)
	for _, tc := range []struct {
		lang, prog, code, fail, want string
	}{
		{"python", "python3", "import os, sys\n_ = '" + pad + "'\nprint('py', os.environ['FOO'], len(sys.stdin.read()))\n", "raise SystemExit(3)\n", "py bar 0\n"},
		{"perl", "perl", "my $x = '" + pad + "';\nmy @in = <STDIN>;\nprint \"pl $ENV{FOO} \", scalar(@in), \"\\n\";\n", "exit 3;\n", "pl bar 0\n"},
		{"js", "node", "const x = '" + pad + "';\nconst fs = require('fs');\nconsole.log('js', process.env.FOO, String(fs.readFileSync(0).length));\n", "process.exit(3);\n", "js bar 0\n"},
		{"ruby", "ruby", "x = '" + pad + "'\nputs \"rb #{ENV['FOO']} #{STDIN.read.size}\"\n", "exit 3\n", "rb bar 0\n"},
		{"tcl", "tclsh", "set x {" + pad + "}\nputs \"tcl $env(FOO) [string length [read stdin]]\"\n", "exit 3\n", "tcl bar 0\n"},
		{"awk", "awk", "BEGIN { x = \"" + pad + "\"; print \"awk\", ENVIRON[\"FOO\"], 0 }\n", "BEGIN { exit 3 }\n", "awk bar 0\n"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			if _, err := exec.LookPath(tc.prog); err != nil {
				t.Skipf("no %s on this machine", tc.prog)
			}
			doc, err := runbook.Parse("t.md", []byte("```"+tc.lang+" {run}\n"+tc.code+"```\n\n```"+tc.lang+" {run}\n"+tc.fail+"```\n"))
			if err != nil || len(doc.Steps) != 2 {
				t.Fatalf("parse: %v, %d steps", err, len(doc.Steps))
			}
			for _, noPTY := range []bool{true, false} {
				var out syncBuffer
				res := New(Options{NoPTY: noPTY}).Run(context.Background(), steps.Request{
					Step: doc.Steps[0], Command: doc.Steps[0].Code, Output: &out, Dir: t.TempDir(),
					Env: []string{"FOO=bar", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()},
				})
				got := strings.ReplaceAll(out.String(), "\r", "")
				if !res.OK() || got != tc.want {
					t.Fatalf("noPTY=%v: result %+v output %q, want %q", noPTY, res, got, tc.want)
				}
				res = New(Options{NoPTY: noPTY}).Run(context.Background(), steps.Request{
					Step: doc.Steps[1], Command: doc.Steps[1].Code, Output: &out, Dir: t.TempDir(),
				})
				if res.ExitCode != 3 || res.Err != nil {
					t.Fatalf("noPTY=%v: failing script: result %+v output %q", noPTY, res, out.String())
				}
			}
		})
	}
}

// An interactive script step reads the engineer's terminal: the script
// comes through its own descriptor, not stdin.
func TestInteractiveScriptGetsTheTerminal(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	master, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer master.Close()
	defer tty.Close()
	st := &runbook.Step{Kind: runbook.KindShell, Lang: "python", Attrs: runbook.Attrs{Run: true, Shell: "python3", Interactive: true},
		Code: "import sys\nx = input()\nprint('got:' + x, sys.stdin.isatty())\n"}
	var out syncBuffer
	go func() { _, _ = bytesCopy(&out, master) }()
	done := make(chan steps.Result)
	go func() {
		done <- New(Options{}).Run(context.Background(), steps.Request{Step: st, Command: st.Code, Terminal: tty, Output: &syncBuffer{}})
	}()
	if _, err := master.Write([]byte("abc\n")); err != nil {
		t.Fatal(err)
	}
	if res := <-done; !res.OK() {
		t.Fatalf("result %+v output %q", res, out.String())
	}
	waitFor(t, "the step's answer on the terminal", func() bool {
		return strings.Contains(out.String(), "got:abc True\r\n")
	})
}
