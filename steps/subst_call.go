package steps

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// argRole is what the program that receives a command word does with it.
type argRole int

const (
	roleData       argRole = iota // data for the program
	roleName                      // names the program to run
	roleCode                      // read as code: by a shell, an interpreter, a SQL client, a remote shell
	roleUnknown                   // the analysis cannot tell: treated as code
	rolePositional                // $0, $1… of `sh -c SCRIPT`: data unless the script reads them as code
)

// callInfo is what the analysis knows about one simple command's words.
type callInfo struct {
	roles  []argRole
	why    []string // per word: who reads it as code
	dashed []bool   // per word: a `--` precedes it among its program's arguments
	optEnd []bool   // per word: its program takes no options there (printf after its format)
	files  []bool   // per word: a file named there (<(…)) is read as code
	// stdin says why the command's standard input is read as code, ""
	// when it is data; reads are the variables `read` fills from it.
	stdin string
	reads []string
	// script is the index of the literal script of `sh -c SCRIPT`, whose
	// positional parameters are the words after it; scriptShell runs it.
	script      int
	scriptShell string
	// function: the command calls a function of the script (its
	// arguments become $1…).
	function bool
}

func (ci *callInfo) set(i int, r argRole, why string) {
	if i < len(ci.roles) && ci.roles[i] != roleCode {
		ci.roles[i], ci.why[i] = r, why
	}
}

// unknownFrom marks the words from i to end as unknown.
func (ci *callInfo) unknownFrom(i, end int, why string) {
	for ; i < end; i++ {
		ci.set(i, roleUnknown, why)
	}
	if ci.stdin == "" {
		ci.stdin = why
	}
}

// resolveCall works out, once per command, what each of its words is for
// the program that receives it, through wrappers (sudo, env, timeout,
// kubectl exec …) and subcommands (git config).
func (a *analysis) resolveCall(call *syntax.CallExpr) *callInfo {
	if ci, ok := a.calls[call]; ok {
		return ci
	}
	n := len(call.Args)
	ci := &callInfo{roles: make([]argRole, n), why: make([]string, n), dashed: make([]bool, n),
		optEnd: make([]bool, n), files: make([]bool, n), script: -1}
	a.calls[call] = ci
	a.resolveFrom(call.Args, 0, n, ci)
	// `--` ends the options of the program it follows: the words after it
	// up to the next program name are operands.
	dashed := false
	for j, w := range call.Args {
		if ci.roles[j] == roleName {
			dashed = false
			continue
		}
		ci.dashed[j] = dashed
		if a.isLiteral(w, "--") {
			dashed = true
		}
	}
	return ci
}

// resolveFrom resolves args[i:end] as one command line, name first.
func (a *analysis) resolveFrom(args []*syntax.Word, i, end int, ci *callInfo) {
	for i < end {
		ci.set(i, roleName, "names the program to run")
		name, ok := a.literal(args[i])
		if !ok {
			ci.unknownFrom(i+1, end, "the program's name is not a literal word, so what reads its arguments is unknown")
			return
		}
		if a.aliases[name] {
			ci.unknownFrom(i+1, end, "the command is an alias")
			return
		}
		if a.funcs[name] {
			ci.function = true
		}
		prog, spec := lookupProgram(name)
		if spec == nil {
			i = a.sniff(args, i, end)
			if i < 0 {
				return
			}
			continue
		}
		if spec.stdin && ci.stdin == "" {
			ci.stdin = prog + " reads its standard input as code"
		}
		if prog == "read" || prog == "mapfile" || prog == "readarray" {
			ci.reads = append(ci.reads, a.readTargets(prog, args[i+1:end])...)
		}
		if i = a.applySpec(prog, spec, args, i, end, ci); i < 0 {
			return
		}
	}
}

// sniff handles a program the table does not know: its arguments are
// data, unless one of them names a program that reads code or runs
// commands (sudo, bash, mysql …), in which case the program is taken to
// be a wrapper running it (proxychains bash -c …): the index of that word,
// or -1.
func (a *analysis) sniff(args []*syntax.Word, at, end int) int {
	for j := at + 1; j < end; j++ {
		if lit, ok := a.literal(args[j]); ok {
			if _, sp := lookupProgram(lit); sp != nil && (sp.stdin || sp.wrap || sp.allCode) {
				return j
			}
		}
	}
	return -1
}

// specScan is the state of applySpec's walk over one program's words.
type specScan struct {
	prog     string
	sp       *progSpec
	operands int
	dashed   bool // a `--` ended the options
	codeSeen bool
	shellRun bool // sudo -s: a shell runs the command line
}

