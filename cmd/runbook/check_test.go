package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.md", "# Clean\n\n```bash\necho hi\n```\n")
	warn := write("warn.md", "# Warn\n\n[VERIFY] Which region?\n\n```sql\nSELECT 1;\n```\n")
	bad := write("bad.md", "# Bad\n\n```bash\nif true; then\n```\n\n```sh\necho <name>\n")
	bin := write("bin.md", "\x00")

	out, errs, code := runCLI(t, "check", clean)
	if code != 0 || errs != "" || out != clean+": no problems found\n" {
		t.Errorf("clean: exit %d out %q err %q", code, out, errs)
	}

	out, errs, code = runCLI(t, "check", warn)
	want := warn + ":3: warning: unanswered question warn/q1: Which region?\n" +
		warn + ":5: warning: step warn/1: SQL step but no MySQL connection (set mysql.dsn in front matter, --mysql-dsn or RUNBOOK_MYSQL_DSN)\n" +
		warn + ": 0 errors, 2 warnings\n"
	if code != 0 || errs != "" || out != want {
		t.Errorf("warn: exit %d err %q out:\n%s\nwant:\n%s", code, errs, out, want)
	}
	out, _, code = runCLI(t, "check", "--mysql-dsn", "u:p@tcp(db)/x", warn)
	if code != 0 || out != warn+":3: warning: unanswered question warn/q1: Which region?\n"+warn+": 0 errors, 1 warning\n" {
		t.Errorf("warn with dsn: exit %d out %q", code, out)
	}
	t.Setenv("RUNBOOK_MYSQL_DSN", "u:p@tcp(db)/x")
	out2, _, _ := runCLI(t, "check", warn)
	if out2 != out {
		t.Errorf("RUNBOOK_MYSQL_DSN: out %q", out2)
	}

	out, errs, code = runCLI(t, "check", bad)
	want = bad + ":4: error: step bad/1: shell syntax error: `then` must be followed by a statement list\n" +
		bad + ":7: error: unclosed code fence (opened with ```)\n" +
		bad + ":8: warning: placeholder name has no default or source: it must be given at run time\n" +
		bad + ": 2 errors, 1 warning\n"
	if code != 1 || errs != "" || out != want {
		t.Errorf("bad: exit %d err %q out:\n%s\nwant:\n%s", code, errs, out, want)
	}

	out, errs, code = runCLI(t, "check", bin)
	if code != 2 || out != "" || errs != "runbook: "+bin+":1: binary file (NUL byte), not a Markdown text file\n" {
		t.Errorf("bin: exit %d out %q err %q", code, out, errs)
	}
	_, errs, code = runCLI(t, "check", "--nope", clean)
	if code != 2 || errs != "runbook: unknown flag: --nope\n" {
		t.Errorf("bad flag: exit %d err %q", code, errs)
	}
}

func TestCheckJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "q.md")
	os.WriteFile(p, []byte("# Q\n\n```bash {bogus}\nls\n```\n\n- [VERIFY] who?\n"), 0o644)
	out, errs, code := runCLI(t, "check", "--json", p)
	want := `{
  "schemaVersion": 2,
  "file": "` + p + `",
  "errors": 1,
  "warnings": 1,
  "diagnostics": [
    {
      "severity": "error",
      "line": 3,
      "code": "unknown-attribute",
      "message": "unknown attribute \"bogus\""
    },
    {
      "severity": "warning",
      "line": 7,
      "code": "unanswered-question",
      "message": "unanswered question q/q1: who?"
    }
  ]
}
`
	if code != 1 || errs != "" || out != want {
		t.Errorf("exit %d err %q out:\n%s\nwant:\n%s", code, errs, out, want)
	}
	clean := filepath.Join(t.TempDir(), "c.md")
	os.WriteFile(clean, []byte("# C\n"), 0o644)
	out, _, code = runCLI(t, "check", "--json", clean)
	if code != 0 || out != "{\n  \"schemaVersion\": 2,\n  \"file\": \""+clean+"\",\n  \"errors\": 0,\n  \"warnings\": 0,\n  \"diagnostics\": []\n}\n" {
		t.Errorf("clean json: exit %d out %q", code, out)
	}
}

// TestSeedsGolden: `check` and `list --json` on both seeds, as an
// engineer sees them (reviewed by hand). On the scraped seed, check lists
// every inferred step with the fenced Markdown it came from and list marks
// them "inferred": true; the double-encoded seed gets the repair command.
func TestSeedsGolden(t *testing.T) {
	golden, err := filepath.Abs("../../runbook/testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../../runbook/testdata/seeds")
	for _, name := range []string{"first-deployment", "production-deployment-guide"} {
		out, errs, code := runCLI(t, "check", name+".txt")
		if code != 0 || errs != "" {
			t.Errorf("check %s: exit %d stderr %q", name, code, errs)
		}
		checkListGolden(t, filepath.Join(golden, "seed-"+name+".check.txt"), out)
		out, errs, code = runCLI(t, "list", "--json", name+".txt")
		if code != 0 || errs != "" {
			t.Errorf("list %s: exit %d stderr %q", name, code, errs)
		}
		checkListGolden(t, filepath.Join(golden, "seed-"+name+".list.json"), out)
	}
	out, _, _ := runCLI(t, "list", "first-deployment.txt")
	checkListGolden(t, filepath.Join(golden, "seed-first-deployment.list.txt"), out)
	out, _, _ = runCLI(t, "list", "--json", "first-deployment.txt")
	if n := strings.Count(out, `"inferred": true`); n != 7 {
		t.Errorf("list --json marks %d steps inferred, want 7", n)
	}
	out, _, _ = runCLI(t, "check", "first-deployment.txt")
	for _, want := range []string{
		"first-deployment.txt:30: warning: step 22-rds-mysql/i1: SQL step inferred from unfenced lines 30–35: fence it:\n    ```sql\n    CREATE DATABASE someli",
		"first-deployment.txt:82: warning: step 3-build-the-container-image/i1: Shell step inferred from unfenced lines 82–100: fence it:\n    ```bash\n    # Authenticate to ECR\n",
		"    | /health returns 200 via the ALB | `curl https://{env}.api.someli.ai/health` |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q", want)
		}
	}
}
