package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

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

// The seed runbook's §2.2 (first-deployment.txt) creates the application's
// account with a password from a placeholder. The password goes to the
// server as a bound value, never escaped into the text: with quotes,
// backslashes and multibyte characters it is exactly what the account
// gets (logging in proves it), and it shows as **** on the terminal and
// nowhere in the state directory.
func TestRunSQLSeedCreateUserWithSecretPassword(t *testing.T) {
	t.Setenv("LC_ALL", "C.UTF-8")
	srv := sqltest.Start(t)
	user := "rb_app_" + strings.TrimPrefix(srv.Database, "runbook_test_")
	admin, err := sql.Open("mysql", srv.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP USER IF EXISTS '" + user + "'@'%'") //nolint:errcheck // best effort
		admin.Close()
	})
	const pw = `S3cr"et 'pa\ss' €\' $x ¿'`
	t.Setenv("RUNBOOK_VAR_STRONG_PASSWORD", pw)
	doc := writeDoc(t, "first-deployment.md", "---\nvariables:\n  strong-password:\n    secret: true\n---\n# First deployment\n\n## 2.2 RDS MySQL\n\n"+
		"```sql {name=app-user}\n"+
		"CREATE USER '"+user+"'@'%' IDENTIFIED BY '<strong-password>';\n"+
		"GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON "+srv.Database+".* TO '"+user+"'@'%';\n"+
		"-- For schema bootstrapping you may need DDL temporarily:\n"+
		"-- GRANT ALL ON someli.* TO 'someli_app'@'%';\n"+
		"FLUSH PRIVILEGES;\n```\n")
	var out, errb bytes.Buffer
	code := execute([]string{"run", "--no-tui", "--yes", "--mysql-dsn", srv.DSN, doc}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if want := "CREATE USER '" + user + "'@'%' IDENTIFIED BY '****';"; !strings.Contains(out.String(), want) {
		t.Errorf("the statement shown lacks %q:\n%s", want, out.String())
	}
	for _, form := range []string{pw, "S3cr"} {
		if strings.Contains(out.String()+errb.String(), form) {
			t.Errorf("%q reached the terminal:\n%s%s", form, out.String(), errb.String())
		}
	}
	filepath.Walk(filepath.Join(filepath.Dir(doc), ".runbook"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("S3cr")) {
				t.Errorf("%s holds the password", p)
			}
		}
		return nil
	})
	cfg, err := mysql.ParseDSN(srv.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd, cfg.DBName = user, pw, srv.Database
	app, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := app.Ping(); err != nil {
		t.Errorf("log in as %s with the password given: %v", user, err)
	}
}

// A value that can only be SQL text where its placeholder sits (a bare
// name) and is not a plain name stops the run before anything runs: exit
// 2, one line naming the placeholder, the step and the doc line.
func TestRunSQLRefusesUnsafeBareValue(t *testing.T) {
	dsn := sqltest.DSN(t)
	doc := writeDoc(t, "db.md", "# DB\n\n```sql {name=first}\nCREATE TABLE first_ran (v INT);\n```\n\n```sql {name=drop}\nDROP TABLE\n  <table-name>;\n```\n")
	var out, errb bytes.Buffer
	code := execute([]string{"run", "--no-tui", "--yes", "--mysql-dsn", dsn, "--set", "table-name=t; DROP DATABASE x", doc}, strings.NewReader(""), &out, &errb)
	want := "runbook: " + doc + ":7: step drop: placeholder <table-name> (line 9) is SQL text here (a name, keyword or number), where only letters, digits, _ and $ are allowed; put the placeholder in quotes ('<table-name>') to pass any value as a string\n"
	if code != exitBadCall || errb.String() != want {
		t.Fatalf("exit %d, stderr %q\nwant exit 2, %q\nstdout:\n%s", code, errb.String(), want, out.String())
	}
	if strings.Contains(out.String(), "first") {
		t.Errorf("a step ran:\n%s", out.String())
	}
}
