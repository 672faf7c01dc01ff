package sqltext

import (
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	text := "SELECT 'it''s \\' x', \"a\"\"b\", `c``d` -- x '\n# y\n/* z ' */ /*!50000 'v' */ /*+ BKA(t) */ 1"
	got, err := Tokens(text)
	if err != nil {
		t.Fatal(err)
	}
	var pieces []string
	for _, tok := range got {
		pieces = append(pieces, tok.Context.String()+" "+text[tok.Start:tok.End])
	}
	want := []string{
		"'…' string 'it''s \\' x'", `"…" string "a""b"`, "`…` identifier `c``d`",
		"line comment -- x '", "line comment # y", "block comment /* z ' */", "'…' string 'v'",
	}
	if !reflect.DeepEqual(pieces, want) {
		t.Errorf("tokens\n%q\nwant\n%q", pieces, want)
	}
	for _, bad := range []string{"SELECT 'a", "SELECT `a", "SELECT /* a"} {
		if _, err := Tokens(bad); err == nil {
			t.Errorf("Tokens(%q) accepted", bad)
		}
	}
}

func TestSQLInText(t *testing.T) {
	tests := map[string]string{
		"CREATE PROCEDURE p() BEGIN SELECT 'x'; END":                                "CREATE PROCEDURE",
		"CREATE DEFINER=`root`@`%` FUNCTION f() RETURNS INT RETURN 1":               "CREATE FUNCTION",
		"create or replace algorithm=merge sql security invoker view v as select 1": "CREATE VIEW",
		"CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 'v'":          "CREATE TRIGGER",
		"ALTER EVENT e DO SELECT 'x'":                                               "ALTER EVENT",
		"/* c */ PREPARE s FROM 'SELECT 1'":                                         "PREPARE",
		"EXECUTE IMMEDIATE 'SELECT 1'":                                              "EXECUTE IMMEDIATE",
		"EXECUTE s USING @a":                                                        "",
		"CREATE USER 'view'@'%' IDENTIFIED BY 'procedure'":                          "",
		"CREATE TABLE t (a INT COMMENT 'trigger')":                                  "",
		"INSERT INTO t VALUES ('CREATE PROCEDURE')":                                 "",
		"SELECT 1": "",
	}
	for text, want := range tests {
		toks, err := Tokens(text)
		if err != nil {
			t.Fatal(err)
		}
		if got := SQLInText(text, toks); got != want {
			t.Errorf("SQLInText(%q) = %q, want %q", text, got, want)
		}
	}
}
