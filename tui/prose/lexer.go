package prose

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// scan splits code into tokens and emits each with its style.
func (l *lexer) scan(code string, s *Syntax, emit func(string, ansi.Style)) {
	cmdStart := true // shell: the next word is a command name
	for i := 0; i < len(code); {
		c := code[i]
		_, size := utf8.DecodeRuneInString(code[i:])
		j := i + size // one character unless a case below takes more
		st := s.Text
		switch {
		case c == '\n':
			cmdStart = true
		case c == ' ' || c == '\t':
			j = span(code, i, func(c byte) bool { return c == ' ' || c == '\t' })
		case c == '\\' && l.shell && i+1 < len(code):
			_, n := utf8.DecodeRuneInString(code[i+1:])
			j = i + 1 + n // an escaped character, or a line continued
		case l.commentAt(code, i):
			j = lineEnd(code, i)
			st = s.Comment
		case l.block[0] != "" && strings.HasPrefix(code[i:], l.block[0]):
			j = closeAt(code, i+len(l.block[0]), l.block[1])
			st = s.Comment
		case strings.IndexByte(l.quotes, c) >= 0:
			j = stringEnd(code, i, l.shell)
			st = s.String
			cmdStart = false
		case l.shell && c == '$':
			j, st = l.dollar(code, i, s)
			cmdStart = code[i:j] == "$("
		case l.shell && (c == '<' || c == '{') && placeholderEnd(code, i) > 0:
			j = placeholderEnd(code, i)
			st = s.Variable
			cmdStart = false
		case l.shell && strings.IndexByte("|&;()<>", c) >= 0:
			j = span(code, i, func(c byte) bool { return strings.IndexByte("|&;<>", c) >= 0 })
			if c == '(' || c == ')' {
				j = i + 1
			}
			st = s.Operator
			cmdStart = c != '>' && c != '<'
		case isDigit(c):
			j = span(code, i, func(c byte) bool { return isWord(c) || c == '.' })
			if l.shell && j < len(code) && !isBreak(code[j]) {
				j = l.wordEnd(code, i)
			} else {
				st = s.Number
			}
			cmdStart = false
		case l.shell && !isBreak(c):
			j = l.wordEnd(code, i)
			st, cmdStart = l.shellWord(code[i:j], cmdStart, s)
		case isWord(c):
			j = span(code, i, isWord)
			st = l.word(code, i, j, s)
		case strings.IndexByte("=+-*/<>!&|%^~", c) >= 0:
			st = s.Operator
		}
		emit(code[i:j], st)
		i = j
	}
}

// shellWord styles one word: a keyword, the command it runs, or an
// argument; it returns whether the next word starts a command.
func (l *lexer) shellWord(w string, cmdStart bool, s *Syntax) (ansi.Style, bool) {
	switch {
	case l.keywords[w]:
		return s.Keyword, w != "in" && w != "export" && w != "local" && w != "readonly" && w != "unset" && w != "set"
	case cmdStart && strings.Contains(w, "=") && !strings.HasPrefix(w, "="):
		return s.Variable, true // NAME=value before a command
	case cmdStart:
		return s.Builtin, false
	}
	return s.Text, false
}

func (l *lexer) word(code string, i, j int, s *Syntax) ansi.Style {
	w := code[i:j]
	if l.fold {
		w = strings.ToLower(w)
	}
	switch {
	case l.keys && j < len(code) && code[j] == ':' && strings.TrimLeft(lineBefore(code, i), " -") == "":
		return s.Keyword
	case l.keywords[w]:
		return s.Keyword
	}
	return s.Text
}

// dollar is a shell expansion: $NAME, ${…}, $1, $? or the "$(" of a
// command substitution.
func (l *lexer) dollar(code string, i int, s *Syntax) (int, ansi.Style) {
	switch {
	case i+1 >= len(code):
		return i + 1, s.Text
	case code[i+1] == '(':
		return i + 2, s.Operator
	case code[i+1] == '{':
		return closeAt(code, i+2, "}"), s.Variable
	case isWord(code[i+1]):
		return span(code, i+1, isWord), s.Variable
	case strings.IndexByte("?#@*!$-", code[i+1]) >= 0:
		return i + 2, s.Variable
	}
	return i + 1, s.Text
}

// wordEnd is the end of a shell word starting at i: up to a space, an
// operator, a quote or an expansion.
func (l *lexer) wordEnd(code string, i int) int {
	j := i
	for j < len(code) && !isBreak(code[j]) && code[j] != '$' && strings.IndexByte(l.quotes, code[j]) < 0 && code[j] != '\\' {
		if (code[j] == '<' || code[j] == '{') && placeholderEnd(code, j) > 0 {
			break
		}
		j++
	}
	if j == i {
		j = i + 1
	}
	return j
}

// commentAt reports whether a line comment starts at i; in a shell only
// at the start of a word ("a#b" is one word).
func (l *lexer) commentAt(code string, i int) bool {
	for _, m := range l.lineComments {
		if strings.HasPrefix(code[i:], m) {
			if l.shell && i > 0 && !isBreak(code[i-1]) {
				return false
			}
			return true
		}
	}
	return false
}

// placeholderEnd is the end of a runbook placeholder (<name> or {name})
// at i, or 0.
func placeholderEnd(code string, i int) int {
	closer := byte('>')
	if code[i] == '{' {
		closer = '}'
	}
	j := i + 1
	if j >= len(code) || !isLetter(code[j]) {
		return 0
	}
	for j < len(code) && (isWord(code[j]) || code[j] == '-' || code[j] == '.') {
		j++
	}
	if j < len(code) && code[j] == closer {
		return j + 1
	}
	return 0
}

// stringEnd is the end of the quoted string at i (its closing quote
// included, or the end of the line when unclosed). Backslash escapes
// apply except in single-quoted shell strings.
func stringEnd(code string, i int, shell bool) int {
	q := code[i]
	for j := i + 1; j < len(code); j++ {
		switch {
		case code[j] == '\\' && !(shell && q == '\''):
			j++
		case code[j] == q:
			return j + 1
		case code[j] == '\n' && !shell && q != '`':
			return j
		}
	}
	return len(code)
}

func closeAt(code string, from int, end string) int {
	if k := strings.Index(code[min(from, len(code)):], end); k >= 0 {
		return from + k + len(end)
	}
	return len(code)
}

func lineEnd(code string, i int) int {
	if k := strings.IndexByte(code[i:], '\n'); k >= 0 {
		return i + k
	}
	return len(code)
}

func lineBefore(code string, i int) string {
	return code[strings.LastIndexByte(code[:i], '\n')+1 : i]
}

func span(code string, i int, in func(byte) bool) int {
	j := i
	for j < len(code) && in(code[j]) {
		j++
	}
	return max(j, i+1)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isWord(c byte) bool  { return isLetter(c) || isDigit(c) || c == '_' }

// isBreak ends a shell word.
func isBreak(c byte) bool { return strings.IndexByte(" \t\n|&;()<>", c) >= 0 }
