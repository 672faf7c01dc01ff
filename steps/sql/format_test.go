package sql

import (
	"strings"
	"testing"
	"time"
)

func TestWriteTable(t *testing.T) {
	long := strings.Repeat("x", 70)
	cols := []Column{{Name: "id", Numeric: true}, {Name: "name"}, {Name: "note"}}
	rows := [][]Cell{
		{{Value: "1"}, {Value: "ann"}, {Null: true}},
		{{Value: "22"}, {Value: "ünï 日本"}, {Value: ""}},
		{{Value: "3"}, {Value: "a\tb\nc\x1b[31m"}, {Value: long}},
		{{Value: "4"}, {Value: "\xff\x00"}, {Value: "NULL"}},
	}
	var b strings.Builder
	if err := WriteTable(&b, cols, rows, Summary{Elapsed: 12345 * time.Microsecond}); err != nil {
		t.Fatal(err)
	}
	want := `+----+-----------------+--------------------------------------------------------------+
| id | name            | note                                                         |
+----+-----------------+--------------------------------------------------------------+
|  1 | ann             | NULL                                                         |
| 22 | ünï 日本        |                                                              |
|  3 | a\tb\nc\x1b[31m | ` + strings.Repeat("x", 59) + `… |
|  4 | 0xFF00          | NULL                                                         |
+----+-----------------+--------------------------------------------------------------+
4 rows in set (0.01 sec)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteTableSmall(t *testing.T) {
	tests := []struct {
		rows     [][]Cell
		total    int
		warnings int
		want     string
	}{
		{nil, 0, 0, "Empty set (0.00 sec)\n"},
		{nil, 0, 2, "Empty set, 2 warnings (0.00 sec)\n"},
		{[][]Cell{{{Value: "x"}}}, 0, 1, "+---------+\n| a\\nlong |\n+---------+\n| x       |\n+---------+\n1 row in set, 1 warning (0.00 sec)\n"},
		{[][]Cell{{{Value: "x"}}}, 5000, 0, "+---------+\n| a\\nlong |\n+---------+\n| x       |\n+---------+\n5000 rows in set (0.00 sec)\n(only the first 1 rows are shown)\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := WriteTable(&b, []Column{{Name: "a\nlong"}}, tt.rows, Summary{Total: tt.total, Warnings: tt.warnings}); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
		}
	}
}

func TestWriteOK(t *testing.T) {
	for n, want := range map[int64]string{
		0: "Query OK, 0 rows affected (1.50 sec)\n",
		1: "Query OK, 1 row affected (1.50 sec)\n",
		7: "Query OK, 7 rows affected (1.50 sec)\n",
	} {
		var b strings.Builder
		if err := WriteOK(&b, n, Summary{Elapsed: 1500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("WriteOK(%d) = %q, want %q", n, b.String(), want)
		}
	}
}

func TestReturnsRows(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT 1":                             true,
		"select 1":                             true,
		"  show tables":                        true,
		"/*+ hint */ SELECT 1":                 true,
		"-- c\nSELECT 1":                       true,
		"(SELECT 1) UNION (SELECT 2)":          true,
		"WITH x AS (SELECT 1) SELECT * FROM x": true,
		"CALL p()":                             true,
		"desc t":                               true,
		"INSERT INTO t SELECT 1":               false,
		"UPDATE t SET a=1":                     false,
		"CREATE TABLE t (a INT)":               false,
		"/*!40101 SET NAMES utf8 */":           false,
		"SET @a = 1":                           false,
		"":                                     false,
		"/* unterminated":                      false,
	} {
		if got := returnsRows(text); got != want {
			t.Errorf("returnsRows(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestWriteVertical(t *testing.T) {
	cols := []Column{{Name: "Table"}, {Name: "Create Table"}, {Name: "n", Numeric: true}}
	rows := [][]Cell{
		{{Value: "t"}, {Value: "CREATE TABLE `t` (\n\t`a` int\n) \x1b[2J"}, {Null: true}},
		{{Value: "u"}, {Value: ""}, {Value: "2"}},
	}
	var b strings.Builder
	if err := WriteVertical(&b, cols, rows, Summary{}); err != nil {
		t.Fatal(err)
	}
	want := "*************************** 1. row ***************************\n" +
		"       Table: t\n" +
		"Create Table: CREATE TABLE `t` (\n\t`a` int\n) \\x1b[2J\n" +
		"           n: NULL\n" +
		"*************************** 2. row ***************************\n" +
		"       Table: u\n" +
		"Create Table: \n" +
		"           n: 2\n" +
		"2 rows in set (0.00 sec)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteVertical(&b, cols, nil, Summary{}); err != nil || b.String() != "Empty set (0.00 sec)\n" {
		t.Errorf("empty: %q %v", b.String(), err)
	}
}

func TestWriteWarnings(t *testing.T) {
	var b strings.Builder
	if err := WriteOK(&b, 1, Summary{Warnings: 2}); err != nil {
		t.Fatal(err)
	}
	ws := []Warning{{"Note", 1007, "Can't create database 'app'; database exists"}, {"Warning", 1287, "bad\x1b[0m"}}
	if err := WriteWarnings(&b, ws); err != nil {
		t.Fatal(err)
	}
	want := "Query OK, 1 row affected, 2 warnings (0.00 sec)\n" +
		"Note (Code 1007): Can't create database 'app'; database exists\n" +
		"Warning (Code 1287): bad\\x1b[0m\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
