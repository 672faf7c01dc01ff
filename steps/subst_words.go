package steps

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/runbook-sh/runbook/runbook"
)

// arity is how many values a long option takes ("--arg:2"), 0 if it is
// not listed.
func arity(list []string, name string) int {
	for _, l := range list {
		if l == name {
			return 1
		}
		if n, k, ok := strings.Cut(l, ":"); ok && n == name {
			return int(k[0] - '0')
		}
	}
	return 0
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAssignWord reports whether an operand is NAME=VALUE (env's form).
func isAssignWord(s string) bool {
	name, _, ok := strings.Cut(s, "=")
	return ok && isName(name)
}

func isName(s string) bool { return runbook.ShellName(s) }

// readTargets are the variables read/mapfile/readarray may fill: every
// word that is a name (an option's value too, which costs nothing but a
// variable followed for nothing) and the defaults REPLY and MAPFILE. ok
// is false when a word cannot be read: the variable is then unknown.
func (a *analysis) readTargets(args []*syntax.Word) (names []string, ok bool) {
	names = []string{"REPLY", "MAPFILE"}
	for _, w := range args {
		lit, isLit := a.literal(w)
		if !isLit {
			return nil, false
		}
		if isName(lit) {
			names = append(names, lit)
		}
	}
	return names, true
}

// literal returns a word's text after quote removal when the word is
// entirely literal: no expansion, no glob, no brace expansion, no
// placeholder. `"bash"`, `b\ash` and `'bash'` all give bash; `$BASH`,
// `$(which bash)`, `ba*` and `$'bash'` are not literal.
func (a *analysis) literal(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	var b strings.Builder
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if isGlob(p.Value) || (i == 0 && a.variant == syntax.LangZsh && strings.HasPrefix(p.Value, "=")) {
				return "", false
			}
			b.WriteString(unescapeBare(p.Value))
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", false
			}
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(unescapeDouble(l.Value))
			}
		default:
			return "", false
		}
	}
	s := b.String()
	if strings.Contains(s, a.tokPrefix) {
		return "", false
	}
	return s, true
}

// prefix is the literal text a word starts with, up to its first part
// that is not literal (an expansion, a placeholder).
func (a *analysis) prefix(w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		var text string
		switch p := p.(type) {
		case *syntax.Lit:
			text = unescapeBare(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return b.String()
			}
			text = p.Value
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return b.String()
				}
				if i := strings.Index(l.Value, a.tokPrefix); i >= 0 {
					b.WriteString(unescapeDouble(l.Value[:i]))
					return b.String()
				}
				b.WriteString(unescapeDouble(l.Value))
			}
			continue
		default:
			return b.String()
		}
		if i := strings.Index(text, a.tokPrefix); i >= 0 {
			b.WriteString(text[:i])
			return b.String()
		}
		b.WriteString(text)
	}
	return b.String()
}

func (a *analysis) isLiteral(w *syntax.Word, s string) bool {
	l, ok := a.literal(w)
	return ok && l == s
}

// hasExpansion reports whether a word holds a parameter expansion, a
// command substitution or another expansion whose text is unknown.
func (a *analysis) hasExpansion(w *syntax.Word) bool {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if _, ok := q.(*syntax.Lit); !ok {
					return true
				}
			}
		default:
			return true
		}
	}
	return false
}

// tokenBeforeEquals reports whether a placeholder sits in the NAME of a
// NAME=VALUE word.
func (a *analysis) tokenBeforeEquals(w *syntax.Word) bool {
	if len(w.Parts) == 0 {
		return false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return false
	}
	name, _, found := strings.Cut(l.Value, "=")
	return strings.Contains(name, a.tokPrefix) && (found || len(w.Parts) > 1)
}

// isGlob reports whether unquoted text is a glob or a brace expansion.
func isGlob(s string) bool {
	if strings.ContainsAny(s, "*?") {
		return true
	}
	if i := strings.IndexByte(s, '['); i >= 0 && strings.IndexByte(s[i:], ']') > 0 {
		return true
	}
	if i := strings.IndexByte(s, '{'); i >= 0 && strings.IndexByte(s[i:], '}') > 0 {
		return true
	}
	return false
}

// unescapeBare removes the backslashes of unquoted text.
func unescapeBare(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDouble removes the backslashes that escape in double quotes.
func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
