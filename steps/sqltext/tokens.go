package sqltext

import (
	"fmt"
	"slices"
	"strings"
)

// Context says what a part of a statement is.
type Context int

const (
	// Code is everything outside quotes and comments: keywords, names,
	// numbers, operators; also the inside of /*! … */ and /*+ … */, which
	// the server runs.
	Code         Context = iota
	SingleQuoted         // a '…' string
	DoubleQuoted         // a "…" string (an identifier under sql_mode ANSI_QUOTES)
	Backticked           // a `…` identifier
	LineComment          // -- … or # …, up to the end of the line
	BlockComment         // /* … */
)

var contextNames = [...]string{"code", "'…' string", `"…" string`, "`…` identifier", "line comment", "block comment"}

func (c Context) String() string {
	if int(c) < len(contextNames) {
		return contextNames[c]
	}
	return fmt.Sprintf("Context(%d)", int(c))
}

// Token is a quoted string, quoted identifier or comment of a statement:
// Text[Start:End] includes its quotes or comment markers (a line comment
// ends before its newline).
type Token struct {
	Context    Context
	Start, End int
}

// Tokens lists the quoted strings, quoted identifiers and comments of a
// statement in order; everything between them is Code. It reads them as
// Split does: strings take backslash escapes and doubled quotes,
// identifiers only doubled backticks.
func Tokens(text string) ([]Token, error) {
	out := []Token{} // non-nil: callers cache it
	for i := 0; i < len(text); {
		rest := text[i:]
		switch c := rest[0]; {
		case c == '\'' || c == '"' || c == '`':
			end, ok := quotedEnd(text, i)
			if !ok {
				return nil, fmt.Errorf("unterminated %c…%c at byte %d", c, c, i)
			}
			ctx := map[byte]Context{'\'': SingleQuoted, '"': DoubleQuoted, '`': Backticked}[c]
			out = append(out, Token{ctx, i, end})
			i = end
		case isLineComment(rest):
			end := len(text)
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				end = i + j
			}
			out = append(out, Token{LineComment, i, end})
			i = end
		case strings.HasPrefix(rest, "/*!") || strings.HasPrefix(rest, "/*+"):
			i += 3 // the server runs what follows
		case strings.HasPrefix(rest, "/*"):
			j := strings.Index(rest[2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("unterminated /* comment at byte %d", i)
			}
			out = append(out, Token{BlockComment, i, i + 2 + j + 2})
			i += 2 + j + 2
		default:
			i++
		}
	}
	return out, nil
}

// quotedEnd returns the offset just past the quoted token opening at
// code[i], or false if it is not terminated.
func quotedEnd(code string, i int) (int, bool) {
	q := code[i]
	for i++; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '\\' && q != '`' && i+1 < len(code):
			i++
		case c == q && i+1 < len(code) && code[i+1] == q:
			i++
		case c == q:
			return i + 1, true
		}
	}
	return 0, false
}

// FirstKeyword is the upper-cased first word of a statement, past any
// comments (the splitter keeps /*! */ and /*+ */ ones), or "(" for a
// statement that opens with a parenthesis.
func FirstKeyword(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f\v")
		switch {
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return ""
			}
			s = s[2+i+2:]
		case strings.HasPrefix(s, "#"), strings.HasPrefix(s, "-- "), strings.HasPrefix(s, "--\t"), strings.HasPrefix(s, "--\n"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "("):
			return "("
		default:
			end := strings.IndexFunc(s, func(r rune) bool { return !isWordRune(r) })
			if end < 0 {
				end = len(s)
			}
			return strings.ToUpper(s[:end])
		}
	}
}

func isWordRune(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' }

// words returns up to n upper-cased bare words of a statement (keywords
// and unquoted names), skipping quoted tokens and comments.
func words(text string, toks []Token, n int) []string {
	var out []string
	next := 0 // index of the next token
	for i := 0; i < len(text) && len(out) < n; {
		if next < len(toks) && i == toks[next].Start {
			i = toks[next].End
			next++
			continue
		}
		if !isWordRune(rune(text[i])) {
			i++
			continue
		}
		j := i
		for j < len(text) && (isWordRune(rune(text[j])) || text[j] >= '0' && text[j] <= '9' || text[j] == '$') {
			j++
		}
		out = append(out, strings.ToUpper(text[i:j]))
		i = j
	}
	return out
}

// storedBodies are the objects whose body the server keeps as SQL text and
// parses again later; other CREATE/ALTER objects stop the search.
var (
	storedBodies = []string{"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "VIEW", "PACKAGE"}
	plainObjects = []string{"TABLE", "USER", "ROLE", "INDEX", "DATABASE", "SCHEMA", "SEQUENCE", "SERVER", "TABLESPACE", "TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL", "LOGFILE", "RESOURCE"}
)

// SQLInText says whether the strings of a statement end up parsed as SQL
// by the server: the body of a stored program or view (CREATE PROCEDURE,
// FUNCTION, TRIGGER, EVENT, VIEW, PACKAGE and their ALTER forms), kept as
// text and parsed again when used, or dynamic SQL (PREPARE … FROM,
// EXECUTE IMMEDIATE). It returns what the statement is ("CREATE
// PROCEDURE") or "".
func SQLInText(text string, toks []Token) string {
	w := words(text, toks, 16)
	if len(w) == 0 {
		return ""
	}
	switch w[0] {
	case "PREPARE":
		return "PREPARE"
	case "EXECUTE":
		if len(w) > 1 && w[1] == "IMMEDIATE" {
			return "EXECUTE IMMEDIATE"
		}
	case "CREATE", "ALTER":
		for _, x := range w[1:] {
			if slices.Contains(storedBodies, x) {
				return w[0] + " " + x
			}
			if slices.Contains(plainObjects, x) {
				return ""
			}
		}
	}
	return ""
}
