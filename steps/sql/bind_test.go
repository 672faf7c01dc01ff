package sql

import (
	"context"
	dbsql "database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/sql/sqltest"
)

// hostileValues defeat byte-wise escaping in some multibyte charset: in
// gbk and big5 "€" (e2 82 ac) leaves 0xac to pair with a following 0x5c,
// in sjis and cp932 "Á" (c3 81) leaves 0x81; a doubled backslash then
// loses its first half to the character before it, and the second half
// escapes the doubled quote, which ends the string early; what follows
// (with no quote, which would be doubled) adds the row 'extra'.
var hostileValues = []string{
	"€\\'), (0x6578747261) -- ",
	"Á\\'), (0x6578747261) -- ",
	"\x81\\'), (0x6578747261) -- ",
	"\x95\\'), (0x6578747261) -- ",
	"\xbf'), (0x6578747261) -- ",
	"¿'), (0x6578747261) -- ",
	"'; DROP TABLE t; -- ",
	`\`,
	`\\'`,
	"a\nb\r\tc\x1a\"d`e",
	"表\\",
}

// fillAndRun substitutes vals into code as the engine does and runs it.
func fillAndRun(t *testing.T, e *Executor, code string, vals map[string]steps.Value) (steps.Result, string) {
	t.Helper()
	var names []string
	for n := range vals {
		names = append(names, n)
	}
	step := &runbook.Step{ID: "s", Kind: runbook.KindSQL, Lang: "sql", Line: 10, Code: code, Placeholders: names}
	f, err := steps.Fill(step, code, vals)
	if err != nil {
		t.Fatalf("Fill: %v", err)
	}
	var out strings.Builder
	res := e.Run(context.Background(), steps.Request{Step: step, Command: f.Run, Binds: f.Binds, Output: &out})
	return res, out.String()
}

// testCharsets: every multibyte client character set of a real server;
// utf8mb4 alone in the in-process one, which has no other.
func testCharsets(t *testing.T, srv sqltest.Server) []string {
	t.Helper()
	if srv.Embedded {
		t.Log("go-mysql-server has no multibyte client character set but utf8mb4: the others need " + sqltest.EnvDSN)
		return []string{"utf8mb4"}
	}
	return clientCharsets(t, srv.DSN)
}

