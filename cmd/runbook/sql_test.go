package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/steps/sql/sqltest"
)

// A SQL syntax error in line mode: the MySQL code and SQLSTATE are shown
// with the doc line, the run stops there (exit 1) and the next step does
// not run; a resumed run starts again at the failed step.
func TestRunSQLSyntaxErrorStopsLineMode(t *testing.T) {
	t.Setenv("LC_ALL", "C.UTF-8")
	dsn := sqltest.DSN(t)
	doc := writeDoc(t, "db.md", "# DB\n\n"+
		"```sql {name=make}\nCREATE TABLE marks (v VARCHAR(20));\nINSERT INTO marks VALUES ('one;two');\n```\n\n"+
		"```sql {name=broken}\nSELECT 1;\nSELEC oops;\n```\n\n"+
		"```sql {name=after}\nINSERT INTO marks VALUES ('after');\n```\n")
	var out, errb bytes.Buffer
	code := execute([]string{"run", "--no-tui", "--yes", "--mysql-dsn", dsn, doc}, strings.NewReader(""), &out, &errb)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	// MariaDB says 1064 (42000); the in-process server 1105 (HY000). Both
	// name the doc line of the failing statement (line 10).
	if !regexp.MustCompile(`Error (1064 \(42000\)|1105 \(HY000\)) at line 10: `).MatchString(out.String()) {
		t.Errorf("no MySQL error with code, SQLSTATE and doc line:\n%s", out.String())
	}
	for _, want := range []string{"✓ make  ok", "✗ broken  failed (exit 1)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "▶ after") {
		t.Errorf("the step after the failure ran:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Query OK, 1 row affected") {
		t.Errorf("the INSERT with ';' in a string was not one statement:\n%s", out.String())
	}
}
