package main

import (
	"bytes"
	dbsql "database/sql"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps/sql/sqltest"
)

const hupMarker = "runbook_hangup_marker"

// hupDoc is a SQL step that sleeps for a minute, then a step that must
// not run.
func hupDoc(t *testing.T) string {
	return writeDoc(t, "db.md", "# DB\n\n```sql {name=sleepy}\nSELECT SLEEP(60) AS "+hupMarker+";\n```\n\n```sh {name=after}\necho after\n```\n")
}

// statements are the server's running statements that contain marker.
func statements(t *testing.T, db *dbsql.DB, marker string) int {
	t.Helper()
	rows, err := db.Query("SHOW FULL PROCESSLIST")
	if err != nil {
		t.Fatalf("SHOW PROCESSLIST: %v", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]dbsql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		rows.Scan(ptrs...) //nolint:errcheck // a row that does not scan is not ours
		for i, c := range cols {
			if strings.EqualFold(c, "Info") && strings.Contains(vals[i].String, marker) && !strings.Contains(vals[i].String, "PROCESSLIST") {
				n++
			}
		}
	}
	return n
}

func adminDB(t *testing.T, dsn string) *dbsql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbsql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// poll waits for cond, up to d.
func poll(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an event
	}
}

// checkHungUp: the statement is gone from the server, the journal says
// the step was interrupted, the next step did not run.
func checkHungUp(t *testing.T, admin *dbsql.DB, doc string) {
	t.Helper()
	poll(t, "SELECT SLEEP(60) to be gone from SHOW PROCESSLIST", 10*time.Second, func() bool {
		return statements(t, admin, hupMarker) == 0
	})
	_, st, err := journal.Load(filepath.Join(filepath.Dir(doc), ".runbook", "db.1"))
	if err != nil {
		t.Fatal(err)
	}
	if ss := st.Steps["sleepy"]; ss == nil || ss.Status != journal.Interrupted {
		t.Fatalf("sleepy: %+v", ss)
	}
	if st.Steps["after"] != nil {
		t.Fatal("the step after the hang-up ran")
	}
}

// A dropped SSH session (SIGHUP) used to kill runbook outright in line
// mode, leaving SELECT SLEEP(60) running on the server. It is handled
// like Ctrl-C and SIGTERM: the statement gets KILL QUERY, the journal
// records the step interrupted, exit 1.
func TestHangupInLineModeKillsTheQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	srv := sqltest.Start(t)
	admin := adminDB(t, srv.DSN)
	doc := hupDoc(t)
	cmd := exec.Command(runbookBinary(t), "run", "--no-tui", "--yes", "--mysql-dsn", srv.DSN, doc)
	cmd.Env = lineEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	poll(t, "the SLEEP to run on the server", 15*time.Second, func() bool { return statements(t, admin, hupMarker) > 0 })
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "step sleepy interrupted; run again to resume") {
		t.Errorf("output:\n%s", out.String())
	}
	checkHungUp(t, admin, doc)
}

// The same in the TUI: the terminal hangs up while a SQL step runs.
func TestE2EHangupKillsTheQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and drives the binary")
	}
	srv := sqltest.Start(t)
	admin := adminDB(t, srv.DSN)
	doc := hupDoc(t)
	tm := startTerm(t, filepath.Dir(doc), "run", "--mysql-dsn", srv.DSN, doc)
	tm.waitFor("Checklist")
	tm.moveTo("○ sleepy")
	tm.press("enter")
	poll(t, "the SLEEP to run on the server", 15*time.Second, func() bool { return statements(t, admin, hupMarker) > 0 })
	if err := tm.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	tm.wait()
	if code := tm.cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d after a hang-up, want 1", code)
	}
	checkHungUp(t, admin, doc)
}
