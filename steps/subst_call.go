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
	stdin  string
	reads  []string
	writes []string // files tee writes its standard input to
	stores []string // variables its arguments are stored in (printf -v)
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
			names, ok := a.readTargets(args[i+1 : end])
			if !ok && ci.stdin == "" {
				ci.stdin = prog + " fills a variable whose name is not literal"
			}
			ci.reads = append(ci.reads, names...)
		}
		if prog == "printf" {
			// printf -v NAME stores what it prints in NAME
			for k := i + 1; k+1 < end; k++ {
				if a.isLiteral(args[k], "-v") {
					if name, ok := a.literal(args[k+1]); ok {
						ci.stores = append(ci.stores, name)
					}
				}
			}
		}
		if prog == "tee" {
			for _, w := range args[i+1 : end] {
				if lit, ok := a.literal(w); ok && !strings.HasPrefix(lit, "-") {
					ci.writes = append(ci.writes, lit)
				}
			}
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
	entry    bool // docker run --entrypoint: another program runs the command words
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
		if sp.wrap && sp.skip > 0 && s.operands == sp.skip && !a.isCodeOption(sp, pre) {
			// `docker run IMAGE -c …`: after the image every word is the
			// container's command, options or not.
			if next, stop := a.wrapped(s, args, j, end, ci); stop {
				return next
			}
		}
		if !s.dashed && strings.HasPrefix(pre, "-") && (len(pre) > 1 || !isLit) {
			next, stop := a.option(s, pre, isLit, args, j, end, ci)
			if stop {
				return next
			}
			j = next
			continue
		}
		if !s.dashed && !isLit && pre == "" && a.hasExpansion(args[j]) && (sp.codeOpts != "" || len(sp.codeLong) > 0) && !(sp.optsFirst && s.operands > 0) {
			// `mysql $OPTS "<x>"`: the expansion may be -e, which makes
			// the next word code.
			ci.set(j, roleUnknown, "an expansion before it may be an option of "+prog+" that reads code")
			ci.set(j+1, roleUnknown, "an expansion before it may be an option of "+prog+" that reads code")
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
		return a.longOption(s, lit, j, end, ci)
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

// longOption handles a --name or --name=value option of the program
// being scanned, as option does.
func (a *analysis) longOption(s *specScan, lit string, j, end int, ci *callInfo) (int, bool) {
	sp := s.sp
	name, _, attached := strings.Cut(lit, "=")
	switch {
	case slices.Contains(sp.codeLong, name):
		s.codeSeen = true
		s.entry = s.entry || name == "--entrypoint"
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
		return a.wrapped(s, args, j, end, ci)
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

// wrapped handles the command a wrapper runs, starting at args[j]: its
// index for resolveFrom, or every word code when a shell runs the command
// line (sudo -s) or another program runs it (docker run --entrypoint).
func (a *analysis) wrapped(s *specScan, args []*syntax.Word, j, end int, ci *callInfo) (int, bool) {
	switch {
	case s.shellRun:
		for k := j; k < end; k++ {
			ci.set(k, roleCode, s.prog+" runs the command line through a shell")
		}
		return -1, true
	case s.entry:
		ci.unknownFrom(j, end, s.prog+" hands these words to the program of --entrypoint")
		return -1, true
	}
	return j, true
}

// isCodeOption reports whether an option word is one of sp's code options
// (flock FILE -c CMD).
func (a *analysis) isCodeOption(sp *progSpec, w string) bool {
	if strings.HasPrefix(w, "--") {
		name, _, _ := strings.Cut(w, "=")
		return slices.Contains(sp.codeLong, name)
	}
	return len(w) == 2 && w[0] == '-' && strings.IndexByte(sp.codeOpts, w[1]) >= 0
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