// clientCharsets are the server's multibyte character sets a client can
// use (SET NAMES refuses the UCS-2/UTF-16/UTF-32 family).
func clientCharsets(t *testing.T, dsn string) []string {
	t.Helper()
	rows, err := openAdmin(t, dsn).Query("SHOW CHARACTER SET WHERE Maxlen > 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, desc, coll string
		var maxlen int
		if err := rows.Scan(&name, &desc, &coll, &maxlen); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "ucs2") && !strings.HasPrefix(name, "utf16") && !strings.HasPrefix(name, "utf32") {
			out = append(out, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"gbk", "sjis", "big5", "cp932", "euckr", "ujis", "eucjpms"} {
		if !slices.Contains(out, must) {
			t.Errorf("server has no %s character set", must)
		}
	}
	return out
}

// TestBindHostileValuesInEveryCharset: under SET NAMES of every multibyte
// charset the server supports, a hostile value in a string literal is
// stored byte for byte and adds no row.
func TestBindHostileValuesInEveryCharset(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	charsets := testCharsets(t, srv)
	t.Logf("charsets: %s", strings.Join(charsets, " "))
	e := newExecutor(t, srv.DSN)
	for _, cs := range charsets {
		table := "t_" + cs
		if res, out := run(t, context.Background(), e, fmt.Sprintf("SET NAMES %s;\nCREATE TABLE %s (id INT AUTO_INCREMENT PRIMARY KEY, v VARBINARY(255))", cs, table)); !res.OK() {
			t.Fatalf("%s: %+v\n%s", cs, res, out)
		}
		for _, v := range hostileValues {
			code := fmt.Sprintf("INSERT INTO %s (v) VALUES ('<note>');", table)
			if res, out := fillAndRun(t, e, code, map[string]steps.Value{"note": {Text: v}}); !res.OK() {
				t.Errorf("%s: value %q: %+v\n%s", cs, v, res, out)
			}
		}
		var got []string
		rows, err := openAdmin(t, srv.DSN).Query("SELECT HEX(v) FROM " + table + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			got = append(got, h)
		}
		rows.Close()
		var want []string
		for _, v := range hostileValues {
			want = append(want, strings.ToUpper(hex.EncodeToString([]byte(v))))
		}
		if !slices.Equal(got, want) {
			t.Errorf("SET NAMES %s: stored %d rows\n%q\nwant %d\n%q", cs, len(got), got, len(want), want)
		}
	}
}

// userPayloads would, read with the wrong character set, end the password
// early and name a second account to create.
func userPayloads(extra string) []string {
	return []string{
		"€\\', " + extra + " -- ",
		"Á\\', " + extra + " -- ",
		"\x81\\', " + extra + " -- \"`$¿'",
	}
}

// TestBindBuiltOnServer: CREATE USER, GRANT, SET PASSWORD and SHOW … LIKE
// take no bind parameter where their values go; the server builds them
// from bound values. Under every multibyte client charset and with or
// without NO_BACKSLASH_ESCAPES the account gets exactly the password
// given (logging in with it proves the bytes), no other account is
// created, and the session is left as it was.
func TestBindBuiltOnServer(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	// go-mysql-server cannot switch character_set_client to binary
	// either; in utf8mb4 byte-wise quoting is exact without.
	charsets := testCharsets(t, srv)
	admin := openAdmin(t, srv.DSN)
	user, extra := "rb_"+strings.TrimPrefix(srv.Database, "runbook_test_"), "rb_extra_"+strings.TrimPrefix(srv.Database, "runbook_test_")
	t.Cleanup(func() {
		admin.Exec("DROP USER IF EXISTS '" + user + "'@'%', '" + extra + "'@'%'") //nolint:errcheck // best effort
	})
	e := newExecutor(t, srv.DSN)
	for _, cs := range charsets {
		for _, mode := range []string{"DEFAULT", "'NO_BACKSLASH_ESCAPES'"} {
			for _, pw := range userPayloads(extra) {
				if srv.Embedded && !utf8.ValidString(pw) {
					continue // go-mysql-server refuses invalid UTF-8 in a utf8mb4 string
				}
				if res, out := run(t, context.Background(), e, fmt.Sprintf("SET NAMES %s;\nSET SESSION sql_mode = %s;\nDROP USER IF EXISTS '%s'@'%%'", cs, mode, user)); !res.OK() {
					t.Fatalf("%+v\n%s", res, out)
				}
				code := "CREATE USER '<user>'@'%' IDENTIFIED BY '<pw>';\nGRANT SELECT ON `<db>`.* TO '<user>'@'%';\nSHOW GRANTS FOR '<user>'@'%'\\G\nSHOW DATABASES LIKE '<db>';"
				res, out := fillAndRun(t, e, code, map[string]steps.Value{"user": {Text: user}, "pw": {Text: pw, Secret: true}, "db": {Text: srv.Database}})
				if !res.OK() {
					t.Fatalf("%s, sql_mode %s: %+v\n%s", cs, mode, res, out)
				}
				if !strings.Contains(out, "GRANT SELECT ON `"+srv.Database+"`.* TO `"+user+"`@`%`") || !strings.Contains(out, "| "+srv.Database+" ") {
					t.Errorf("%s: output:\n%s", cs, out)
				}
				loginAs(t, srv.DSN, user, pw, cs)
				checkSession(t, e, cs)
			}
		}
		var n int
		if err := admin.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE User = ?", extra).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: account %s created (%d, %v)", cs, extra, n, err)
		}
		// SET PASSWORD takes its value in PASSWORD('…') only.
		pw := "new\\'pw€"
		if srv.Embedded {
			t.Log("go-mysql-server has no SET PASSWORD FOR … = PASSWORD(…)")
			continue
		}
		if res, out := fillAndRun(t, e, "SET PASSWORD FOR '<user>'@'%' = PASSWORD('<pw>')", map[string]steps.Value{"user": {Text: user}, "pw": {Text: pw}}); !res.OK() {
			t.Fatalf("%s: %+v\n%s", cs, res, out)
		}
		loginAs(t, srv.DSN, user, pw, cs)
	}
}

