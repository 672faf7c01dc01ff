package shell

import (
	"fmt"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// A shell step that is part of the run's session runs as
//
//	bash … -c ". /proc/<runbook>/fd/<n>; <the step's code>"
//
// The file it sources first (the prelude, in memory) restores the session
// (variables in single quotes, function definitions as the shell printed
// them), lists the shell's state into a second in-memory file, and sets
// an EXIT trap that lists it again into a third when the shell exits, how
// ever it exits (the end of the code, `exit N`, set -e). Comparing the two
// listings gives what the code changed. Nothing of the session is ever
// put into the code itself.

// sessionDialect reports whether steps in dialect d take part in the
// session: bash, zsh and POSIX sh (variables and the directory only).
func sessionDialect(d runbook.Dialect) bool {
	return d == runbook.DialectBash || d == runbook.DialectZsh || d == runbook.DialectPOSIX
}

// excluded reports whether a variable is the shell's own (it changes by
// itself, or describes the process) or runbook's, and is never carried.
func excluded(d runbook.Dialect, name string) bool {
	if strings.HasPrefix(name, "__runbook") || strings.HasPrefix(name, "RUNBOOK_") {
		return true
	}
	if d == runbook.DialectZsh {
		return zshOwn[name] || strings.HasPrefix(name, "ZSH_")
	}
	return bashOwn[name] || strings.HasPrefix(name, "BASH") || strings.HasPrefix(name, "COMP_")
}

// bashOwn are bash's (and a POSIX shell's) own variables.
var bashOwn = setOf("_", "DIRSTACK", "EPOCHREALTIME", "EPOCHSECONDS", "EUID", "FUNCNAME", "GROUPS",
	"HISTCMD", "HOSTNAME", "HOSTTYPE", "LINENO", "MACHTYPE", "OLDPWD", "OPTERR", "OPTIND", "OPTARG",
	"OSTYPE", "PIPESTATUS", "PPID", "PWD", "RANDOM", "SECONDS", "SHELLOPTS", "SHLVL", "SRANDOM", "UID",
	"COLUMNS", "LINES")

// zshOwn are zsh's own variables; UID, USERNAME and their kin are
// excluded above all because assigning them makes zsh change user.
var zshOwn = setOf("_", "0", "argv", "ARGC", "status", "pipestatus", "RANDOM", "SECONDS", "LINENO",
	"HISTCMD", "PWD", "OLDPWD", "zsh_eval_context", "funcstack", "functrace", "funcfiletrace",
	"funcsourcetrace", "SHLVL", "TTYIDLE", "EPOCHSECONDS", "EPOCHREALTIME", "epochtime", "ERRNO",
	"signals", "TRY_BLOCK_ERROR", "TRY_BLOCK_INTERRUPT", "path", "fpath", "cdpath", "manpath",
	"mailpath", "module_path", "fignore", "psvar", "histchars", "prompt", "PROMPT", "PROMPT2",
	"PROMPT3", "PROMPT4", "PS1", "PS2", "PS3", "PS4", "COLUMNS", "LINES", "UID", "EUID", "GID", "EGID",
	"USERNAME", "MACHTYPE", "OSTYPE", "VENDOR", "CPUTYPE", "HOST", "TTY", "OPTIND", "OPTARG",
	"zshexit_functions")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// ownFuncs are the functions the prelude defines.
var ownFuncs = setOf("__runbook_capture", "trap")

// listCommand is what lists the shell's state into path.
func listCommand(d runbook.Dialect, path string) string {
	to := " >| " + quote(path)
	switch d {
	case runbook.DialectBash:
		return "{ builtin declare -p; builtin printf '%s\\n' '" + funcsMark + "'; builtin declare -f; }" + to
	case runbook.DialectZsh:
		return "{ builtin typeset -p; builtin print -r -- '" + funcsMark + "'; builtin functions; }" + to
	}
	return "{ set; echo '" + funcsMark + "'; export -p; }" + to
}

// mayTrap reports whether code (or a function of the session it may call)
// may set a trap: the word trap, or code it cannot see (eval, source, a
// dot command). Only then does bash's prelude need its trap wrapper.
func mayTrap(code string, funcs []journal.ShellFunc) bool {
	if dotCommand.MatchString(code) || strings.Contains(code, "trap") || strings.Contains(code, "eval") || strings.Contains(code, "source") {
		return true
	}
	for _, f := range funcs {
		if mayTrap(f.Body, nil) {
			return true
		}
	}
	return false
}

// dotCommand matches `. FILE` where a command starts.
var dotCommand = regexp.MustCompile(`(^|[\s;&|(){}])\.\s`)

// prelude is the file the step's shell sources before its code: the
// session restored, the capture armed (when capture), the state listed
// into before. wrapTrap adds bash's trap wrapper (mayTrap).
func prelude(d runbook.Dialect, sess *steps.ShellSession, before, after string, wrapTrap bool) string {
	var b strings.Builder
	writeRestore(&b, d, sess)
	if sess.Capture {
		switch d {
		case runbook.DialectBash:
			b.WriteString("__runbook_capture() {\n\tlocal __runbook_status=$?\n\t" + listCommand(d, after) +
				" 2>/dev/null || :\n\treturn \"$__runbook_status\"\n}\n")
			if wrapTrap {
				b.WriteString(bashTrapWrapper)
			}
			b.WriteString("builtin trap -- '{ __runbook_capture; } 2>/dev/null' EXIT\n")
		case runbook.DialectZsh:
			// zshexit runs however the shell exits, and a trap the
			// step sets on EXIT does not replace it.
			b.WriteString("__runbook_capture() {\n\t" + listCommand(d, after) + " 2>/dev/null\n}\n")
			b.WriteString("zshexit_functions+=(__runbook_capture)\n")
		default:
			b.WriteString("__runbook_capture() {\n\t__runbook_status=$?\n\t" + listCommand(d, after) +
				" 2>/dev/null || :\n\treturn $__runbook_status\n}\n")
			b.WriteString("trap '{ __runbook_capture; } 2>/dev/null' EXIT\n")
		}
		b.WriteString(listCommand(d, before) + "\n")
	}
	return b.String()
}

// bashTrapWrapper keeps the capture when the step sets its own EXIT trap:
// `trap CMD EXIT` becomes the capture followed by CMD. CMD runs with the
// exit status as $? and under set -e as it would have: the capture is the
// condition of an `if` (exempt from set -e) whose both branches are CMD,
// where $? is the condition's status, which the capture returns. Other
// signals go to the builtin as they are.
const bashTrapWrapper = `trap() {
	case ${1-} in -l|-p|-lp|-pl) builtin trap "$@"; return;; --) shift;; esac
	if [ $# -eq 0 ]; then builtin trap; return; fi
	local __runbook_action=- __runbook_sig __runbook_other=()
	case $# in 1) ;; *) case $1 in ''|*[!0-9]*) __runbook_action=$1; shift;; esac;; esac
	for __runbook_sig; do
		case $__runbook_sig in
		EXIT|exit|0|SIGEXIT)
			case $__runbook_action in
			-) builtin trap -- '{ __runbook_capture; } 2>/dev/null' EXIT;;
			*) builtin trap -- "if { __runbook_capture; } 2>/dev/null; then
${__runbook_action:-:}
else
${__runbook_action:-:}
fi" EXIT;;
			esac;;
		*) __runbook_other+=("$__runbook_sig");;
		esac
	done
	if [ ${#__runbook_other[@]} -gt 0 ]; then builtin trap -- "$__runbook_action" "${__runbook_other[@]}"; fi
}
`

// numericKey matches an indexed array's index.
var numericKey = regexp.MustCompile(`^[0-9]+$`)

// writeRestore writes the statements that restore the session in dialect
// d: every value in single quotes, functions of that shell as it printed
// them. What a dialect cannot hold (arrays and functions in POSIX sh, a
// bash nameref in zsh, another shell's functions) is left out.
func writeRestore(b *strings.Builder, d runbook.Dialect, sess *steps.ShellSession) {
	for _, v := range sess.Vars {
		if excluded(d, v.Name) || checkVar(v) != nil {
			continue
		}
		switch d {
		case runbook.DialectBash:
			restoreBash(b, v)
		case runbook.DialectZsh:
			restoreZsh(b, v)
		default:
			restorePOSIX(b, v)
		}
	}
	dialect := d.String()
	for _, f := range sess.Funcs {
		if f.Dialect != dialect || d == runbook.DialectPOSIX || !validName(f.Name) || ownFuncs[f.Name] {
			continue
		}
		if f.Unset {
			b.WriteString("unset -f " + f.Name + " 2>/dev/null || :\n")
			continue
		}
		b.WriteString(strings.TrimRight(f.Body, "\n") + "\n")
	}
}

// shellFlags are the flags of a declaration of v: prefix, the kind's
// letter, then the attributes among allowed.
func shellFlags(v journal.ShellVar, prefix, allowed string) string {
	flags := prefix
	switch v.Kind {
	case journal.VarArray:
		flags += "a"
	case journal.VarAssoc:
		flags += "A"
	}
	return flags + strings.Map(func(r rune) rune {
		if strings.ContainsRune(allowed, r) {
			return r
		}
		return -1
	}, v.Attrs)
}

func restoreBash(b *strings.Builder, v journal.ShellVar) {
	b.WriteString("unset -v " + v.Name + " 2>/dev/null || :\n")
	if v.Unset {
		return
	}
	flags := shellFlags(v, "-", "ilnrtux")
	if flags == "-" {
		flags = "--"
	}
	b.WriteString("declare " + flags + " " + v.Name)
	switch {
	case v.Declared:
	case v.Kind == journal.VarScalar:
		b.WriteString("=" + quote(v.Value))
	default:
		b.WriteString("=(")
		for _, it := range v.Items {
			if v.Kind == journal.VarArray && !numericKey.MatchString(it.Key) {
				continue
			}
			key := it.Key
			if v.Kind == journal.VarAssoc {
				key = quote(key)
			}
			b.WriteString("[" + key + "]=" + quote(it.Value) + " ")
		}
		b.WriteString(")")
	}
	b.WriteString("\n")
}

func restoreZsh(b *strings.Builder, v journal.ShellVar) {
	if strings.Contains(v.Attrs, "n") {
		return // zsh has no name references
	}
	b.WriteString("unset " + v.Name + " 2>/dev/null\n")
	if v.Unset {
		return
	}
	flags := shellFlags(v, "-g", "ilrux")
	if v.Kind == journal.VarScalar && !v.Declared {
		b.WriteString("typeset " + flags + " " + v.Name + "=" + quote(v.Value) + "\n")
		return
	}
	// Readonly goes last: the elements are assigned first.
	ro := strings.Contains(flags, "r")
	b.WriteString("typeset " + strings.ReplaceAll(flags, "r", "") + " " + v.Name + "\n")
	if !v.Declared && v.Kind != journal.VarScalar {
		b.WriteString(v.Name + "=(")
		for _, it := range v.Items {
			if v.Kind == journal.VarAssoc {
				b.WriteString(quote(it.Key) + " ")
			}
			b.WriteString(quote(it.Value) + " ")
		}
		b.WriteString(")\n")
	}
	if ro {
		b.WriteString("typeset -gr " + v.Name + "\n")
	}
}

func restorePOSIX(b *strings.Builder, v journal.ShellVar) {
	if v.Unset {
		b.WriteString("unset " + v.Name + " 2>/dev/null || :\n")
		return
	}
	if v.Kind != journal.VarScalar || v.Declared || strings.Contains(v.Attrs, "n") {
		return // POSIX sh has no arrays
	}
	b.WriteString(v.Name + "=" + quote(v.Value) + "\n")
	if strings.Contains(v.Attrs, "x") {
		b.WriteString("export " + v.Name + "\n")
	}
	if strings.Contains(v.Attrs, "r") {
		b.WriteString("readonly " + v.Name + "\n")
	}
}

// diffListings is what changed between the listing before the step's code
// and the one after: variables set, changed or unset, functions defined,
// changed or removed, the directory if it changed. notes say what was not
// carried.
func diffListings(d runbook.Dialect, before, after *listing) (*journal.SessionChange, []string) {
	c := &journal.SessionChange{}
	var notes []string
	for _, name := range after.order {
		if excluded(d, name) {
			continue
		}
		if old, had := before.raw[name]; had && old == after.raw[name] {
			continue // as it was: not decoded
		}
		v, err := after.decode(name)
		if err == nil {
			if _, had := before.raw[name]; had {
				// The same value printed differently (attributes in
				// another order) is no change.
				if ov, oerr := before.decode(name); oerr == nil && sameVar(ov, v) {
					continue
				}
			}
			err = checkVar(v)
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("variable %s is not carried to later steps: %v", name, err))
			continue
		}
		c.Vars = append(c.Vars, v)
	}
	for _, name := range before.order {
		if _, still := after.raw[name]; !still && !excluded(d, name) {
			c.Vars = append(c.Vars, journal.ShellVar{Name: name, Unset: true})
		}
	}
	known := setOf(before.bad...)
	for _, text := range after.bad {
		if !known[text] {
			notes = append(notes, fmt.Sprintf("a declaration runbook does not read is not carried to later steps: %s", text))
		}
	}
	if after.cwd != "" && after.cwd != before.cwd {
		c.Cwd = after.cwd
	}
	if before.funcs != after.funcs && d != runbook.DialectPOSIX {
		fc, err := diffFuncs(d, before.funcs, after.funcs)
		if err != nil {
			notes = append(notes, "functions are not carried to later steps: "+err.Error())
		}
		c.Funcs = fc
	}
	return c, notes
}

