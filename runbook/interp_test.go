package runbook

import (
	"strings"
	"testing"
)

// Which program runs a block, and in which grammar its code is read, is
// decided once when the doc is parsed (issue 13 §6, issue 11 §1): authors
// use ```sh to mean "a shell", so sh/shell blocks run in bash whatever the
// case of the fence; POSIX sh only when shell=sh or the front matter asks.
func TestInterpreterOfBlocks(t *testing.T) {
	cases := []struct {
		doc, want string
	}{
		{"```sh\ntrue\n```\n", "bash (bash)"},
		{"```SH\ntrue\n```\n", "bash (bash)"},
		{"```Shell\ntrue\n```\n", "bash (bash)"},
		{"```bash\ntrue\n```\n", "bash (bash)"},
		{"```BASH\ntrue\n```\n", "bash (bash)"},
		{"```console\n$ true\n```\n", "bash (bash)"},
		{"```zsh\ntrue\n```\n", "zsh (zsh)"},
		{"```ZSH\ntrue\n```\n", "zsh (zsh)"},
		{"```sh {shell=sh}\ntrue\n```\n", "sh (posix)"},
		{"```bash {shell=dash}\ntrue\n```\n", "dash (posix)"},
		{"```sh {shell=/bin/sh}\ntrue\n```\n", "/bin/sh (posix)"},
		{"```sh {shell=\"/usr/bin/env bash\"}\ntrue\n```\n", "/usr/bin/env bash (bash)"},
		{"```sh {shell=\"bash -x\"}\ntrue\n```\n", "bash -x (bash)"},
		{"```sh {shell=mksh}\ntrue\n```\n", "mksh (mksh)"},
		{"```sh {shell=BASH}\ntrue\n```\n", "BASH (bash)"},
		{"```sh {shell=sudo}\ntrue\n```\n", "sudo (none)"},
		{"---\nshell: sh\n---\n```sh\ntrue\n```\n", "sh (posix)"},
		{"---\nshell: sh\n---\n```shell\ntrue\n```\n", "sh (posix)"},
		{"---\nshell: sh\n---\n```bash\ntrue\n```\n", "bash (bash)"},
		{"---\nshell: sh\n---\n```zsh\ntrue\n```\n", "zsh (zsh)"},
		{"---\nshell: zsh\n---\n```sh\ntrue\n```\n", "zsh (zsh)"},
		{"```python {run}\nprint(1)\n```\n", "python3 (none, script)"},
		{"```Python {run}\nprint(1)\n```\n", "python3 (none, script)"},
		{"```perl {run}\nprint 1\n```\n", "perl (none, script)"},
		{"```js {run}\n1\n```\n", "node (none, script)"},
		{"```ruby {run}\n1\n```\n", "ruby (none, script)"},
		{"```lua {run}\n1\n```\n", "lua (none, script)"},
		{"```tcl {run}\nputs 1\n```\n", "tclsh (none, script)"},
		{"```awk {run}\n1\n```\n", "awk (none, script)"},
		{"```text {run shell=frob}\n1\n```\n", "frob (none)"},
		{"```text {run shell=python3}\nprint(1)\n```\n", "python3 (none, script)"},
		{"```sql\nSELECT 1\n```\n", " (none)"},
	}
	for _, tc := range cases {
		d := mustParse(t, tc.doc)
		if len(d.Steps) != 1 {
			t.Fatalf("%q: %d steps", tc.doc, len(d.Steps))
		}
		in := d.Steps[0].Interpreter()
		got := strings.Join(in.Argv, " ") + " (" + in.Dialect.String()
		if in.Script {
			got += ", script"
		}
		got += ")"
		if got != tc.want {
			t.Errorf("%q: interpreter %s, want %s", tc.doc, got, tc.want)
		}
		if d.Steps[0].Shell.Dialect != in.Dialect || strings.Join(d.Steps[0].Shell.Argv, " ") != strings.Join(in.Argv, " ") {
			t.Errorf("%q: the parser did not record the interpreter on the step", tc.doc)
		}
	}
}

// A step built by hand (tests, other packages) gets the same answer from
// its language and attributes.
func TestInterpreterOfHandBuiltStep(t *testing.T) {
	st := &Step{Kind: KindShell, Lang: "sh", Code: "true"}
	if in := st.Interpreter(); in.Dialect != DialectBash || in.Program() != "bash" {
		t.Fatalf("%+v", in)
	}
	chk := &Step{Kind: KindCheck, Code: "true"}
	if in := chk.Interpreter(); in.Dialect != DialectBash {
		t.Fatalf("check step: %+v", in)
	}
	py := &Step{Kind: KindShell, Lang: "python", Attrs: Attrs{Run: true, Shell: "python3"}}
	if in := py.DoneIfInterpreter(); in.Dialect != DialectBash {
		t.Fatalf("done-if of a python step runs in %+v", in)
	}
	z := &Step{Kind: KindShell, Lang: "zsh"}
	if in := z.DoneIfInterpreter(); in.Dialect != DialectZsh {
		t.Fatalf("done-if of a zsh step runs in %+v", in)
	}
}

func TestFrontMatterShell(t *testing.T) {
	d := mustParse(t, "---\nshell: fish\n---\n```sh\ntrue\n```\n")
	if len(d.Diagnostics) != 1 || d.Diagnostics[0].Code != "bad-front-matter" || !strings.Contains(d.Diagnostics[0].Message, "shell") {
		t.Fatalf("diagnostics %+v", d.Diagnostics)
	}
}