// applySpec marks the words after the program at args[at] according to
// its spec, and returns the index where the command it runs starts, or -1.
func (a *analysis) applySpec(prog string, sp *progSpec, args []*syntax.Word, at, end int, ci *callInfo) int {
	if sp.allCode {
		for j := at + 1; j < end; j++ {
			ci.set(j, roleCode, prog+" reads its arguments as code")
			ci.files[j] = true
		}
		return -1
	}
	s := &specScan{prog: prog, sp: sp}
	for j := at + 1; j < end; j++ {
		lit, isLit := a.literal(args[j])
		pre := lit
		if !isLit {
			pre = a.prefix(args[j])
		}
		if sp.findExec && isLit && (lit == "-exec" || lit == "-execdir" || lit == "-ok" || lit == "-okdir") {
			k := j + 1
			for k < end && !a.isLiteral(args[k], ";") && !a.isLiteral(args[k], "+") {
				k++
			}
			a.resolveFrom(args, j+1, k, ci)
			j = k
			continue
		}
		if !s.dashed && strings.HasPrefix(pre, "-") && (len(pre) > 1 || !isLit) {
			next, stop := a.option(s, pre, isLit, args, j, end, ci)
			if stop {
				return next
			}
			j = next
			continue
		}
		if !isLit && sp.strict && s.operands < sp.skip+1 && (sp.wrap || sp.sub != nil) {
			// `sudo $FLAGS cmd`: an unreadable word may be an option
			// taking the next word, or the command itself.
			if a.hasExpansion(args[j]) {
				ci.unknownFrom(j, end, "a word of "+prog+" cannot be read, so which command it runs is unknown")
				return -1
			}
		}
		if next, stop := a.operand(s, pre, isLit, args, j, end, ci); stop {
			return next
		}
	}
	return -1
}

// option handles an option word of the program being scanned; lit is
// the word's literal text, or only its literal start when whole is false
// (`-e"…<x>…"`). It returns the index of the last word it used, or (with
// stop) applySpec's result.
func (a *analysis) option(s *specScan, lit string, whole bool, args []*syntax.Word, j, end int, ci *callInfo) (int, bool) {
	sp := s.sp
	if !whole && (lit == "-" || lit == "--") {
		// `-<x>`: the option letters come from the value.
		ci.set(j, roleUnknown, s.prog+" takes the value as options")
		ci.set(j+1, roleUnknown, s.prog+" may take the next word as an option's value")
		return j + 1, false
	}
	if lit == "--" {
		s.dashed = true
		if sp.dashWrap && j+1 < end {
			return j + 1, true
		}
		if sp.dashCode {
			for k := j + 1; k < end; k++ {
				ci.set(k, roleCode, s.prog+" runs the words after -- as a command line")
			}
			return -1, true
		}
		return j, false
	}
	if strings.HasPrefix(lit, "--") {
		name, _, attached := strings.Cut(lit, "=")
		switch {
		case slices.Contains(sp.codeLong, name):
			s.codeSeen = true
			if attached {
				ci.set(j, roleCode, s.prog+" "+name+" reads its value as code")
				return j, false
			}
			ci.set(j+1, roleCode, s.prog+" "+name+" reads its value as code")
			return j + 1, false
		case arity(sp.valLong, name) > 0:
			if attached {
				return j + arity(sp.valLong, name) - 1, false
			}
			return j + arity(sp.valLong, name), false
		case slices.Contains(sp.flagLong, name), slices.Contains(sp.flagLong, lit):
			if strings.IndexByte(sp.shellOpts, 's') >= 0 && (name == "--shell" || name == "--login") {
				s.shellRun = true
			}
			return j, false
		case sp.strict:
			ci.unknownFrom(j, end, s.prog+" has an option the analysis does not know ("+name+"), so which words it runs is unknown")
			return -1, true
		}
		return j, false
	}
	if sp.wrap && isNumber(lit[1:]) {
		return j, false // nice -10
	}
	for m := 1; m < len(lit); m++ {
		c := lit[m]
		last := m == len(lit)-1
		switch {
		case strings.IndexByte(sp.shellOpts, c) >= 0:
			s.shellRun = true
		case strings.IndexByte(sp.codeOpts, c) >= 0:
			// -e CODE, -eCODE, and in a cluster (-Ne, -pe, -wle): the
			// rest of the word and the next word may both be code.
			s.codeSeen = true
			why := s.prog + " -" + string(c) + " reads its value as code"
			if !last {
				ci.set(j, roleCode, why)
			}
			ci.set(j+1, roleCode, why)
			if last || strings.IndexByte(sp.codeOpts+sp.flags, lit[m+1]) >= 0 {
				return j + 1, false
			}
			return j, false
		case strings.IndexByte(sp.valOpts, c) >= 0:
			if last {
				return j + 1, false
			}
			return j, false
		case strings.IndexByte(sp.flags, c) >= 0:
		case sp.strict:
			ci.unknownFrom(j, end, s.prog+" has an option the analysis does not know (-"+string(c)+"), so which words it runs is unknown")
			return -1, true
		}
	}
	if !whole {
		// -N<x>: more option letters come from the value.
		ci.set(j, roleUnknown, s.prog+" takes the value as options")
		ci.set(j+1, roleUnknown, s.prog+" may take the next word as an option's value")
		return j + 1, false
	}
	return j, false
}

