package steps

import (
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps/sqltext"
)

func sqlStep(code string, names ...string) *runbook.Step {
	return &runbook.Step{Kind: runbook.KindSQL, Lang: "sql", Line: 10, Code: code, Placeholders: names}
}

func TestFillSQL(t *testing.T) {
	tests := []struct {
		name, code, val string
		run, display    string
		binds           []string
		wantErr         string
	}{
		{name: "whole string", code: "SELECT '<x>'", val: `a'b\c"d`,
			run: "SELECT ?", display: `SELECT 'a''b\\c"d'`, binds: []string{`a'b\c"d`}},
		{name: "double-quoted string", code: `SELECT "<x>" AS v`, val: `a'b"c`,
			run: "SELECT ? AS v", display: `SELECT "a'b""c" AS v`, binds: []string{`a'b"c`}},
		{name: "part of a string", code: "SELECT * FROM t WHERE s LIKE '%<x>%' AND u = 'it''s <x>'", val: "a'b",
			run: "SELECT * FROM t WHERE s LIKE ? AND u = ?", display: "SELECT * FROM t WHERE s LIKE '%a''b%' AND u = 'it''s a''b'",
			binds: []string{"%a'b%", "it's a'b"}},
		{name: "create user", code: "CREATE USER 'app'@'%' IDENTIFIED BY '<x>';\nGRANT SELECT ON db.* TO 'app'@'%';", val: "p'w",
			run: "CREATE USER 'app'@'%' IDENTIFIED BY ?;\nGRANT SELECT ON db.* TO 'app'@'%';", display: "CREATE USER 'app'@'%' IDENTIFIED BY 'p''w';\nGRANT SELECT ON db.* TO 'app'@'%';",
			binds: []string{"p'w"}},
		{name: "backtick", code: "SELECT * FROM `<x>_old`", val: "orders_2024$",
			run: "SELECT * FROM `orders_2024$_old`", display: "SELECT * FROM `orders_2024$_old`"},
		{name: "bare number", code: "SELECT * FROM t WHERE id = <x> LIMIT 1", val: "42",
			run: "SELECT * FROM t WHERE id = 42 LIMIT 1", display: "SELECT * FROM t WHERE id = 42 LIMIT 1"},
		{name: "bare word", code: "USE <x>", val: "app_prod", run: "USE app_prod", display: "USE app_prod"},
		// comments are not code: their placeholders are text for the reader
		{name: "hash comment", code: "SELECT '<x>' # <x>\n", val: "a 'note' ;", run: "SELECT ? # <x>\n", display: "SELECT 'a ''note'' ;' # <x>\n", binds: []string{"a 'note' ;"}},
		{name: "line comment", code: "SELECT 1 -- <x>\n", val: "a\nDROP TABLE t", run: "SELECT 1 -- <x>\n", display: "SELECT 1 -- <x>\n"},
		{name: "block comment", code: "SELECT /* <x> */ 1", val: "*/ DROP TABLE t /*", run: "SELECT /* <x> */ 1", display: "SELECT /* <x> */ 1"},
		{name: "comment between statements", code: "SELECT 1;\n-- for <x>\nSELECT 2", val: "ticket 'A-1'",
			run: "SELECT 1;\n-- for <x>\nSELECT 2", display: "SELECT 1;\n-- for <x>\nSELECT 2"},
		{name: "not a placeholder inside a string", code: "SELECT '<b>', '<x>'", val: "v",
			run: "SELECT '<b>', ?", display: "SELECT '<b>', 'v'", binds: []string{"v"}},
		{name: "procedure name", code: "DELIMITER //\nCREATE PROCEDURE <x>() BEGIN SELECT 1; END //", val: "p1",
			run: "DELIMITER //\nCREATE PROCEDURE p1() BEGIN SELECT 1; END //", display: "DELIMITER //\nCREATE PROCEDURE p1() BEGIN SELECT 1; END //"},

		{name: "bare unsafe", code: "SELECT *\nFROM t WHERE id = <x>", val: "1 OR 1=1", wantErr: "placeholder <x> (line 12) is SQL text here"},
		{name: "bare dash", code: "DELETE FROM t WHERE a = -<x>", val: "-1", wantErr: "only letters, digits, _ and $"},
		{name: "bare dot", code: "SELECT <x>", val: "a.b", wantErr: "only letters, digits, _ and $"},
		{name: "bare empty", code: "SELECT 1 FROM <x>", val: "", wantErr: "only letters"},
		{name: "backtick quote", code: "SELECT * FROM `<x>`", val: "we`ird", wantErr: "only letters"},
		{name: "executable comment is code", code: "SELECT /*!50000 <x> */ 1", val: "1 OR 1", wantErr: "is SQL text here"},
		{name: "backslash beside", code: `SELECT '\<x>'`, val: "a", wantErr: "backslash"},
		{name: "backslash in the string", code: `SELECT 'C:\\dir\\<x>'`, val: "a", wantErr: "backslash"},
		{name: "prefixed string", code: "SELECT _utf8mb4'<x>'", val: "a", wantErr: "prefixed string"},
		{name: "hex string", code: "SELECT X'<x>'", val: "41", wantErr: "prefixed string"},
		{name: "procedure body", code: "DELIMITER //\nCREATE DEFINER=`root`@`%` PROCEDURE p()\nBEGIN\n  SELECT '<x>';\nEND //", val: "a",
			wantErr: "placeholder <x> (line 14) is in a string of a CREATE PROCEDURE statement"},
		{name: "trigger body", code: "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = '<x>'", val: "a", wantErr: "CREATE TRIGGER"},
		{name: "view", code: "CREATE OR REPLACE VIEW v AS SELECT * FROM t WHERE a = '<x>'", val: "a", wantErr: "CREATE VIEW"},
		{name: "event", code: "ALTER EVENT e DO DELETE FROM t WHERE a = '<x>'", val: "a", wantErr: "ALTER EVENT"},
		{name: "dynamic SQL", code: "PREPARE s FROM 'SELECT <x>'", val: "1", wantErr: "PREPARE"},
		{name: "execute immediate", code: "EXECUTE IMMEDIATE 'SELECT \"<x>\"'", val: "1", wantErr: "EXECUTE IMMEDIATE"},
		{name: "custom delimiter as a value", code: "DELIMITER $$\nSELECT <x> FROM t$$", val: "a$$b", wantErr: "would change how the SQL is read"},
		{name: "delimiter line", code: "DELIMITER <x>\nSELECT 1 <x>", val: "//", wantErr: "only letters"},
		{name: "NUL", code: "SELECT '<x>'", val: "a\x00b", wantErr: "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Fill(sqlStep(tt.code, "x"), tt.code, vals("x", tt.val))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q (run %q)", err, tt.wantErr, f.Run)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Run != tt.run || f.Display != tt.display {
				t.Fatalf("run %q display %q\nwant run %q display %q", f.Run, f.Display, tt.run, tt.display)
			}
			var got []string
			for _, b := range f.Binds {
				got = append(got, b.Value)
				if f.Run[b.Offset] != '?' {
					t.Errorf("bind %q at %d, where Run has %q", b.Value, b.Offset, f.Run[b.Offset])
				}
			}
			if strings.Join(got, "\x00") != strings.Join(tt.binds, "\x00") {
				t.Errorf("binds %q, want %q", got, tt.binds)
			}
		})
	}
}

