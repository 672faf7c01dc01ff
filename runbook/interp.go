package runbook

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Dialect is the grammar a step's code is read in: one of the shell
// grammars, or DialectNone for code that is not shell (a python or perl
// script run with `{run}`, SQL, a manual step).
type Dialect int

const (
	DialectNone  Dialect = iota // not shell code
	DialectBash                 // bash
	DialectPOSIX                // POSIX sh (dash, ash, busybox sh)
	DialectZsh                  // zsh
	DialectMksh                 // mksh / ksh
)

var dialectNames = [...]string{"none", "bash", "posix", "zsh", "mksh"}

func (d Dialect) String() string {
	if int(d) < len(dialectNames) {
		return dialectNames[d]
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// IsShell reports whether code in this dialect is shell code.
func (d Dialect) IsShell() bool { return d != DialectNone }

// Variant is the shell parser's grammar for the dialect, false when the
// dialect is not shell.
func (d Dialect) Variant() (syntax.LangVariant, bool) {
	switch d {
	case DialectBash:
		return syntax.LangBash, true
	case DialectZsh:
		return syntax.LangZsh, true
	case DialectPOSIX:
		return syntax.LangPOSIX, true
	case DialectMksh:
		return syntax.LangMirBSDKorn, true
	}
	return 0, false
}

// DialectOf is the dialect of a program named by a command word ("sh",
// "/bin/bash", "zsh"), DialectNone when it is not a shell runbook knows.
func DialectOf(program string) Dialect { return programInfo([]string{program}).dialect }

// Interp is the program that runs a step's code and the grammar the code
// is written in. It is decided once, when the document is parsed
// (ResolveInterp), and read by lint, substitution and the shell executor
// alike, so that what `check` judges, what substitution escapes for and
// what really runs can never disagree.
type Interp struct {
	// Argv is the program and its own arguments: the `shell=` attribute
	// split into words ("bash -x"), or the program the fence names.
	Argv []string
	// Dialect is the shell grammar of the code, DialectNone when the
	// program is not a shell.
	Dialect Dialect
	// Script is true when the code is given to the program as a script
	// file (its path after Argv and ScriptArgs) rather than after -c:
	// python, perl, node, ruby… read `-c` as something else.
	Script     bool
	ScriptArgs []string
}

// Program is the base name of the program, "" when there is none.
func (in Interp) Program() string {
	if len(in.Argv) == 0 {
		return ""
	}
	return path.Base(in.Argv[0])
}

func (in Interp) String() string { return strings.Join(in.Argv, " ") }

// progInfo is what runbook knows about a program that runs code blocks.
type progInfo struct {
	dialect    Dialect
	script     bool     // reads its code from a script file
	scriptArgs []string // arguments before the script's path
}

// interpreterPrograms are the interpreters runbook knows how to hand code to. A
// program not listed gets the code after -c (the convention of shells and
// most interpreters) and is treated as not shell: placeholders in its code
// only take values of the safe set (docs/substitution.md).
var interpreterPrograms = map[string]progInfo{
	"bash": {dialect: DialectBash},
	"zsh":  {dialect: DialectZsh},
	"sh":   {dialect: DialectPOSIX}, "dash": {dialect: DialectPOSIX}, "ash": {dialect: DialectPOSIX},
	"posix": {dialect: DialectPOSIX}, "posh": {dialect: DialectPOSIX}, "yash": {dialect: DialectPOSIX},
	"rbash": {dialect: DialectBash},
	"ksh":   {dialect: DialectMksh}, "mksh": {dialect: DialectMksh},
	"python": {script: true}, "python2": {script: true}, "python3": {script: true},
	"perl": {script: true}, "ruby": {script: true}, "lua": {script: true}, "php": {script: true},
	"tclsh": {script: true}, "rscript": {script: true}, "pwsh": {script: true}, "julia": {script: true},
	// node resolves a script's path through symlinks unless told not to;
	// the script may be /dev/fd/N.
	"node": {script: true, scriptArgs: []string{"--preserve-symlinks-main"}},
	"awk":  {script: true, scriptArgs: []string{"-f"}}, "gawk": {script: true, scriptArgs: []string{"-f"}},
}

// interpreters maps a language made runnable with `run` to its command.
var interpreters = map[string]string{
	"python": "python3", "python3": "python3", "py": "python3",
	"js": "node", "javascript": "node", "node": "node",
	"ruby": "ruby", "rb": "ruby", "perl": "perl", "pl": "perl",
	"tcl": "tclsh", "r": "Rscript", "powershell": "pwsh", "ps1": "pwsh",
}

// genericShellLangs are the fence languages that mean "a shell" rather
// than a particular one: they run in bash, or in the front matter's
// `shell:`.
var genericShellLangs = map[string]bool{
	"sh": true, "shell": true, "console": true, "shell-session": true, "shellsession": true,
	"sh-session": true, "shell-script": true, "shellscript": true, "": true,
}

// ResolveInterp decides which program runs a block and in which grammar
// its code is read. kind, lang and attrs are the block's; docShell is the
// front matter's `shell:` ("" for none).
//
// The rule (docs/format.md, "Which shell runs a block"): `shell=` wins;
// bash and zsh fences run in bash and zsh; sh, shell and console fences
// mean "a shell" and run in bash, or in the front matter's shell, so that
// POSIX sh runs a block only when the doc asks for it. A `{run}` block of
// another language runs in its interpreter. Languages compare
// case-insensitively. SQL and manual steps have no interpreter.
func ResolveInterp(kind StepKind, lang string, attrs Attrs, docShell string) Interp {
	if kind != KindShell && kind != KindCheck {
		return Interp{}
	}
	l := strings.ToLower(lang)
	var argv []string
	switch {
	case strings.TrimSpace(attrs.Shell) != "":
		argv = strings.Fields(attrs.Shell)
	case l == "bash" || l == "zsh":
		argv = []string{l}
	case genericShellLangs[l] || kind == KindCheck:
		argv = []string{"bash"}
		if docShell != "" {
			argv = []string{docShell}
		}
	case attrs.Run:
		if p := interpreters[l]; p != "" {
			argv = []string{p}
		} else {
			argv = []string{l}
		}
	default:
		argv = []string{"bash"}
	}
	info := programInfo(argv)
	return Interp{Argv: argv, Dialect: info.dialect, Script: info.script, ScriptArgs: info.scriptArgs}
}

// programInfo looks the program of argv up, through `env` (a shell= of
// "/usr/bin/env bash"). Names compare case-insensitively (macOS file
// systems do) and without a version suffix (python3.12, perl5.36).
func programInfo(argv []string) progInfo {
	if len(argv) > 0 && strings.ToLower(path.Base(argv[0])) == "env" {
		argv = argv[1:]
		for len(argv) > 0 && (strings.HasPrefix(argv[0], "-") || strings.Contains(argv[0], "=")) {
			argv = argv[1:]
		}
	}
	if len(argv) == 0 {
		return progInfo{}
	}
	name := strings.ToLower(path.Base(argv[0]))
	if info, ok := interpreterPrograms[name]; ok {
		return info
	}
	return interpreterPrograms[strings.TrimRight(name, "0123456789.")]
}

// Interpreter is the step's interpreter: the one the parser decided, or
// for a step built by hand, the one its language and attributes give.
func (st *Step) Interpreter() Interp {
	if len(st.Shell.Argv) > 0 || st.Kind == KindSQL || st.Kind == KindManual {
		return st.Shell
	}
	return ResolveInterp(st.Kind, st.Lang, st.Attrs, "")
}

// DoneIfInterpreter runs the step's `done-if` check: a shell command,
// in the step's own shell when it has one, else in bash.
func (st *Step) DoneIfInterpreter() Interp {
	if in := st.Interpreter(); in.Dialect.IsShell() {
		return in
	}
	return Interp{Argv: []string{"bash"}, Dialect: DialectBash}
}

// knownShells are the values front matter `shell:` accepts.
var knownShells = []string{"bash", "sh", "zsh", "dash", "ash", "ksh", "mksh"}

// checkDocShell validates front matter `shell:`.
func checkDocShell(s string) error {
	for _, k := range knownShells {
		if s == k {
			return nil
		}
	}
	return fmt.Errorf("shell %q is not one of %s", s, strings.Join(knownShells, ", "))
}

// docShell is the front matter's `shell:`, "" when there is none.
func (p *parser) docShell() string {
	if fm := p.doc.FrontMatter; fm != nil {
		return fm.Shell
	}
	return ""
}