// operand handles a word that is not an option. With stop it returns
// applySpec's result.
func (a *analysis) operand(s *specScan, lit string, isLit bool, args []*syntax.Word, j, end int, ci *callInfo) (int, bool) {
	sp := s.sp
	if sp.assigns && isLit && isAssignWord(lit) {
		if name, _, _ := strings.Cut(lit, "="); isDangerousEnv(name) {
			ci.set(j, roleCode, s.prog+" puts it in $"+name+", which programs run as code")
		}
		return 0, false
	}
	if sp.assigns && !isLit && a.tokenBeforeEquals(args[j]) {
		ci.set(j, roleCode, s.prog+" takes it as the name of an environment variable")
		return 0, false
	}
	if sp.assigns && !isLit && strings.Contains(lit, "=") && isAssignWord(lit) {
		if name, _, _ := strings.Cut(lit, "="); isDangerousEnv(name) {
			ci.set(j, roleCode, s.prog+" puts it in $"+name+", which programs run as code")
		}
		return 0, false
	}
	s.operands++
	ci.files[j] = sp.files
	switch {
	case sp.firstCode && s.operands == 1 && !s.codeSeen:
		ci.set(j, roleCode, s.prog+" reads its first operand as code")
	case sp.wrap && s.operands > sp.skip:
		if s.shellRun {
			for k := j; k < end; k++ {
				ci.set(k, roleCode, s.prog+" runs the command line through a shell")
			}
			return -1, true
		}
		return j, true
	case sp.dashWrap && s.operands > 1:
		ci.unknownFrom(j, end, s.prog+" runs a command given without --")
		return -1, true
	case sp.sub != nil && s.operands == 1:
		sub, ok := sp.sub[lit]
		if !isLit {
			ci.unknownFrom(j, end, "the subcommand of "+s.prog+" is not a literal word")
			return -1, true
		}
		if !ok {
			return -1, true
		}
		return a.applySpec(s.prog+" "+lit, sub, args, j, end, ci), true
	}
	if sp.optsFirst {
		for k := j + 1; k < end; k++ {
			ci.optEnd[k] = true
		}
	}
	if sp == shellSpec && s.codeSeen {
		// sh -c SCRIPT NAME ARGS…: the words after the script are its
		// $0, $1…
		if ci.script < 0 {
			ci.script, ci.scriptShell = a.scriptIndex(ci, j), s.prog
		}
		if ci.script >= 0 && j > ci.script {
			ci.set(j, rolePositional, "")
		}
	}
	return 0, false
}

// scriptIndex finds the script word of `sh -c SCRIPT`: the word marked as
// code right before the operands.
func (a *analysis) scriptIndex(ci *callInfo, j int) int {
	for k := j; k >= 0; k-- {
		if ci.roles[k] == roleCode {
			return k
		}
	}
	return -1
}

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

func isName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// readTargets are the variables read/mapfile/readarray fill.
func (a *analysis) readTargets(prog string, args []*syntax.Word) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		lit, ok := a.literal(args[i])
		switch {
		case !ok:
		case lit == "-a" || lit == "-A":
			if i+1 < len(args) {
				if n, ok := a.literal(args[i+1]); ok {
					out = append(out, n)
				}
				i++
			}
		case strings.HasPrefix(lit, "-"):
			if strings.ContainsAny(lit[len(lit)-1:], "dinNptuCcOs") && len(lit) == 2 {
				i++ // an option with a value
			}
		case isName(lit):
			out = append(out, lit)
		}
	}
	if len(out) == 0 {
		out = []string{"REPLY", "MAPFILE"}
	}
	return out
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
