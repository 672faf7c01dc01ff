package sqltext

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	type st = Statement
	tests := []struct {
		name string
		code string
		want []st
	}{
		{"empty", "", nil},
		{"only whitespace and comments", "  \n-- a\n# b\n/* c\n d */\n;;\n", nil},
		{"one without delimiter", "SELECT 1", []st{{"SELECT 1", 1, 0, false}}},
		{"two", "SELECT 1;\nSELECT 2;\n", []st{{"SELECT 1", 1, 0, false}, {"SELECT 2", 2, 10, false}}},
		{"empty statements dropped", ";;SELECT 1;;; ;\n", []st{{"SELECT 1", 1, 2, false}}},
		{"trailing kept", "SELECT 1;\n  SELECT 2 \n", []st{{"SELECT 1", 1, 0, false}, {"SELECT 2", 2, 12, false}}},
		{
			"delimiters in quotes",
			"INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`);\nSELECT 2",
			[]st{{"INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`)", 1, 0, false}, {"SELECT 2", 2, 44, false}},
		},
		{
			"escaped and doubled quotes",
			`SELECT 'it\'s;', 'it''s;', "say \"hi;\"", "x"";", ` + "`a``;b`" + `; SELECT 3`,
			[]st{{`SELECT 'it\'s;', 'it''s;', "say \"hi;\"", "x"";", ` + "`a``;b`", 1, 0, false}, {"SELECT 3", 1, 59, false}},
		},
		{
			"backslash does not escape in backticks",
			"SELECT `a\\`; SELECT 2",
			[]st{{"SELECT `a\\`", 1, 0, false}, {"SELECT 2", 1, 13, false}},
		},
		{
			"multi-line string counts lines",
			"SELECT 'a\nb;\nc';\nSELECT 2;",
			[]st{{"SELECT 'a\nb;\nc'", 1, 0, false}, {"SELECT 2", 4, 17, false}},
		},
		{
			"comments are skipped before a statement",
			"-- first; not a statement\n# second;\n/* third;\n */ SELECT 1; -- trailing;\nSELECT 2",
			[]st{{"SELECT 1", 4, 50, false}, {"SELECT 2", 5, 73, false}},
		},
		{
			"comments inside a statement stay and hide delimiters",
			"SELECT 1 -- x;\n, 2 # y;\n, /* z; */ 3;",
			[]st{{"SELECT 1 -- x;\n, 2 # y;\n, /* z; */ 3", 1, 0, false}},
		},
		{
			"double dash without space is not a comment",
			"SELECT 1--1; SELECT 2",
			[]st{{"SELECT 1--1", 1, 0, false}, {"SELECT 2", 1, 13, false}},
		},
		{
			"conditional comment is a statement",
			"/*!40101 SET NAMES utf8mb4 */;\n/*+ hint */ SELECT 1;",
			[]st{{"/*!40101 SET NAMES utf8mb4 */", 1, 0, false}, {"/*+ hint */ SELECT 1", 2, 31, false}},
		},
		{
			"delimiter for a procedure",
			"DROP PROCEDURE IF EXISTS p;\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 'x//';\nEND //\nDELIMITER ;\nCALL p();\n",
			[]st{
				{"DROP PROCEDURE IF EXISTS p", 1, 0, false},
				{"CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 'x//';\nEND", 3, 41, false},
				{"CALL p()", 9, 115, false},
			},
		},
		{
			"any delimiter, lower case command, trailing words ignored",
			"delimiter $$ trailing\nSELECT 1; SELECT 2$$SELECT 3$$\nDELIMITER ;;\nSELECT 4;;",
			[]st{{"SELECT 1; SELECT 2", 2, 22, false}, {"SELECT 3", 2, 42, false}, {"SELECT 4", 4, 66, false}},
		},
		{
			"delimiter word inside a statement is not a command",
			"SELECT delimiter FROM t;",
			[]st{{"SELECT delimiter FROM t", 1, 0, false}},
		},
		{
			"\\G and \\g end statements",
			"SHOW CREATE TABLE t\\G\nSELECT '\\G;' \\g SELECT 3\\G;",
			[]st{{"SHOW CREATE TABLE t", 1, 0, true}, {"SELECT '\\G;'", 2, 22, false}, {"SELECT 3", 2, 38, true}},
		},
		{
			"crlf",
			"SELECT 1;\r\nSELECT 2;\r\n",
			[]st{{"SELECT 1", 1, 0, false}, {"SELECT 2", 2, 11, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.code)
			if err != nil {
				t.Fatalf("Split: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %#v\nwant %#v", tt.code, got, tt.want)
			}
			checkStatements(t, tt.code, got)
		})
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		code string
		want string
	}{
		{"SELECT 1;\nSELECT 'abc;\n", "line 2: unterminated '…' string"},
		{"SELECT \"a\\\"", "line 1: unterminated \"…\" string"},
		{"\n\nSELECT `a", "line 3: unterminated `…` identifier"},
		{"SELECT 1 /* never\nclosed", "line 1: unterminated /* comment"},
		{"/* never", "line 1: unterminated /* comment"},
		{"SELECT 1;\nDELIMITER \n", "line 2: DELIMITER needs a value (for example DELIMITER //)"},
		{"SELECT 1;\nDELIMITER\nSELECT 2;", "line 2: DELIMITER needs a value (for example DELIMITER //)"},
		{"delimiter", "line 1: DELIMITER needs a value (for example DELIMITER //)"},
	}
	for _, tt := range tests {
		_, err := Split(tt.code)
		var se *SplitError
		if !errors.As(err, &se) {
			t.Errorf("Split(%q) error = %v, want a *SplitError", tt.code, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Split(%q) error = %q, want %q", tt.code, err, tt.want)
		}
	}
}

