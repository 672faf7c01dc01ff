// Package sqltext reads MySQL text the way the mysql client and server do:
// it cuts a block into statements (Split) and finds a statement's quoted
// strings, identifiers and comments (Tokens). It is the one MySQL lexer
// shared by SQL substitution (package steps), which must know where each
// placeholder sits, and the SQL executor (package steps/sql), which must
// cut the filled text in exactly the same places.
package sqltext

import (
	"fmt"
	"strings"
)

// Statement is one statement of a SQL block, without its delimiter.
type Statement struct {
	// Text is the statement as written: a substring of the block, starting at
	// its first character that is not whitespace or a plain comment, and
	// without the delimiter or trailing whitespace.
	Text string
	// Line is the 1-based line of the block on which Text starts.
	Line int
	// Offset is the byte offset of Text in the block.
	Offset int
	// Vertical is set for a statement ended by \G, which the mysql client
	// prints one column per line (for wide rows like SHOW CREATE TABLE).
	Vertical bool
}

// SplitError is a block the splitter cannot cut safely (an unterminated
// string or comment, a DELIMITER without a value). Line is within the block,
// so the caller can turn it into a line of the document.
type SplitError struct {
	Line int
	Msg  string
}

func (e *SplitError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Split cuts a SQL block into statements the way the mysql client does, so
// a block that works pasted into `mysql` works here: delimiters inside
// quoted strings, identifiers and comments do not count, and `DELIMITER xx`
// lines (needed for procedures and triggers, whose bodies contain `;`)
// change the delimiter for what follows. Empty statements are dropped, and
// a last statement without a delimiter is kept.
//
// Plain comments before a statement are not part of it, so Line points at
// the statement itself; `/*! … */` and `/*+ … */` comments carry meaning for
// the server and are kept.
func Split(code string) ([]Statement, error) {
	s := splitter{code: code, delim: ";", line: 1, start: -1}
	return s.run()
}

type splitter struct {
	code  string
	delim string
	i     int // read position
	line  int // line of code[i]
	start int // offset of the current statement, -1 between statements
	sline int // line of code[start]
	out   []Statement
}

func (s *splitter) run() ([]Statement, error) {
	for s.i < len(s.code) {
		if s.start < 0 {
			done, err := s.between()
			if err != nil {
				return nil, err
			}
			if done {
				continue
			}
			s.start, s.sline = s.i, s.line
		}
		if strings.HasPrefix(s.code[s.i:], s.delim) {
			s.emit(s.i, false)
			s.i += len(s.delim)
			continue
		}
		// \g and \G end a statement whatever the delimiter, as in the
		// mysql client; a backslash outside quotes means nothing else.
		if rest := s.code[s.i:]; len(rest) >= 2 && rest[0] == '\\' && (rest[1] == 'G' || rest[1] == 'g') {
			s.emit(s.i, rest[1] == 'G')
			s.i += 2
			continue
		}
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	if s.start >= 0 {
		s.emit(len(s.code), false)
	}
	return s.out, nil
}

// between consumes what may sit between statements: whitespace, empty
// statements, plain comments and DELIMITER commands. It reports false when
// code[i] starts a statement.
func (s *splitter) between() (bool, error) {
	rest := s.code[s.i:]
	c := rest[0]
	switch {
	case c == '\n':
		s.line++
		s.i++
		return true, nil
	case isSpace(c):
		s.i++
		return true, nil
	case strings.HasPrefix(rest, s.delim):
		s.i += len(s.delim)
		return true, nil
	case isLineComment(rest):
		s.skipLine()
		return true, nil
	case strings.HasPrefix(rest, "/*") && !strings.HasPrefix(rest, "/*!") && !strings.HasPrefix(rest, "/*+"):
		return true, s.skipBlockComment()
	case isDelimiterCommand(rest):
		return true, s.delimiterCommand()
	}
	return false, nil
}

// step consumes one token inside a statement.
func (s *splitter) step() error {
	rest := s.code[s.i:]
	switch c := rest[0]; {
	case c == '\'' || c == '"' || c == '`':
		return s.skipQuoted(c)
	case isLineComment(rest):
		s.skipLine()
	case strings.HasPrefix(rest, "/*"):
		return s.skipBlockComment()
	case c == '\n':
		s.line++
		s.i++
	default:
		s.i++
	}
	return nil
}

func (s *splitter) emit(end int, vertical bool) {
	text := strings.TrimRight(s.code[s.start:end], " \t\r\n\f\v")
	if text != "" {
		s.out = append(s.out, Statement{Text: text, Line: s.sline, Offset: s.start, Vertical: vertical})
	}
	s.start = -1
}

// skipQuoted skips a '…', "…" or `…` token. Strings take backslash escapes
// and doubled quotes; identifiers only doubled backticks (as in MySQL with
// the default sql_mode).
func (s *splitter) skipQuoted(q byte) error {
	end, ok := quotedEnd(s.code, s.i)
	if !ok {
		what := "string"
		if q == '`' {
			what = "identifier"
		}
		return &SplitError{Line: s.line, Msg: fmt.Sprintf("unterminated %c%s%c %s", q, "…", q, what)}
	}
	s.line += strings.Count(s.code[s.i:end], "\n")
	s.i = end
	return nil
}

// skipLine skips to the newline ending a -- or # comment (not past it).
func (s *splitter) skipLine() {
	if j := strings.IndexByte(s.code[s.i:], '\n'); j >= 0 {
		s.i += j
	} else {
		s.i = len(s.code)
	}
}

func (s *splitter) skipBlockComment() error {
	j := strings.Index(s.code[s.i+2:], "*/")
	if j < 0 {
		return &SplitError{Line: s.line, Msg: "unterminated /* comment"}
	}
	end := s.i + 2 + j + 2
	s.line += strings.Count(s.code[s.i:end], "\n")
	s.i = end
	return nil
}

// delimiterCommand reads `DELIMITER xx` up to the end of its line; like the
// mysql client, the delimiter is the first word after the command.
func (s *splitter) delimiterCommand() error {
	j := s.i + len("delimiter")
	for j < len(s.code) && (s.code[j] == ' ' || s.code[j] == '\t') {
		j++
	}
	k := j
	for k < len(s.code) && !isSpace(s.code[k]) && s.code[k] != '\n' {
		k++
	}
	if k == j {
		return &SplitError{Line: s.line, Msg: "DELIMITER needs a value (for example DELIMITER //)"}
	}
	s.delim = s.code[j:k]
	s.i = k
	s.skipLine()
	return nil
}

func isDelimiterCommand(rest string) bool {
	const kw = "delimiter"
	if len(rest) < len(kw) || !strings.EqualFold(rest[:len(kw)], kw) {
		return false
	}
	if len(rest) == len(kw) {
		return true
	}
	c := rest[len(kw)]
	return isSpace(c) || c == '\n'
}

// isLineComment: `#`, or `--` followed by whitespace or the end (MySQL
// reads `1--1` as arithmetic).
func isLineComment(rest string) bool {
	if rest[0] == '#' {
		return true
	}
	if !strings.HasPrefix(rest, "--") {
		return false
	}
	return len(rest) == 2 || isSpace(rest[2]) || rest[2] == '\n'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}