func TestFillSQLDisplayMasksSecrets(t *testing.T) {
	code := "CREATE USER '<user>'@'%' IDENTIFIED BY '<pw>'; -- <pw>"
	step := sqlStep(code, "user", "pw")
	f, err := Fill(step, code, map[string]Value{"user": {Text: "app"}, "pw": {Text: "s3cr'et", Secret: true}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "CREATE USER 'app'@'%' IDENTIFIED BY '****'; -- <pw>"; f.Display != want {
		t.Errorf("display %q, want %q", f.Display, want)
	}
	if want := "CREATE USER ?@'%' IDENTIFIED BY ?; -- <pw>"; f.Run != want {
		t.Errorf("run %q, want %q", f.Run, want)
	}
	if len(f.Binds) != 2 || f.Binds[0].Value != "app" || f.Binds[1].Value != "s3cr'et" || f.Binds[1].Label != "<pw>" {
		t.Errorf("binds %+v", f.Binds)
	}
}

func TestSubstituteRefusesSQL(t *testing.T) {
	if _, _, err := Substitute(sqlStep("SELECT '<x>'", "x"), "SELECT '<x>'", vals("x", "a")); err == nil {
		t.Fatal("Substitute filled a SQL step: its values must go as bind parameters")
	}
}

// sqlTemplate puts the value in strings of each kind, alone and with text
// around it, and in a `…` identifier; the one in the comment stays as is.
const sqlTemplate = "SELECT '<x>', \"<x>\", 'a''<x>''b', `t<x>` -- <x>\n"

// FuzzFillSQL: a value in a string is always bound, whole and exact, and
// never changes the text; elsewhere only a value that cannot change the
// statement goes in.
func FuzzFillSQL(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `a"b`, "a`b", `\`, `\'`, "''", `\\'`, "\n", "é", "' OR 1=1 -- ", "`; DROP TABLE t; `", "*/", "€\\'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		filled, err := Fill(sqlStep(sqlTemplate, "x"), sqlTemplate, vals("x", v))
		switch {
		case strings.IndexByte(v, 0) >= 0 || !isSQLIdent(v):
			if err == nil {
				t.Fatalf("value %q accepted: run %q", v, filled.Run)
			}
			return
		case err != nil:
			t.Fatalf("value %q: %v", v, err)
		}
		if want := "SELECT ?, ?, ?, `t" + v + "` -- <x>\n"; filled.Run != want {
			t.Fatalf("run %q, want %q", filled.Run, want)
		}
		want := []string{v, v, "a'" + v + "'b"}
		for i, b := range filled.Binds {
			if i >= len(want) || b.Value != want[i] {
				t.Fatalf("binds %+v, want values %q", filled.Binds, want)
			}
		}
	})
}

// FuzzFillSQLString: any value at all in a string is bound exactly, and the
// text sent is the same whatever the value (a comment's placeholder is
// text for the reader, left as written).
func FuzzFillSQLString(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `\`, "'; DROP TABLE t; -- ", "\xbf'", "\x81\\'", "*/", "\n;\nDELIMITER //"} {
		f.Add(s)
	}
	const code = "INSERT INTO t VALUES ('<x>', \"id-<x>\"); /* <y> */ SELECT 1"
	f.Fuzz(func(t *testing.T, v string) {
		filled, err := Fill(sqlStep(code, "x", "y"), code, map[string]Value{"x": {Text: v}, "y": {Text: "note"}})
		if strings.IndexByte(v, 0) >= 0 {
			if err == nil {
				t.Fatal("NUL accepted")
			}
			return
		}
		if err != nil {
			t.Fatalf("value %q: %v", v, err)
		}
		if want := "INSERT INTO t VALUES (?, ?); /* <y> */ SELECT 1"; filled.Run != want {
			t.Fatalf("run %q, want %q", filled.Run, want)
		}
		if len(filled.Binds) != 2 || filled.Binds[0].Value != v || filled.Binds[1].Value != "id-"+v {
			t.Fatalf("binds %+v", filled.Binds)
		}
	})
}

// FuzzFillSQLCode: whatever the SQL around it, a filled block either is
// refused or splits as the executor will split it, each bind a `?`.
func FuzzFillSQLCode(f *testing.F) {
	for _, s := range []string{sqlTemplate, "DELIMITER //\nCREATE PROCEDURE <x>() BEGIN SELECT '<x>'; END //\nDELIMITER ;\nCALL p('<x>');",
		"SELECT /*!50000 '<x>' */, \"<x>\" -- '<x>\n# <x>\n;<x>", "SELECT 1\\G <x> '<x>'\\g"} {
		f.Add(s, "a'b")
		f.Add(s, "abc")
	}
	f.Fuzz(func(t *testing.T, code, v string) {
		if _, err := sqltext.Split(code); err != nil {
			return // not SQL the executor would run either
		}
		filled, err := Fill(sqlStep(code, "x"), code, vals("x", v))
		if err != nil {
			return
		}
		if _, err := sqltext.Split(filled.Run); err != nil {
			t.Fatalf("run %q does not split: %v", filled.Run, err)
		}
		for _, b := range filled.Binds {
			if filled.Run[b.Offset] != '?' {
				t.Fatalf("bind %+v is not on a ? in %q", b, filled.Run)
			}
		}
	})
}
