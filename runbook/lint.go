package runbook

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// LintOptions say what the environment provides beyond the document.
type LintOptions struct {
	// MySQLDSN is true when --mysql-dsn or RUNBOOK_MYSQL_DSN gives SQL steps
	// a connection.
	MySQLDSN bool
}

// Lint returns the document's parse diagnostics plus what a careful reader
// would flag before running it, ordered by line. Errors: unclosed fences,
// bad front matter, unknown attributes, shell syntax errors. Warnings:
// unanswered questions, placeholders with no value source, SQL steps with
// no connection, scraped or mis-encoded text.
func Lint(doc *Document, opt LintOptions) []Diagnostic {
	out := append([]Diagnostic(nil), doc.Diagnostics...)
	add := func(sev Severity, line int, code, format string, args ...any) {
		out = append(out, Diagnostic{Severity: sev, Line: max(line, 1), Code: code, Message: fmt.Sprintf(format, args...)})
	}
	out = append(out, scrapedDiagnostics(doc)...)
	out = append(out, mojibakeDiagnostics(doc)...)
	hasDSN := opt.MySQLDSN
	if fm := doc.FrontMatter; fm != nil && fm.MySQL != nil && fm.MySQL.DSN != "" {
		hasDSN = true
	}
	for _, st := range doc.Steps {
		switch st.Kind {
		case KindShell, KindCheck:
			if variant, ok := shellVariant(st); ok {
				if line, msg, bad := shellSyntax(st.Code, variant); bad {
					if looksLikeTranscript(st.Code, line) {
						msg += " (the block looks like a terminal transcript, commands mixed with their output: mark each command with a `$ ` prompt, or fence it as console)"
					}
					add(SevError, st.docLine(line-1), "shell-syntax", "step %s: shell syntax error: %s", st.ID, msg)
				}
			}
			out = append(out, stdinDiagnostics(st)...)
			if st.Attrs.DoneIf != "" {
				variant, _ := st.DoneIfInterpreter().Dialect.Variant()
				if _, msg, bad := shellSyntax(st.Attrs.DoneIf, variant); bad {
					add(SevError, st.Line, "shell-syntax", "step %s: done-if: shell syntax error: %s", st.ID, msg)
				}
			}
		case KindSQL:
			if !hasDSN {
				add(SevWarning, st.Line, "sql-no-connection", "step %s: SQL step but no MySQL connection (set mysql.dsn in front matter, --mysql-dsn or RUNBOOK_MYSQL_DSN)", st.ID)
			}
		}
	}
	out = append(out, realDocDiagnostics(doc)...)
	for _, q := range doc.Questions {
		add(SevWarning, q.Line, "unanswered-question", "unanswered question %s: %s", q.ID, firstRunes(q.Text, 80))
	}
	declares := doc.FrontMatter != nil && len(doc.FrontMatter.Variables) > 0
	if declares {
		for _, v := range doc.FrontMatter.Variables {
			if v.Pattern == "" || v.Default == "" {
				continue
			}
			if re, err := regexp.Compile(v.Pattern); err == nil && !re.MatchString(v.Default) {
				add(SevWarning, v.Line, "default-mismatch", "variable %s: default %q does not match its pattern %s", v.Name, v.Default, v.Pattern)
			}
		}
	}
	for _, ph := range doc.Placeholders {
		if len(ph.Lines) == 0 {
			continue
		}
		if declares && ph.Var == nil {
			// the doc declares its variables: one it does not is likely a typo
			add(SevWarning, ph.Lines[0], "unknown-placeholder", "placeholder %s is not declared in the front matter variables", ph.Name)
			continue
		}
		if ph.Default != "" || (ph.Var != nil && ph.Var.Source != "") {
			continue
		}
		add(SevWarning, ph.Lines[0], "no-value-source", "placeholder %s has no default or source: it must be given at run time", ph.Name)
	}
	names := map[string]int{}
	for _, st := range doc.Steps {
		if n := st.Attrs.Name; n != "" {
			if first, ok := names[n]; ok {
				add(SevWarning, st.Line, "duplicate-name", "step name %q is already used on line %d: this step's id is %s", n, first, st.ID)
				continue
			}
			names[n] = st.Line
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// shellVariant says which shell grammar checks a step: the dialect it
// will really run in (Step.Interpreter), false when the step runs in an
// interpreter that is not a shell.
func shellVariant(st *Step) (syntax.LangVariant, bool) {
	return st.Interpreter().Dialect.Variant()
}

// blankPlaceholders replaces every placeholder in code by a same-length
// word of x's, so that `<account-id>` is not read as a redirection and
// columns still match.
func blankPlaceholders(code string) string {
	if !mayHavePlaceholder(code) {
		return code
	}
	b := []byte(code)
	var buf [8]phCand
	for _, c := range lexPlaceholders(code, buf[:0]) {
		for i := c.start; i < c.end; i++ {
			b[i] = 'x'
		}
	}
	return string(b)
}

// shellSyntax parses code, with placeholders replaced by same-length words
// (so `<account-id>` is not read as a redirection and columns still match),
// and returns the 1-based code line of the first error.
func shellSyntax(code string, variant syntax.LangVariant) (line int, msg string, bad bool) {
	code = blankPlaceholders(code)
	_, err := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(code), "")
	if err == nil {
		return 0, "", false
	}
	var pe syntax.ParseError
	if errors.As(err, &pe) {
		return int(pe.Pos.Line()), pe.Text, true
	}
	// A feature of another shell (bash arrays in an sh block) is a
	// LangError: it has its own position.
	var le syntax.LangError
	if errors.As(err, &le) {
		msg := strings.TrimPrefix(le.Error(), le.Pos.String()+": ")
		if variant == syntax.LangPOSIX {
			msg += " (the block runs in POSIX sh, as shell=sh or the front matter's shell: asks; drop that for bash syntax)"
		}
		return int(le.Pos.Line()), msg, true
	}
	return 1, err.Error(), true
}

// mojibakeAt returns the offset of the first UTF-8-read-as-Windows-1252
// sequence ("â€", "Ã©", "ðŸ"), or -1.
func mojibakeAt(src []byte) int {
	best := -1
	for _, m := range []string{"â€", "ðŸ", "Ã©", "Ã¨", "Ã¶", "Ã¼", "Ã¤", "Â "} {
		if i := bytes.Index(src, []byte(m)); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
