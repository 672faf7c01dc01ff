package runbook

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func lintLines(d *Document, opt LintOptions) string {
	var b strings.Builder
	for _, dg := range Lint(d, opt) {
		fmt.Fprintf(&b, "%d %s %s: %s\n", dg.Line, dg.Severity, dg.Code, dg.Message)
	}
	return b.String()
}

func TestLint(t *testing.T) {
	src := "# Deploy\n\n```bash {name=push}\necho <account-id> {env}\nif true; then\n  echo broken\n```\n\n```console\n$ echo ok\nok\n$ echo 'unterminated\n```\n\n```sql\nSELECT 1;\n```\n\n```python {run}\nif True: print(1\n```\n\n[VERIFY] Which account?\n\n```bash {colour=red done-if=\"test -f (\"}\ntrue\n```\n"
	d := mustParse(t, src)
	got := lintLines(d, LintOptions{})
	want := "4 warning no-value-source: placeholder account-id has no default or source: it must be given at run time\n" +
		"4 warning no-value-source: placeholder env has no default or source: it must be given at run time\n" +
		"5 error shell-syntax: step push: shell syntax error: `if` statement must end with `fi`\n" +
		"12 error shell-syntax: step deploy/2: shell syntax error: reached EOF without closing quote `'`\n" +
		"15 warning sql-no-connection: step deploy/3: SQL step but no MySQL connection (set mysql.dsn in front matter, --mysql-dsn or RUNBOOK_MYSQL_DSN)\n" +
		"23 warning unanswered-question: unanswered question deploy/q1: Which account?\n" +
		"25 error unknown-attribute: unknown attribute \"colour\"\n" +
		"25 error shell-syntax: step deploy/5: done-if: shell syntax error: a command can only contain words and redirects; encountered `(`\n"
	if got != want {
		t.Errorf("lint:\n%s\nwant:\n%s", got, want)
	}
	// a DSN from the environment silences the SQL warning
	if strings.Contains(lintLines(d, LintOptions{MySQLDSN: true}), "sql-no-connection") {
		t.Error("sql-no-connection with a DSN")
	}
}

// Authors write ```sh to mean "a shell": such a block runs in bash, so
// bash syntax in it is fine (it used to be linted, and run, as dash). A
// block that asks for POSIX sh (shell=sh, front matter shell: sh) is
// judged as POSIX, on the line of the offending code.
func TestLintShBlockDialect(t *testing.T) {
	body := "echo start\narr=(1 2); echo ${arr[1]}\npushd /tmp; [[ -n x ]] && echo -e 'a\\tb'; diff <(echo a) <(echo b)\n"
	src := "# T\n\n```sh\n" + body + "```\n\n```SH\n" + body + "```\n\n```sh {shell=sh}\n" + body + "```\n"
	got := lintLines(mustParse(t, src), LintOptions{})
	want := "17 error shell-syntax: step t/3: shell syntax error: arrays are a bash/mksh/zsh feature; tried parsing as posix (the block runs in POSIX sh, as shell=sh or the front matter's shell: asks; drop that for bash syntax)\n"
	if got != want {
		t.Errorf("lint:\n%s\nwant:\n%s", got, want)
	}
	fm := "---\nshell: sh\n---\n# T\n\n```sh\n" + body + "```\n\n```bash\n" + body + "```\n"
	got = lintLines(mustParse(t, fm), LintOptions{})
	want = "8 error shell-syntax: step t/1: shell syntax error: arrays are a bash/mksh/zsh feature; tried parsing as posix (the block runs in POSIX sh, as shell=sh or the front matter's shell: asks; drop that for bash syntax)\n"
	if got != want {
		t.Errorf("front matter shell: sh: lint:\n%s\nwant:\n%s", got, want)
	}
}

func TestLintPlaceholdersAreNotRedirects(t *testing.T) {
	d := mustParse(t, "---\nvariables:\n  account-id: \"1\"\n  file: {source: env:F}\n---\n```bash\ncat <file> | aws s3 cp - s3://<account-id>/x\ngrep -c {pattern} <file>\n```\n")
	got := lintLines(d, LintOptions{})
	if got != "8 warning unknown-placeholder: placeholder pattern is not declared in the front matter variables\n" {
		t.Errorf("lint:\n%s", got)
	}
}

func TestLintScrapedAndMojibake(t *testing.T) {
	d, err := Load("testdata/seeds/first-deployment.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := Lint(d, LintOptions{})
	if got[0].Code != "scraped" || got[0].Severity != SevWarning || got[0].Line != 1 {
		t.Errorf("first diagnostic = %+v", got[0])
	}
	d, err = Load("testdata/seeds/production-deployment-guide.txt")
	if err != nil {
		t.Fatal(err)
	}
	got = Lint(d, LintOptions{})
	if len(got) == 0 || got[0].Code != "mojibake" || got[0].Line != 1 {
		t.Errorf("diagnostics = %+v", got)
	}
}

func TestLintDeclaredVariables(t *testing.T) {
	d := mustParse(t, "---\nvariables:\n  env:\n    default: Prod\n    pattern: ^[a-z]+$\n  region: us-west-2\n---\n```bash {name=a}\necho {env} {regoin} {region}\n```\n```bash {name=a}\ntrue\n```\n")
	got := lintLines(d, LintOptions{})
	want := "3 warning default-mismatch: variable env: default \"Prod\" does not match its pattern ^[a-z]+$\n" +
		"9 warning unknown-placeholder: placeholder regoin is not declared in the front matter variables\n" +
		"11 warning duplicate-name: step name \"a\" is already used on line 8: this step's id is a-2\n"
	if got != want {
		t.Errorf("lint:\n%s\nwant:\n%s", got, want)
	}
}

// Issue 14 §4: background steps are supported; what cannot run in the
// background, and readiness attributes without it, are flagged.
func TestLintBackground(t *testing.T) {
	d := mustParse(t, "# T\n\n```sql {name=q background}\nselect 1;\n```\n\n```sh {name=i background interactive}\nvim\n```\n\n```sh {name=r ready-if=true}\necho\n```\n\n```sh {name=ok background ready-after=2s}\nserve\n```\n")
	got := lintLines(d, LintOptions{})
	for _, want := range []string{
		"background-ignored: step q: only shell steps run in the background",
		"background-ignored: step i: an interactive step has the terminal",
		"ready-without-background: step r: ready-if and ready-after only apply to background steps",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lint lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "step ok") {
		t.Errorf("a good background step was flagged:\n%s", got)
	}
	if st := d.Step("ok"); !st.Attrs.Background || st.Attrs.ReadyAfter != 2*time.Second {
		t.Errorf("attrs %+v", st.Attrs)
	}
	if d := mustParse(t, "---\nsession: nope\n---\n# T\n"); d.Err() == nil {
		t.Error("session: nope was accepted")
	}
	if d := mustParse(t, "---\nsession: isolated\n---\n# T\n"); d.Err() != nil || !d.SessionIsolated() {
		t.Errorf("session: isolated: %v", d.Err())
	}
}