// integerValue and refName are what an integer variable and a name
// reference may hold: a shell evaluates an integer's value as arithmetic
// and follows a reference's subscript when it is used, and either can run
// a command substitution.
var (
	integerValue = regexp.MustCompile(`^-?[0-9]+$`)
	refName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// checkVar refuses a variable whose restoring could run anything: a bad
// name, an integer that is not a number, a reference that is not a name.
func checkVar(v journal.ShellVar) error {
	if !validName(v.Name) {
		return fmt.Errorf("%q is not a variable name", v.Name)
	}
	if v.Unset || v.Declared {
		return nil
	}
	check := func(re *regexp.Regexp, what string) error {
		if v.Kind == journal.VarScalar && !re.MatchString(v.Value) {
			return fmt.Errorf("its value is not %s", what)
		}
		for _, it := range v.Items {
			if !re.MatchString(it.Value) {
				return fmt.Errorf("an element is not %s", what)
			}
		}
		return nil
	}
	switch {
	case strings.Contains(v.Attrs, "n"):
		return check(refName, "a variable name (it is a name reference)")
	case strings.Contains(v.Attrs, "i"):
		return check(integerValue, "an integer")
	}
	return nil
}

func sameVar(a, b journal.ShellVar) bool {
	if a.Kind != b.Kind || a.Attrs != b.Attrs || a.Value != b.Value || a.Declared != b.Declared || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	return true
}

// diffFuncs compares two function listings by name.
func diffFuncs(d runbook.Dialect, before, after string) ([]journal.ShellFunc, error) {
	old, err := splitFuncs(d, before)
	if err != nil {
		return nil, err
	}
	cur, err := splitFuncs(d, after)
	if err != nil {
		return nil, err
	}
	var out []journal.ShellFunc
	for _, f := range cur {
		if ownFuncs[f.Name] {
			continue
		}
		if body, had := findFunc(old, f.Name); !had || body != f.Body {
			out = append(out, f)
		}
	}
	for _, f := range old {
		if _, still := findFunc(cur, f.Name); !still && !ownFuncs[f.Name] {
			out = append(out, journal.ShellFunc{Name: f.Name, Dialect: f.Dialect, Unset: true})
		}
	}
	return out, nil
}

func findFunc(fs []journal.ShellFunc, name string) (string, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f.Body, true
		}
	}
	return "", false
}

