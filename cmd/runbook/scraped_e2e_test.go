package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps/sql/sqltest"
)

// TestScrapedSeedSQLStep runs the §2.2 SQL block of the scraped seed — a
// step recovered from plain lines — through the real binary in line mode,
// with the secret <strong-password> given by --set. The database and user
// are made (and the user logs in with that password), and the value
// is in no output, log, journal, state file or report, and not in the doc.
func TestScrapedSeedSQLStep(t *testing.T) {
	t.Setenv("LC_ALL", "C.UTF-8")
	// a plain value, and one that must be escaped (or bound) in the SQL
	// string it fills
	for name, secret := range map[string]string{"plain": "Pw-7fK2x9Lq-zR4", "quotes": `Pw'7"x\q;--z`} {
		t.Run(name, func(t *testing.T) { runSeedSQLStep(t, secret) })
	}
}

func runSeedSQLStep(t *testing.T, secret string) {
	srv := sqltest.Start(t)
	admin := openDB(t, srv.DSN)
	if !srv.Embedded {
		// the seed creates the server-wide database `someli` and user
		// 'someli_app'@'%': one test process at a time, and nothing left
		// behind
		lockSeedObjects(t, admin)
	}
	dropSeedObjects(t, admin)
	t.Cleanup(func() { dropSeedObjects(t, admin) })

	seed, doc, values := seedDoc(t)
	state := filepath.Join(filepath.Dir(doc), "state")
	bin := runbookBinary(t)
	cmd := exec.Command(bin, "run", "--no-tui", "--yes", "--only", "22-rds-mysql/i1", "--set", "strong-password="+secret,
		"--values", values, "--mysql-dsn", srv.DSN, "--state-dir", state, "--run", "seed", doc)
	cmd.Env = lineEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "+ 22-rds-mysql/i1  ok") {
		t.Errorf("the SQL step did not finish ok:\n%s", out)
	}
	checkSeedObjects(t, admin, srv.DSN, secret)
	if b, _ := os.ReadFile(doc); string(b) != string(seed) {
		t.Error("the run changed the doc")
	}

	// the value, and the forms an SQL string escapes it to
	forms := []string{secret, strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(secret), strings.ReplaceAll(secret, "'", "''")}
	leaks := func(b []byte) bool {
		for _, f := range forms {
			if strings.Contains(string(b), f) {
				return true
			}
		}
		return false
	}
	if leaks(out) {
		t.Errorf("the secret is in the run's output:\n%s", out)
	}
	files := 0
	err = filepath.WalkDir(state, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err == nil && leaks(b) {
			t.Errorf("the secret is in %s", p)
		}
		return err
	})
	if err != nil || files < 2 {
		t.Fatalf("state dir: %v (%d files)", err, files)
	}
	for _, format := range []string{"md", "html", "json", "junit"} {
		rep := exec.Command(bin, "report", doc, "--state-dir", state, "--run", "seed", "--format", format)
		rep.Env = lineEnv()
		b, err := rep.Output()
		if err != nil {
			t.Fatalf("report %s: %v", format, err)
		}
		if leaks(b) {
			t.Errorf("the secret is in the %s report", format)
		}
		if !strings.Contains(string(b), "22-rds-mysql/i1") {
			t.Errorf("the %s report does not name the step", format)
		}
	}
}

// seedDoc copies the scraped seed into a temporary directory, with a
// values file answering its questions (line mode wants every question
// answered before anything runs).
func seedDoc(t *testing.T) (seed []byte, doc, values string) {
	t.Helper()
	seed, err := os.ReadFile("../../runbook/testdata/seeds/first-deployment.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	doc = filepath.Join(dir, "first-deployment.txt")
	if err := os.WriteFile(doc, seed, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := runbook.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	var answers strings.Builder
	for _, q := range d.Questions {
		fmt.Fprintf(&answers, "%s: not yet\n", q.ID)
	}
	values = filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(values, []byte(answers.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return seed, doc, values
}

// checkSeedObjects: the step made the database and the user, and the user
// logs in with the password given by --set.
func checkSeedObjects(t *testing.T, admin *sql.DB, dsn, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var user string
	if err := admin.QueryRowContext(ctx, "SELECT User FROM mysql.user WHERE User = 'someli_app'").Scan(&user); err != nil {
		t.Errorf("user someli_app: %v", err)
	}
	var db string
	if err := admin.QueryRowContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'someli'").Scan(&db); err != nil {
		t.Errorf("database someli: %v", err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd, cfg.DBName = "someli_app", password, "someli"
	if err := openDB(t, cfg.FormatDSN()).PingContext(ctx); err != nil {
		t.Errorf("someli_app cannot log in with the password given by --set: %v", err)
	}
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// lockSeedObjects holds a server-wide named lock for the rest of the test.
func lockSeedObjects(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 70*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('runbook_test_seed_someli', 60)").Scan(&got); err != nil || got.Int64 != 1 {
		conn.Close()
		t.Fatalf("lock for the seed's database and user: %v %v", got, err)
	}
	t.Cleanup(func() {
		conn.ExecContext(context.Background(), "DO RELEASE_LOCK('runbook_test_seed_someli')") //nolint:errcheck // closing the connection releases it too
		conn.Close()
	})
}

func dropSeedObjects(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, q := range []string{"DROP USER IF EXISTS 'someli_app'@'%'", "DROP DATABASE IF EXISTS someli"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
