package steps

import (
	"fmt"
	"regexp"
	"strings"
)

// ---- SQL ----

// sqlState is where a placeholder sits in MySQL text.
type sqlState int

const (
	sqlBare sqlState = iota
	sqlSingle
	sqlDouble
	sqlBacktick
	sqlLineComment
	sqlBlockComment
)

var safeSQLWord = regexp.MustCompile(`^[A-Za-z0-9_$.-]+$`)

func escapeSQL(code string, occs []occurrence, vals map[string]Value) error {
	states := sqlStates(code, occs)
	for i := range occs {
		o := &occs[i]
		if st := states[i]; (st == sqlSingle || st == sqlDouble) && o.start > 0 && code[o.start-1] == '\\' {
			return fmt.Errorf("placeholder %s follows a backslash in a SQL string; remove the backslash", o.label)
		}
		var err error
		v := vals[o.name].Text
		if o.ins, err = sqlEscape(states[i], v); err != nil {
			return fmt.Errorf("value for %s %w", o.label, err)
		}
		// A bare word must not make "--" (a comment) with the text beside it.
		if states[i] == sqlBare && (strings.HasPrefix(v, "-") && o.start > 0 && code[o.start-1] == '-' ||
			strings.HasSuffix(v, "-") && o.end < len(code) && code[o.end] == '-') {
			return fmt.Errorf("value for %s would make a -- comment with the dash beside the placeholder", o.label)
		}
	}
	return nil
}

// sqlEscape returns v escaped for a MySQL context, or an error completing
// "value for <x> …".
func sqlEscape(st sqlState, v string) (string, error) {
	switch st {
	case sqlSingle:
		// Backslashes doubled and quotes doubled: correct with MySQL's
		// default escapes, and still inert (only the value's backslashes
		// double) under NO_BACKSLASH_ESCAPES.
		return strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(v), nil
	case sqlDouble:
		return strings.NewReplacer(`\`, `\\`, `"`, `""`).Replace(v), nil
	case sqlBacktick:
		return strings.ReplaceAll(v, "`", "``"), nil
	case sqlLineComment:
		if strings.ContainsAny(v, "\n\r") {
			return "", fmt.Errorf("has a line break, which would end the comment it sits in")
		}
		return v, nil
	case sqlBlockComment:
		if strings.Contains(v, "*/") {
			return "", fmt.Errorf("contains */, which would end the comment it sits in")
		}
		return v, nil
	}
	if !safeSQLWord.MatchString(v) || strings.Contains(v, "--") {
		return "", fmt.Errorf("is not a safe bare SQL word; quote the placeholder in the doc")
	}
	return v, nil
}

// sqlStates lexes MySQL text (strings with backslash escapes and doubled
// quotes, backtick identifiers, -- # and /* */ comments; /*! and /*+ are
// executed by MySQL, so their content is code) and returns the state at
// each occurrence.
func sqlStates(code string, occs []occurrence) []sqlState {
	out := make([]sqlState, len(occs))
	st := sqlBare
	oi := 0
	for i := 0; i < len(code); i++ {
		if oi < len(occs) && i == occs[oi].start {
			out[oi] = st
			i = occs[oi].end - 1
			oi++
			continue
		}
		c := code[i]
		switch st {
		case sqlBare:
			switch {
			case c == '\'':
				st = sqlSingle
			case c == '"':
				st = sqlDouble
			case c == '`':
				st = sqlBacktick
			case c == '#':
				st = sqlLineComment
			case c == '-' && i+1 < len(code) && code[i+1] == '-' && (i+2 == len(code) || code[i+2] <= ' '):
				st = sqlLineComment
				i++
			case c == '/' && i+1 < len(code) && code[i+1] == '*' && !(i+2 < len(code) && (code[i+2] == '!' || code[i+2] == '+')):
				st = sqlBlockComment
				i++
			}
		case sqlSingle, sqlDouble:
			q := byte('\'')
			if st == sqlDouble {
				q = '"'
			}
			switch {
			case c == '\\' && !(oi < len(occs) && i+1 == occs[oi].start):
				i++ // the next byte is escaped
			case c == q && i+1 < len(code) && code[i+1] == q:
				i++
			case c == q:
				st = sqlBare
			}
		case sqlBacktick:
			if c == '`' {
				if i+1 < len(code) && code[i+1] == '`' {
					i++
				} else {
					st = sqlBare
				}
			}
		case sqlLineComment:
			if c == '\n' {
				st = sqlBare
			}
		case sqlBlockComment:
			if c == '*' && i+1 < len(code) && code[i+1] == '/' {
				st = sqlBare
				i++
			}
		}
	}
	return out
}
