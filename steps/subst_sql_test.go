package steps

import (
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

func sqlStep(code string, names ...string) *runbook.Step {
	return &runbook.Step{Kind: runbook.KindSQL, Lang: "sql", Code: code, Placeholders: names}
}

func TestSubstituteSQL(t *testing.T) {
	tests := []struct {
		name, code, val, want, wantErr string
	}{
		{"single", "SELECT '<x>'", `a'b\c"d`, `SELECT 'a''b\\c"d'`, ""},
		{"double", `SELECT "<x>"`, `a'b\c"d`, `SELECT "a'b\\c""d"`, ""},
		{"backtick", "SELECT * FROM `<x>`", "we`ird", "SELECT * FROM `we``ird`", ""},
		{"bare number", "SELECT * FROM t WHERE id = <x>", "42", "SELECT * FROM t WHERE id = 42", ""},
		{"bare ident", "USE <x>", "app_prod", "USE app_prod", ""},
		{"bare unsafe", "SELECT * FROM t WHERE id = <x>", "1 OR 1=1", "", "not a safe bare SQL word"},
		{"bare dash beside dash", "DELETE FROM t WHERE a = -<x> AND b = 2", "-1", "", "comment"},
		{"bare negative ok", "SELECT 5 - <x>", "-1", "SELECT 5 - -1", ""},
		{"bare dashdash", "DELETE FROM t WHERE id = <x> AND tenant = 5", "1--", "", "not a safe bare SQL word"},
		{"after string with escaped quote", `SELECT 'it\'s', <x>`, "a'b", "", "not a safe bare SQL word"},
		{"in string after doubled quote", `SELECT 'it''s <x>'`, "a'b", `SELECT 'it''s a''b'`, ""},
		{"line comment", "SELECT 1 -- <x>\n", "a\nDROP TABLE t", "", "line break"},
		{"hash comment ok", "SELECT 1 # <x>\n", "note", "SELECT 1 # note\n", ""},
		{"block comment", "SELECT /* <x> */ 1", "*/ DROP TABLE t /*", "", "*/"},
		{"executable comment is code", "SELECT /*!50000 <x> */ 1", "1 OR 1", "", "not a safe bare SQL word"},
		{"after backslash", `SELECT '\<x>'`, "a", "", "backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _, err := Substitute(sqlStep(tt.code, "x"), tt.code, vals("x", tt.val))
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q (run %q)", err, tt.wantErr, run)
				}
			case err != nil:
				t.Fatal(err)
			case run != tt.want:
				t.Fatalf("run %q, want %q", run, tt.want)
			}
		})
	}
}

// sqlTemplate puts the value in each kind of MySQL quoted token.
const sqlTemplate = "SELECT '<x>', \"<x>\", `<x>` -- end"

// FuzzSQLSubstitute proves that the substituted literals, read back by a
// MySQL-style lexer, give exactly the value and leave the statement's
// structure intact.
func FuzzSQLSubstitute(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `a"b`, "a`b", `\`, `\'`, "''", `\\'`, "\n", "é", "' OR 1=1 -- ", "`; DROP TABLE t; `"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		run, _, err := Substitute(sqlStep(sqlTemplate, "x"), sqlTemplate, vals("x", v))
		if strings.IndexByte(v, 0) >= 0 {
			if err == nil {
				t.Fatal("NUL accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := strings.CutPrefix(run, "SELECT ")
		if !ok {
			t.Fatalf("run %q", run)
		}
		for i, q := range []byte{'\'', '"', '`'} {
			lit, r, err := lexMySQLQuoted(rest, q)
			if err != nil {
				t.Fatalf("value %q: %v in %q", v, err, run)
			}
			if lit != v {
				t.Fatalf("value %q: literal %d reads back as %q (run %q)", v, i, lit, run)
			}
			sep := ", "
			if i == 2 {
				sep = " -- end"
			}
			if rest, ok = strings.CutPrefix(r, sep); !ok {
				t.Fatalf("value %q: after literal %d comes %q", v, i, r)
			}
		}
		if rest != "" {
			t.Fatalf("trailing %q", rest)
		}
	})
}

// lexMySQLQuoted reads one quoted token (as MySQL does, default sql_mode)
// at the start of s and returns its value and the rest.
func lexMySQLQuoted(s string, q byte) (string, string, error) {
	if s == "" || s[0] != q {
		return "", "", errorString("no opening quote")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && q != '`' && i+1 < len(s):
			i++
			switch s[i] {
			case '0':
				b.WriteByte(0)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(s[i])
			default:
				b.WriteByte(s[i])
			}
		case c == q && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i++
		case c == q:
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errorString("unterminated")
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestSubstituteInBash runs many shell contexts with hostile values through
// real bash: each is either refused or prints exactly the value, and none
// runs the value's code.