// loginAs connects as user with password pw.
func loginAs(t *testing.T, dsn, user, pw, cs string) {
	t.Helper()
	c, err := parseDSN(dsn, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.cfg.Clone()
	cfg.User, cfg.Passwd, cfg.DBName = user, pw, ""
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := dbsql.OpenDB(connector)
	defer db.Close()
	if err := db.Ping(); err != nil {
		t.Errorf("%s: log in as %s with password %q: %v", cs, user, pw, err)
	}
}

// checkSession: character_set_client is back and nothing of the built
// statement is left in the session.
func checkSession(t *testing.T, e *Executor, cs string) {
	t.Helper()
	res, out := run(t, context.Background(), e, "SELECT CONCAT_WS(',', @@character_set_client, @@character_set_connection, @__runbook_sql IS NULL, @__runbook_charset IS NULL) AS s")
	if want := fmt.Sprintf("| %s,%s,1,1 |", cs, cs); !res.OK() || !strings.Contains(out, want) {
		t.Errorf("session after a statement built on the server: want %s in\n%s", want, out)
	}
	if res, _ := run(t, context.Background(), e, "EXECUTE __runbook_stmt"); res.OK() {
		t.Error("the prepared statement was not deallocated")
	}
}

// TestBindsThatDoNotLineUpAreRefused: a bind that is not on a `?` of a
// statement (the substitution and the splitter disagree) stops the step
// before it connects.
func TestBindsThatDoNotLineUpAreRefused(t *testing.T) {
	t.Parallel()
	e := New(Options{DSN: func(context.Context) (string, error) {
		t.Error("misplaced binds must not connect")
		return "", nil
	}})
	for _, b := range []steps.Bind{{Offset: 0, Value: "x", Label: "<x>"}, {Offset: 12, Value: "x", Label: "<x>"}} {
		var out strings.Builder
		code := "SELECT 1; -- ?\nSELECT ?"
		res := e.Run(context.Background(), steps.Request{Step: &runbook.Step{ID: "s", Kind: runbook.KindSQL, Line: 10}, Command: code, Binds: []steps.Bind{b}, Output: &out})
		if res.OK() || !strings.Contains(out.String(), "the value for <x> has no place in the statements") {
			t.Errorf("bind at %d: %+v\n%s", b.Offset, res, out.String())
		}
	}
}

// TestBindSyntaxErrorNamesDocLine: a statement with a bound value that the
// server cannot parse fails with the server's message, from the statement
// as the server built it.
func TestBindSyntaxErrorNamesDocLine(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	res, out := fillAndRun(t, e, "SELECT 1;\nSELEC '<x>';\nSELECT 2", map[string]steps.Value{"x": {Text: "a'b"}})
	if res.OK() || !regexp.MustCompile(`Error (1064 \(42000\)|1105 \(HY000\)) at line 12: `).MatchString(out) || strings.Contains(out, "\n2\n") {
		t.Errorf("%+v\n%s", res, out)
	}
}

// TestBuildOnServerReadsBackExactly: the literal the server writes reads
// back as exactly the bound bytes, with and without NO_BACKSLASH_ESCAPES —
// also on a server whose lexer ignores that mode (go-mysql-server).
func TestBuildOnServerReadsBackExactly(t *testing.T) {
	t.Parallel()
	srv := sqltest.Start(t)
	e := newExecutor(t, srv.DSN)
	ctx := context.Background()
	for _, mode := range []string{"DEFAULT", "'NO_BACKSLASH_ESCAPES'"} {
		if res, out := run(t, ctx, e, "SET SESSION sql_mode = "+mode); !res.OK() {
			t.Fatalf("%+v\n%s", res, out)
		}
		for _, v := range []string{"€\\', 0x41 -- ", "a'b", `a\b`, `a\\'b`, `\`, "x\\'), ('y", "a\nb\tc\x1a"} {
			got, err := builtHex(ctx, e, v)
			if want := strings.ToUpper(hex.EncodeToString([]byte(v))); err != nil || got != want {
				t.Errorf("sql_mode %s, value %q: read back %s, want %s (%v)", mode, v, got, want, err)
			}
		}
	}
}

// builtHex runs SELECT HEX(?) built on the server with v.
func builtHex(ctx context.Context, e *Executor, v string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.connect(ctx); err != nil {
		return "", err
	}
	send, err := e.buildOnServer(ctx, "SELECT HEX(?)", []steps.Bind{{Offset: len("SELECT HEX("), Value: v, Label: "<v>"}})
	if err != nil {
		return "", err
	}
	defer send.close(ctx)
	rows, err := send.query(ctx)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var got string
	for rows.Next() {
		if err := rows.Scan(&got); err != nil {
			return "", err
		}
	}
	return got, rows.Err()
}
