package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/sql/sqltest"
)

// durations vary from run to run; everything else of the output is exact.
var durationRE = regexp.MustCompile(`\(\d+\.\d\d sec\)`)

func normalize(s string) string { return durationRE.ReplaceAllString(s, "(X sec)") }

func newExecutor(t *testing.T, dsn string) *Executor {
	t.Helper()
	e := New(Options{DSN: func(context.Context) (string, error) { return dsn, nil }})
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// run runs code as a SQL step whose fence opens on doc line 10.
func run(t *testing.T, ctx context.Context, e *Executor, code string) (steps.Result, string) {
	t.Helper()
	var out strings.Builder
	res := e.Run(ctx, steps.Request{
		Step:    &runbook.Step{ID: "s", Kind: runbook.KindSQL, Line: 10, Code: code},
		Command: code,
		Output:  &out,
	})
	return res, out.String()
}

func openAdmin(t *testing.T, dsn string) *dbsql.DB {
	t.Helper()
	db, err := dbsql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunMultiStatement(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	code := `CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(100), n INT NULL);
INSERT INTO t VALUES (1, 'a;b', NULL), (2, 'it''s; "quoted"', 7);
INSERT INTO t VALUES (3, "back\\slash; \"dq\" -- not a comment", 0); -- a comment; with a delimiter
# another; comment
SELECT id, s, n FROM t ORDER BY id;
UPDATE t SET n = 1 WHERE n IS NOT NULL;
SELECT COUNT(*) AS c FROM t WHERE s LIKE '%;%';
SELECT id FROM t WHERE id > 5
`
	res, out := run(t, context.Background(), e, code)
	if !res.OK() {
		t.Fatalf("result %+v, output:\n%s", res, out)
	}
	want := `Query OK, 0 rows affected (X sec)

Query OK, 2 rows affected (X sec)

Query OK, 1 row affected (X sec)

+----+-----------------------------------+------+
| id | s                                 | n    |
+----+-----------------------------------+------+
|  1 | a;b                               | NULL |
|  2 | it's; "quoted"                    |    7 |
|  3 | back\slash; "dq" -- not a comment |    0 |
+----+-----------------------------------+------+
3 rows in set (X sec)

Query OK, 2 rows affected (X sec)

+---+
| c |
+---+
| 3 |
+---+
1 row in set (X sec)

Empty set (X sec)
`
	if got := normalize(out); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if res.Duration <= 0 {
		t.Errorf("Duration = %v", res.Duration)
	}
}

func TestRunKeepsSession(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	if res, out := run(t, context.Background(), e, "SET @who = 'runbook'"); !res.OK() {
		t.Fatalf("result %+v, output:\n%s", res, out)
	}
	res, out := run(t, context.Background(), e, "SELECT @who AS who")
	if !res.OK() || !strings.Contains(out, "| runbook |") {
		t.Fatalf("the second step did not see the first one's session: %+v\n%s", res, out)
	}
}

func TestRunProcedureWithDelimiter(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	code := `CREATE TABLE log (msg VARCHAR(50));
DELIMITER //
CREATE PROCEDURE add_log(IN m VARCHAR(50))
BEGIN
  INSERT INTO log VALUES (m);
  INSERT INTO log VALUES (CONCAT(m, ';again'));
END //
DELIMITER ;
CALL add_log('x');
SELECT msg FROM log ORDER BY msg;
`
	res, out := run(t, context.Background(), e, code)
	if !res.OK() {
		t.Fatalf("result %+v, output:\n%s", res, out)
	}
	want := `+---------+
| msg     |
+---------+
| x       |
| x;again |
+---------+
2 rows in set (X sec)
`
	if got := normalize(out); !strings.HasSuffix(got, want) {
		t.Errorf("output:\n%s\nwant it to end with:\n%s", got, want)
	}
	if n := strings.Count(out, "Query OK"); n != 3 {
		t.Errorf("%d statements reported OK before the SELECT, want 3 (CREATE TABLE, CREATE PROCEDURE, CALL):\n%s", n, out)
	}
}

func TestRunSyntaxErrorStops(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	code := "CREATE TABLE t (a INT);\n\n-- the typo is on the next line\nSELEC 1;\nINSERT INTO t VALUES (1);\n"
	res, out := run(t, context.Background(), e, code)
	if res.ExitCode != 1 || res.Err == nil || res.TimedOut || res.Interrupted {
		t.Fatalf("result %+v, want exit 1 with an error", res)
	}
	var se *StatementError
	if !errors.As(res.Err, &se) {
		t.Fatalf("error %T %v, want *StatementError", res.Err, res.Err)
	}
	// The fence is doc line 10, so the code's line 4 is doc line 14.
	// go-mysql-server reports syntax errors as a generic 1105.
	number, state := uint16(1064), "42000"
	if srv.Embedded {
		number, state = 1105, "HY000"
	}
	if se.Line != 14 || se.Number != number || se.SQLState != state {
		t.Errorf("error line/number/state = %d %d %q, want 14 %d %s", se.Line, se.Number, se.SQLState, number, state)
	}
	prefix := fmt.Sprintf("Error %d (%s) at line 14: ", number, state)
	if !strings.HasPrefix(res.Err.Error(), prefix) {
		t.Errorf("error %q, want prefix %q", res.Err, prefix)
	}
	want := "Query OK, 0 rows affected (X sec)\n\n" + res.Err.Error() + "\n"
	if got := normalize(out); got != want {
		t.Errorf("output:\n%q\nwant:\n%q", got, want)
	}
	// The run stopped: the INSERT after the error never ran.
	var n int
	if err := openAdmin(t, srv.DSN).QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows in t = %d (%v), want 0", n, err)
	}
	// The connection is still usable.
	if res, out := run(t, context.Background(), e, "SELECT 1"); !res.OK() {
		t.Errorf("after an error: %+v\n%s", res, out)
	}
}

func TestRunSplitErrorNamesDocLine(t *testing.T) {
	t.Parallel()
	e := New(Options{DSN: func(context.Context) (string, error) {
		t.Error("a block that cannot be split must not connect")
		return "", nil
	}})
	res, out := run(t, context.Background(), e, "SELECT 1;\nSELECT 'oops;\n")
	want := "line 12: unterminated '…' string"
	if res.ExitCode != 1 || res.Err == nil || res.Err.Error() != want {
		t.Fatalf("result %+v, want exit 1 and %q", res, want)
	}
	if out != "ERROR: "+want+"\n" {
		t.Errorf("output %q", out)
	}
}

func TestRunWithoutDSN(t *testing.T) {
	t.Parallel()
	e := New(Options{DSN: func(context.Context) (string, error) { return "", nil }})
	res, _ := run(t, context.Background(), e, "SELECT 1")
	if res.ExitCode != 1 || !errors.Is(res.Err, errNoDSN) {
		t.Fatalf("result %+v, want %v", res, errNoDSN)
	}
}

func TestConnectErrorHidesPassword(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	// The same server with a wrong password (the embedded server accepts
	// any), and a closed port: neither error may show the password.
	cfgDSN := strings.Replace(srv.DSN, "root@", "nobody_here:Sup3rS3cret!@", 1)
	for _, dsn := range []string{cfgDSN, "root:Sup3rS3cret!@tcp(127.0.0.1:1)/x"} {
		e := newExecutor(t, dsn)
		res, out := run(t, context.Background(), e, "SELECT 1")
		if srv.Embedded && dsn == cfgDSN {
			continue
		}
		if res.ExitCode != 1 || res.Err == nil {
			t.Fatalf("%s: result %+v, want a connection error", dsn, res)
		}
		if !strings.HasPrefix(res.Err.Error(), "connect to ") || !strings.Contains(res.Err.Error(), ":****@tcp(") {
			t.Errorf("error %q does not name the redacted DSN", res.Err)
		}
		if strings.Contains(res.Err.Error()+out, "Sup3rS3cret") {
			t.Errorf("password shown: %q / %q", res.Err, out)
		}
		if got := e.Redacted(); strings.Contains(got, "Sup3rS3cret") || !strings.Contains(got, ":****@") {
			t.Errorf("Redacted() = %q", got)
		}
	}
}

func TestTarget(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	tg, err := e.Target(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// go-mysql-server has an empty @@hostname.
	if tg.Database != srv.Database || (tg.Host == "") != srv.Embedded || !strings.HasPrefix(tg.User, "root@") {
		t.Errorf("Target = %+v, want database %q, a host and root@…", tg, srv.Database)
	}
	if got, want := tg.String(), tg.User+" on "+tg.Host+", database "+srv.Database; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := e.Redacted(); got != srv.DSN {
		t.Errorf("Redacted() = %q, want %q (no password to mask)", got, srv.DSN)
	}
}

// processes returns the Info of every statement running on the server
// that contains substr.
func processes(t *testing.T, db *dbsql.DB, substr string) []string {
	t.Helper()
	rows, err := db.Query("SHOW FULL PROCESSLIST")
	if err != nil {
		t.Fatalf("SHOW PROCESSLIST: %v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	info := -1
	for i, c := range cols {
		if strings.EqualFold(c, "Info") {
			info = i
		}
	}
	if info < 0 {
		t.Fatalf("SHOW PROCESSLIST has no Info column: %v", cols)
	}
	vals := make([]dbsql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var found []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(vals[info].String, substr) {
			found = append(found, vals[info].String)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an event
	}
}

func TestRunInterruptKillsQuery(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	admin := openAdmin(t, srv.DSN)
	const marker = "runbook_interrupt_marker"
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	type outcome struct {
		res steps.Result
		out string
	}
	done := make(chan outcome, 1)
	go func() {
		res, out := run(t, ctx, e, "SELECT 1;\nSELECT SLEEP(30) AS "+marker)
		done <- outcome{res, out}
	}()
	waitFor(t, "the SLEEP to be running", 10*time.Second, func() bool { return len(processes(t, admin, marker)) > 0 })
	start := time.Now()
	cancel(steps.ErrInterrupted)
	var o outcome
	select {
	case o = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of the interrupt")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Run returned %v after the interrupt", took)
	}
	if !o.res.Interrupted || o.res.TimedOut || o.res.Err != nil || o.res.OK() {
		t.Errorf("result %+v, want interrupted with no error (the kill worked)", o.res)
	}
	if !strings.HasSuffix(o.out, "\nQuery interrupted at line 12.\n") {
		t.Errorf("output %q", o.out)
	}
	waitFor(t, "the SLEEP to be gone from SHOW PROCESSLIST", 3*time.Second, func() bool {
		return len(processes(t, admin, marker)) == 0
	})
	// The next step reconnects.
	if res, out := run(t, context.Background(), e, "SELECT 2"); !res.OK() {
		t.Errorf("after an interrupt: %+v\n%s", res, out)
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	admin := openAdmin(t, srv.DSN)
	const marker = "runbook_timeout_marker"
	var out strings.Builder
	start := time.Now()
	res := e.Run(context.Background(), steps.Request{
		Step:    &runbook.Step{ID: "s", Kind: runbook.KindSQL, Line: 1},
		Command: "\nSELECT SLEEP(30) AS " + marker,
		Timeout: 300 * time.Millisecond,
		Output:  &out,
	})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Run took %v with a 300ms timeout", took)
	}
	if !res.TimedOut || res.Interrupted || res.OK() {
		t.Errorf("result %+v, want timed out", res)
	}
	if out.String() != "Query timed out at line 3.\n" {
		t.Errorf("output %q", out.String())
	}
	waitFor(t, "the SLEEP to be gone from SHOW PROCESSLIST", 3*time.Second, func() bool {
		return len(processes(t, admin, marker)) == 0
	})
}

func TestRunAdversarialPlaceholderStaysAString(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	if res, out := run(t, context.Background(), e, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)"); !res.OK() {
		t.Fatalf("%+v\n%s", res, out)
	}
	values := []string{
		`x'); DROP TABLE t; --`,
		`x\'); DROP TABLE t; -- `,
		`'' OR 1=1; DELETE FROM t; #`,
		"a\nb'; DROP TABLE t; /*",
		`"; DROP TABLE t; "`,
		"DELIMITER //",
		`\`,
	}
	for i, v := range values {
		// The engine fills placeholders with steps.Fill before Run.
		code := fmt.Sprintf("INSERT INTO t VALUES (%d, '<note>');\nSELECT COUNT(*) AS n FROM t;", i)
		if res, out := fillAndRun(t, e, code, map[string]steps.Value{"note": {Text: v}}); !res.OK() {
			t.Fatalf("value %q: %+v\n%s", v, res, out)
		}
	}
	rows, err := openAdmin(t, srv.DSN).Query("SELECT v FROM t ORDER BY id")
	if err != nil {
		t.Fatalf("table t did not survive: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\x00") != strings.Join(values, "\x00") {
		t.Errorf("stored values\n%q\nwant\n%q", got, values)
	}
}

func TestRunVertical(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	res, out := run(t, context.Background(), e, "SELECT 1 AS id, 'x;y' AS long_name, NULL AS n\\G\nSELECT 2 AS id\\g")
	if !res.OK() {
		t.Fatalf("%+v\n%s", res, out)
	}
	want := `*************************** 1. row ***************************
       id: 1
long_name: x;y
        n: NULL
1 row in set (X sec)

+----+
| id |
+----+
|  2 |
+----+
1 row in set (X sec)
`
	if got := normalize(out); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunRowLimitAndUse(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	e.maxRows = 2
	res, out := run(t, context.Background(), e, "USE `"+srv.Database+"`;\nSELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3")
	if !res.OK() {
		t.Fatalf("%+v\n%s", res, out)
	}
	want := `Database changed

+---+
| n |
+---+
| 1 |
| 2 |
+---+
3 rows in set (X sec)
(only the first 2 rows are shown)
`
	if got := normalize(out); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunReconnectsAfterServerClosedConnection(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	if res, out := run(t, context.Background(), e, "SET @x = 1"); !res.OK() {
		t.Fatalf("%+v\n%s", res, out)
	}
	// As if wait_timeout expired while the engineer did manual steps.
	if _, err := openAdmin(t, srv.DSN).Exec(fmt.Sprintf("KILL %d", e.connID)); err != nil {
		t.Fatalf("KILL: %v", err)
	}
	res, out := run(t, context.Background(), e, "SELECT @x AS x")
	if !res.OK() {
		t.Fatalf("%+v\n%s", res, out)
	}
	want := `Reconnecting: the server closed the previous connection; its session state (USE, SET, temporary tables) is gone.
+------+
| x    |
+------+
| NULL |
+------+
1 row in set (X sec)
`
	if got := normalize(out); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunShowsWarnings(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	res, out := run(t, context.Background(), e, "CREATE DATABASE IF NOT EXISTS `"+srv.Database+"`")
	if !res.OK() {
		t.Fatalf("%+v\n%s", res, out)
	}
	// Servers differ in the affected count and the quoting.
	want := regexp.MustCompile(`^Query OK, [01] rows? affected, 1 warning \(X sec\)\nNote \(Code 1007\): Can't create database '?` + srv.Database + `'?; database exists ?\n$`)
	if got := normalize(out); !want.MatchString(got) {
		t.Errorf("output:\n%q\nwant match for:\n%s", got, want)
	}
}

func TestRunCancelledByShutdown(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, out := run(t, ctx, e, "SELECT 1")
	if !res.Interrupted || res.Err == nil || res.Err.Error() != "step cancelled: context canceled" {
		t.Errorf("result %+v, want interrupted with the cause as error", res)
	}
	if out != "Query interrupted.\n" {
		t.Errorf("output %q", out)
	}
}

// A secret in a result set is masked before the table is laid out: masked
// afterwards by the engine, its column was still padded to the secret's
// length ("| ****   |" for an 8-character password).
func TestRunMasksSecretsBeforeLayout(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	code := "SELECT 'Hidd3nPw' AS pw, 'x-Hidd3nPw' AS `Hidd3nPw`"
	var out strings.Builder
	res := e.Run(context.Background(), steps.Request{
		Step:    &runbook.Step{ID: "s", Kind: runbook.KindSQL, Line: 10, Code: code},
		Command: code, Output: &out, Secrets: []string{"Hidd3nPw"},
	})
	want := "+------+--------+\n" +
		"| pw   | ****   |\n" +
		"+------+--------+\n" +
		"| **** | x-**** |\n" +
		"+------+--------+\n" +
		"1 row in set (X sec)\n"
	if got := normalize(out.String()); !res.OK() || got != want {
		t.Fatalf("result %+v, output:\n%s\nwant:\n%s", res, got, want)
	}
}