// splitFuncs parses a shell's listing of its functions and returns each
// definition's text. Anything but function definitions (and bash's
// `declare -fx NAME` for exported ones) makes the listing unreadable:
// what is restored later must be a definition and nothing else.
func splitFuncs(d runbook.Dialect, text string) ([]journal.ShellFunc, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	lang, _ := d.Variant()
	f, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(text), "")
	if err != nil {
		return nil, fmt.Errorf("runbook cannot read their definitions (%v)", err)
	}
	var out []journal.ShellFunc
	for _, st := range f.Stmts {
		switch c := st.Cmd.(type) {
		case *syntax.FuncDecl:
			if c.Name == nil || !validName(c.Name.Value) {
				return nil, fmt.Errorf("the listing holds a function without a plain name")
			}
			if len(st.Redirs) > 0 || st.Background || st.Negated || st.Coprocess || st.Disown {
				return nil, fmt.Errorf("the definition of %s is not plain", c.Name.Value)
			}
			body := text[st.Pos().Offset():st.End().Offset()]
			out = append(out, journal.ShellFunc{Name: c.Name.Value, Dialect: d.String(), Body: body})
		case *syntax.DeclClause:
			// declare -fx NAME: an exported function; the export is not
			// carried.
		default:
			return nil, fmt.Errorf("the listing holds more than definitions")
		}
	}
	return out, nil
}
