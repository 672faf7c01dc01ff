package sql

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// maxCellWidth keeps one long value (a JSON blob, a CREATE TABLE) from
// pushing every other column off the screen.
const maxCellWidth = 60

// Column describes one column of a result set.
type Column struct {
	Name string
	// Numeric columns are right-aligned, as the mysql client does.
	Numeric bool
}

// Cell is one value; Null distinguishes SQL NULL from the empty string.
type Cell struct {
	Value string
	Null  bool
}

// maxRows bounds the rows a result set keeps for display: a runbook's
// SELECT is a check, and a million-row answer would only exhaust memory
// and bury the log. The rest are counted, not shown.
const maxRows = 1000

// Summary is what the line after a statement's result tells.
type Summary struct {
	// Total is the number of rows a query returned, when only the first of
	// them are displayed; 0 means all are.
	Total int
	// Warnings is the statement's warning count.
	Warnings int
	Elapsed  time.Duration
}

// tail is the end of the summary line: ", 1 warning (0.01 sec)".
func (s Summary) tail() string {
	t := ""
	switch s.Warnings {
	case 0:
	case 1:
		t = ", 1 warning"
	default:
		t = fmt.Sprintf(", %d warnings", s.Warnings)
	}
	return fmt.Sprintf("%s (%.2f sec)", t, s.Elapsed.Seconds())
}

// Warning is one row of SHOW WARNINGS.
type Warning struct {
	Level   string // Note, Warning, Error
	Code    int
	Message string
}

// WriteWarnings lists warnings as `mysql --show-warnings` does.
func WriteWarnings(w io.Writer, ws []Warning) error {
	var b strings.Builder
	for _, x := range ws {
		fmt.Fprintf(&b, "%s (Code %d): %s\n", cellText(x.Level), x.Code, verticalText(x.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTable writes a result set as the mysql client does: a bordered,
// aligned table, then "N rows in set (0.01 sec)" (or "Empty set" with no
// table when there are no rows).
func WriteTable(w io.Writer, cols []Column, rows [][]Cell, s Summary) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "Empty set%s\n", s.tail())
		return err
	}
	widths := make([]int, len(cols))
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = cellText(c.Name)
		widths[i] = runewidth.StringWidth(head[i])
	}
	text := make([][]string, len(rows))
	for r, row := range rows {
		text[r] = make([]string, len(cols))
		for i := range cols {
			s := "NULL"
			if i < len(row) && !row[i].Null {
				s = cellText(row[i].Value)
			}
			text[r][i] = s
			widths[i] = max(widths[i], runewidth.StringWidth(s))
		}
	}
	var b strings.Builder
	rule := func() {
		b.WriteByte('+')
		for _, n := range widths {
			b.WriteString(strings.Repeat("-", n+2))
			b.WriteByte('+')
		}
		b.WriteByte('\n')
	}
	line := func(cells []string, right func(int) bool) {
		b.WriteByte('|')
		for i, s := range cells {
			pad := strings.Repeat(" ", widths[i]-runewidth.StringWidth(s))
			b.WriteByte(' ')
			if right(i) {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	rule()
	line(head, func(int) bool { return false })
	rule()
	for _, r := range text {
		line(r, func(i int) bool { return cols[i].Numeric })
	}
	rule()
	inSet(&b, len(rows), s)
	_, err := io.WriteString(w, b.String())
	return err
}

func inSet(b *strings.Builder, shown int, s Summary) {
	total := max(s.Total, shown)
	noun := "rows"
	if total == 1 {
		noun = "row"
	}
	fmt.Fprintf(b, "%d %s in set%s\n", total, noun, s.tail())
	if total > shown {
		fmt.Fprintf(b, "(only the first %d rows are shown)\n", shown)
	}
}

// WriteVertical writes a result set the way the mysql client does for a
// statement ended by \G: one "name: value" line per column. Values are
// neither truncated nor have their newlines escaped, since \G is how one
// reads a long multi-line value (SHOW CREATE TABLE, SHOW ENGINE … STATUS).
func WriteVertical(w io.Writer, cols []Column, rows [][]Cell, s Summary) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "Empty set%s\n", s.tail())
		return err
	}
	names := make([]string, len(cols))
	width := 0
	for i, c := range cols {
		names[i] = cellText(c.Name)
		width = max(width, runewidth.StringWidth(names[i]))
	}
	var b strings.Builder
	for r, row := range rows {
		fmt.Fprintf(&b, "%s %d. row %s\n", strings.Repeat("*", 27), r+1, strings.Repeat("*", 27))
		for i := range cols {
			v := "NULL"
			if i < len(row) && !row[i].Null {
				v = verticalText(row[i].Value)
			}
			b.WriteString(strings.Repeat(" ", width-runewidth.StringWidth(names[i])))
			b.WriteString(names[i] + ": " + v + "\n")
		}
	}
	inSet(&b, len(rows), s)
	_, err := io.WriteString(w, b.String())
	return err
}

// verticalText keeps newlines and tabs but still escapes what could drive
// the terminal.
func verticalText(v string) string {
	if !utf8.ValidString(v) {
		return "0x" + strings.ToUpper(hex.EncodeToString([]byte(v)))
	}
	if !strings.ContainsFunc(v, func(r rune) bool { return isControl(r) && r != '\n' && r != '\t' }) {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		if isControl(r) && r != '\n' && r != '\t' {
			fmt.Fprintf(&b, `\x%02x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteOK writes the mysql client's line for a statement without a result
// set.
func WriteOK(w io.Writer, affected int64, s Summary) error {
	noun := "rows"
	if affected == 1 {
		noun = "row"
	}
	_, err := fmt.Fprintf(w, "Query OK, %d %s affected%s\n", affected, noun, s.tail())
	return err
}

// cellText makes a value safe for one table cell: binary data as hex (like
// mysql --binary-as-hex), control characters escaped so a value can neither
// break the alignment nor drive the terminal, and long values truncated.
func cellText(v string) string {
	if !utf8.ValidString(v) {
		v = "0x" + strings.ToUpper(hex.EncodeToString([]byte(v)))
	} else if strings.ContainsFunc(v, isControl) {
		var b strings.Builder
		for _, r := range v {
			switch {
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\r':
				b.WriteString(`\r`)
			case r == '\t':
				b.WriteString(`\t`)
			case isControl(r):
				fmt.Fprintf(&b, `\x%02x`, r)
			default:
				b.WriteRune(r)
			}
		}
		v = b.String()
	}
	if runewidth.StringWidth(v) > maxCellWidth {
		v = runewidth.Truncate(v, maxCellWidth, "…")
	}
	return v
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
