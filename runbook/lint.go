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
	if doc.Scraped {
		add(SevWarning, 1, "scraped", "document looks copied from a web page (no code fences, headings end in ¶): no runnable steps found, %d questions", len(doc.Questions))
	}
	if i := mojibakeAt(doc.Source); i >= 0 {
		add(SevWarning, 1+bytes.Count(doc.Source[:i], []byte{'\n'}), "mojibake",
			"text looks double-encoded (UTF-8 read as Windows-1252, e.g. %q): re-save the file as UTF-8", firstRunes(string(doc.Source[i:]), 3))
	}
	hasDSN := opt.MySQLDSN
	if fm := doc.FrontMatter; fm != nil && fm.MySQL != nil && fm.MySQL.DSN != "" {
		hasDSN = true
	}
	for _, st := range doc.Steps {
		switch st.Kind {
		case KindShell, KindCheck:
			if variant, ok := shellVariant(st); ok {
				if line, msg, bad := shellSyntax(st.Code, variant); bad {
					add(SevError, codeLine(doc, st, line), "shell-syntax", "step %s: shell syntax error: %s", st.ID, msg)
				}
			}
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

// shellSyntax parses code, with placeholders replaced by same-length words
// (so `<account-id>` is not read as a redirection and columns still match),
// and returns the 1-based code line of the first error.
func shellSyntax(code string, variant syntax.LangVariant) (line int, msg string, bad bool) {
	if strings.ContainsAny(code, "<{") {
		b := []byte(code)
		scanPlaceholders(code, func(name string, off int) {
			for i := off; i < off+len(name)+2; i++ {
				b[i] = 'x'
			}
		})
		code = string(b)
	}
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

// codeLine maps a 1-based line of st.Code to a document line.
func codeLine(doc *Document, st *Step, line int) int {
	if line < 1 {
		line = 1
	}
	if st.Kind == KindCheck {
		return st.Line
	}
	first := 1 + bytes.Count(doc.Source[:st.CodeSpan.Start], []byte{'\n'})
	if !st.Console {
		return first + line - 1
	}
	// console code keeps only command lines: find the line-th of them
	raw := strings.Split(string(doc.Source[st.CodeSpan.Start:st.CodeSpan.End]), "\n")
	n, cont := 0, false
	for i, l := range raw {
		t := strings.TrimLeft(strings.TrimRight(l, "\r"), " \t>")
		isCmd := cont || (strings.HasPrefix(t, "$ ") && len(strings.TrimSpace(t[1:])) > 0)
		if !isCmd {
			continue
		}
		n++
		if n == line {
			return first + i
		}
		cont = strings.HasSuffix(strings.TrimRight(l, " \t\r"), `\`)
	}
	return st.Line
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
