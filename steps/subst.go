package steps

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
)

// Value is a placeholder's value for substitution.
type Value struct {
	Text   string
	Secret bool
	// Pattern is the variable's front-matter pattern, "" for none. A value
	// that fully matches it is admitted deliberately where the analysis
	// cannot prove a value is data: a leading '-', or characters outside
	// the safe set that cannot end a quote or start code
	// (docs/substitution.md).
	Pattern string
}

// admits reports whether the variable's pattern admits the value.
func (v Value) admits() bool {
	if v.Pattern == "" {
		return false
	}
	re, err := regexp.Compile(`^(?:` + v.Pattern + `)$`)
	return err == nil && re.MatchString(v.Text)
}

// RefusedError is a value refused where its placeholder sits, before
// anything runs.
type RefusedError struct {
	Placeholder string // as written: <name> or {name}
	Name        string
	// Reason completes "value for <name> …".
	Reason string
	// Hint says how to get such a value in anyway (a pattern), or how to
	// hand it over as data instead.
	Hint string
}

func (e *RefusedError) Error() string {
	msg := "value for " + e.Placeholder + " " + e.Reason
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// refuse builds the refusal of val at o: with pattern, a front-matter
// pattern would admit such a value; otherwise nothing can put it there,
// and the doc has to hand it over as data (an argument, "$1" of sh -c).
func refuse(o occurrence, val Value, reason string, pattern bool) *RefusedError {
	e := &RefusedError{Placeholder: o.label, Name: o.name, Reason: reason}
	switch {
	case pattern && val.Pattern != "":
		e.Hint = fmt.Sprintf("the pattern of %s in the front matter does not admit it", o.name)
	case pattern:
		e.Hint = fmt.Sprintf("to admit such values deliberately, give %s a pattern in the front matter", o.name)
	default:
		e.Hint = "no pattern admits it there: pass it as an argument, not inside code a program runs (docs/substitution.md)"
	}
	return e
}

// safeChars names the safe set: the characters no shell, interpreter or
// SQL client reads as anything but text in an argument.
const safeChars = "letters, digits and ._-/:@%+=,~"

// isSafe reports whether s is made of the safe set only (ASCII letters,
// digits and ._-/:@%+=,~).
func isSafe(s string) bool { return alnumOr(s, "._-/:@%+=,~") }

// alnumOr reports whether s is made of ASCII letters, digits and extra.
func alnumOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// reparseAdmissible reports whether a pattern may admit s where it is
// read as code: printable ASCII without any character that can end a
// quote, start an expansion, a command, a comment or a redirection in a
// shell, an interpreter or a SQL client. Spaces and glob characters may
// be admitted: the pattern says the author expects them there.
func reparseAdmissible(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || strings.IndexByte("`$;&|<>(){}'\"\\#!", c) >= 0 {
			return false
		}
	}
	return true
}

// Substitute fills the placeholders of code (a step's Code, or an edited
// command) with vals and returns the text to run and the text to show (the
// same, with secret values replaced by Mask).
//
// Fail closed: a value goes in as it is, escaped for the quoting context
// its placeholder sits in, only where the analysis proves the text is data
// for the program that receives it. For shell steps the code is parsed
// with mvdan.cc/sh in the dialect that will run it (Step.Interpreter), and
// each placeholder followed through quotes, expansions, pipes, heredocs,
// variables and the commands that receive it, with a table of the
// programs that read text as code (reparsers.go). Wherever the text may be
// read as code (by a shell, an interpreter, a SQL client, a remote shell)
// or the analysis does not recognise the construct, only values of the
// safe set go in, or what the variable's pattern admits deliberately; a
// value starting with '-' that would start a command argument needs a
// `--` before it or the pattern. Blocks that are not shell (python, perl
// `{run}` blocks) take only the safe set. SQL steps are escaped for their
// MySQL context. A NUL byte is always refused. Refusals are
// *RefusedError; docs/substitution.md has the rules.
//
// Placeholders are `<kebab-case>` and `{word}` as the document parser finds
// them; only names present in vals are replaced, and a name the step uses
// (step.Placeholders) without a value is an error.
func Substitute(step *runbook.Step, code string, vals map[string]Value) (run, display string, err error) {
	var names []string
	if step != nil {
		names = step.Placeholders
	}
	for _, n := range names {
		if _, ok := vals[n]; !ok {
			return "", "", fmt.Errorf("no value for placeholder %s", placeholderLabel(code, n))
		}
	}
	occs := findPlaceholders(step, code, vals)
	if len(occs) == 0 {
		return code, code, nil
	}
	for _, o := range occs {
		if strings.IndexByte(vals[o.name].Text, 0) >= 0 {
			return "", "", &RefusedError{Placeholder: o.label, Name: o.name, Reason: "contains a NUL byte"}
		}
	}
	kind := runbook.KindShell
	if step != nil {
		kind = step.Kind
	}
	switch kind {
	case runbook.KindSQL:
		// Values of SQL steps are bind parameters, which a string cannot carry.
		return "", "", errors.New("SQL steps are filled by Fill")
	case runbook.KindManual:
		// Shown to the engineer, never run: the value as is.
		for i := range occs {
			occs[i].ins = vals[occs[i].name].Text
		}
	default:
		err = escapeShell(step, code, occs, vals)
	}
	if err != nil {
		return "", "", err
	}
	var r, d strings.Builder
	prev := 0
	for _, o := range occs {
		r.WriteString(code[prev:o.start])
		d.WriteString(code[prev:o.start])
		r.WriteString(o.ins)
		if vals[o.name].Secret {
			d.WriteString(Mask)
		} else {
			d.WriteString(o.ins)
		}
		prev = o.end
	}
	r.WriteString(code[prev:])
	d.WriteString(code[prev:])
	run = r.String()
	if kind != runbook.KindSQL && kind != runbook.KindManual {
		if err := verifyShellShape(step, code, occs); err != nil {
			return "", "", err
		}
	}
	return run, d.String(), nil
}

// ShellQuote returns s as one shell word: unchanged when it is made only of
// characters no shell treats specially, otherwise in single quotes.
func ShellQuote(s string) string {
	if s != "" && isPlain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isPlain reports whether s is made of characters that mean nothing to a
// shell in any context: letters, digits and @%+=:,./_-.
func isPlain(s string) bool { return alnumOr(s, "@%+=:,./_-") }

const plainChars = "letters, digits and @%+=:,./_-"

// occurrence is one placeholder in the code.
type occurrence struct {
	name       string
	label      string // as written: <name> or {name}
	start, end int    // byte span in code
	ins        string // the escaped value to insert
}

// findPlaceholders finds the placeholders that have a value, with the
// document parser's own rules for the step's language
// (runbook.ScanStepPlaceholders).
func findPlaceholders(step *runbook.Step, s string, vals map[string]Value) []occurrence {
	var out []occurrence
	runbook.ScanStepPlaceholders(step, s, func(name string, start, end int) {
		if _, ok := vals[name]; ok {
			out = append(out, occurrence{name: name, label: s[start:end], start: start, end: end})
		}
	})
	return out
}

func placeholderLabel(code, name string) string {
	if strings.Contains(code, "{"+name+"}") && !strings.Contains(code, "<"+name+">") {
		return "{" + name + "}"
	}
	return "<" + name + ">"
}