// checkStatements asserts the invariants every split must keep: each text
// is the input at its offset, on its line, in order and not overlapping,
// non-empty and trimmed.
func checkStatements(t *testing.T, code string, got []Statement) {
	t.Helper()
	pos := 0
	for _, s := range got {
		if s.Text == "" || strings.Trim(s.Text, " \t\r\n\f\v") != s.Text {
			t.Fatalf("statement %q is empty or untrimmed", s.Text)
		}
		if s.Offset < pos || s.Offset+len(s.Text) > len(code) || code[s.Offset:s.Offset+len(s.Text)] != s.Text {
			t.Fatalf("statement %q is not the input at offset %d (previous end %d)", s.Text, s.Offset, pos)
		}
		if want := 1 + strings.Count(code[:s.Offset], "\n"); s.Line != want {
			t.Fatalf("statement %q: line %d, want %d", s.Text, s.Line, want)
		}
		pos = s.Offset + len(s.Text)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"SELECT 1; SELECT 'a;b'",
		"DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\nCALL p();",
		"-- c\n# d\n/* e */ SELECT `x``y`, \"q\\\"\", 'it''s'; /*!40101 SET x=1 */;",
		"SELECT 1--1;\r\nDELIMITER $$\n$$$$",
		"SHOW CREATE TABLE t\\G SELECT '\\G'\\g",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		got, err := Split(code)
		if err != nil {
			var se *SplitError
			if !errors.As(err, &se) || se.Line < 1 || se.Line > 1+strings.Count(code, "\n") {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		checkStatements(t, code, got)
	})
}

// BenchmarkSplit splits a 1000-statement block (a schema dump's size).
func BenchmarkSplit(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "-- row %d\nINSERT INTO t (id, s, j) VALUES (%d, 'it''s; a \\'test\\'', \"{\\\"k\\\": 1}\"); /* c; */\n", i, i)
	}
	code := sb.String()
	b.SetBytes(int64(len(code)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Split(code); err != nil {
			b.Fatal(err)
		}
	}
}
