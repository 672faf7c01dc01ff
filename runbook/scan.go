package runbook

import (
	"path/filepath"
	"strings"
)

// ScanPlaceholders calls fn with the variable name (see PlaceholderName)
// and byte range [start, end) of every placeholder in s, a text that is
// not code: a cwd, a DSN, an AWS guard value. Callers that fill such
// values must agree with the parser on what a placeholder is.
func ScanPlaceholders(s string, fn func(name string, start, end int)) {
	if !mayHavePlaceholder(s) {
		return
	}
	for _, c := range lexPlaceholders(s, nil) {
		fn(c.name, c.start, c.end)
	}
}

// ScanStepPlaceholders calls fn, in offset order, with the variable name
// and byte range [start, end) of every placeholder in code, the code of
// step st (its Code, its done-if, or an edited command for one run),
// reading it as the step's language does: in shell, comments and the
// programs of awk, jq, fzf, xargs -I, jsonpath and the like are not
// placeholders; in SQL, comments are not; in a block run by another
// interpreter (`python {run}`), `{word}` is that language's code. A nil
// step is shell. The parser and substitution both call it, so what is
// asked for is exactly what is filled in.
func ScanStepPlaceholders(st *Step, code string, fn func(name string, start, end int)) {
	if !mayHavePlaceholder(code) {
		return
	}
	var buf [6]phCand // the usual handful, on the stack
	cands := lexPlaceholders(code, buf[:0])
	if len(cands) == 0 {
		return
	}
	switch dialectOf(st) {
	case dialectShell:
		cands = shellPlaceholders(code, cands)
	case dialectSQL:
		cands = sqlPlaceholders(code, cands)
	case dialectInterp:
		w := 0
		for _, c := range cands {
			if !c.brace {
				cands[w] = c
				w++
			}
		}
		cands = cands[:w]
	}
	for _, c := range cands {
		fn(c.name, c.start, c.end)
	}
}

// mayHavePlaceholder is a quick test that s holds a byte every placeholder
// starts with.
func mayHavePlaceholder(s string) bool {
	return strings.ContainsAny(s, "<{") || strings.Contains(s, "CHANGE") ||
		strings.Contains(s, "REPLACE") || strings.Contains(s, "YOUR_")
}

// codeDialect is how a step's code is read when looking for placeholders.
type codeDialect int

const (
	dialectShell  codeDialect = iota
	dialectSQL                // sql/mysql steps
	dialectInterp             // a block run by python, node, ruby, …
	dialectText               // a manual step's text
)

// shells are the interpreters whose code is shell.
var shells = map[string]bool{
	"": true, "sh": true, "bash": true, "zsh": true, "dash": true, "ash": true, "ksh": true,
	"mksh": true, "shell": true, "console": true, "busybox": true,
}

func dialectOf(st *Step) codeDialect {
	if st == nil {
		return dialectShell
	}
	switch st.Kind {
	case KindSQL:
		return dialectSQL
	case KindManual:
		return dialectText
	}
	if len(st.Shell.Argv) > 0 {
		// the parser's one decision (ResolveInterp)
		if st.Shell.Dialect.IsShell() {
			return dialectShell
		}
		return dialectInterp
	}
	sh := ""
	if f := strings.Fields(st.Attrs.Shell); len(f) > 0 {
		sh = filepath.Base(f[0])
	} else if st.Attrs.Run {
		sh = strings.ToLower(st.Lang)
	}
	if shells[strings.ToLower(sh)] {
		return dialectShell
	}
	return dialectInterp
}
