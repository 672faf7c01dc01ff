package steps

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/runbook-sh/runbook/runbook"
)

// maxScriptDepth bounds the analysis of `sh -c` scripts nested in `sh -c`
// scripts; deeper ones are taken as code.
const maxScriptDepth = 4

// newAnalysis indexes a parsed script: parents, functions, aliases and the
// expansions of every variable.
func newAnalysis(f *syntax.File, variant syntax.LangVariant, tokPrefix string, depth int) *analysis {
	a := &analysis{
		variant: variant, tokPrefix: tokPrefix, file: f, depth: depth,
		parent: map[syntax.Node]syntax.Node{}, calls: map[*syntax.CallExpr]*callInfo{},
		funcs: map[string]bool{}, bodies: map[string][]*syntax.FuncDecl{}, aliases: map[string]bool{},
		scripts: map[*syntax.CallExpr]*facts{}, uses: map[string][]syntax.Node{},
		runs: map[string]string{}, stdins: map[syntax.Node]*facts{},
	}
	var stack []syntax.Node
	namerefs := map[string]string{} // declare -n REF=TARGET
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			a.parent[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *syntax.FuncDecl:
			a.funcs[n.Name.Value] = true
			a.bodies[n.Name.Value] = append(a.bodies[n.Name.Value], n)
		case *syntax.ParamExp:
			if n.Param != nil {
				a.uses[n.Param.Value] = append(a.uses[n.Param.Value], n)
			}
		case *syntax.Word:
			// a bare name in arithmetic ($(( x + 1 )), [[ x -eq 1 ]])
			// expands the variable, and evaluates its value again
			if name := arithName(n); name != "" {
				a.uses[name] = append(a.uses[name], n)
			}
		case *syntax.DeclClause:
			if evaluatingDecl(n) {
				for _, as := range n.Args {
					if as.Name != nil && as.Value != nil {
						namerefs[as.Name.Value] = as.Value.Lit()
					}
				}
			}
		case *syntax.CoprocClause:
			a.global = append(a.global, n.Stmt)
		case *syntax.Stmt:
			if call, ok := n.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 && call.Args[0].Lit() == "exec" {
				for _, rd := range n.Redirs {
					for _, p := range rd.Word.Parts {
						if ps, ok := p.(*syntax.ProcSubst); ok && ps.Op == syntax.CmdOut {
							for _, s := range ps.Stmts {
								a.global = append(a.global, s)
							}
						}
					}
				}
			}
		case *syntax.CallExpr:
			if len(n.Args) > 1 && n.Args[0].Lit() == "alias" {
				for _, w := range n.Args[1:] {
					if name, _, ok := strings.Cut(w.Lit(), "="); ok {
						a.aliases[name] = true
					}
				}
			}
		}
		return true
	})
	// a nameref expands its target: its uses are the target's
	for ref, target := range namerefs {
		if isName(target) {
			a.uses[target] = append(a.uses[target], a.uses[ref]...)
		}
	}
	return a
}

// arithName is the variable a word names when it is a bare name (or
// name[…]) as arithmetic reads it.
func arithName(w *syntax.Word) string {
	if len(w.Parts) != 1 {
		return ""
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(l.Value, "[")
	if !isName(name) {
		return ""
	}
	return name
}

// flow follows each value through the variables it is stored in: every
// expansion of such a variable is a place the value goes too, analysed
// like the placeholder itself (`X="<v>"; bash -c "$X"` is code).
// occ[i] are the facts of occurrence i; they are extended in place.
//
// Each variable's facts (all its expansions, and the variables those
// are stored in in turn) are computed once, to a fixpoint over the graph
// of variables, so that a step of thousands of assignments stays linear.
func (a *analysis) flow(occ []facts) {
	total := map[string]*facts{}  // a variable's facts, through the variables it flows into
	next := map[string][]string{} // variables its expansions are stored in
	var names []string
	var visit func(string)
	visit = func(name string) {
		if _, ok := total[name]; ok {
			return
		}
		f := &facts{}
		total[name] = f
		names = append(names, name)
		for _, u := range a.uses[name] {
			uf := a.placeUse(u, name)
			if uf == nil {
				continue
			}
			f.merge(uf)
			next[name] = append(next[name], uf.taints...)
			for _, t := range uf.taints {
				visit(t)
			}
		}
	}
	for i := range occ {
		for _, t := range occ[i].taints {
			visit(t)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, n := range names {
			for _, m := range next[n] {
				if total[n].merge(total[m]) {
					changed = true
				}
			}
		}
	}
	for i := range occ {
		for _, t := range occ[i].taints {
			occ[i].merge(total[t])
		}
	}
}

// placeUse is where an expansion of a variable holding a value puts it
// (nil for a bare word that only names the variable outside arithmetic).
func (a *analysis) placeUse(u syntax.Node, name string) *facts {
	if w, ok := u.(*syntax.Word); ok {
		f := a.place(w, false, name)
		if !f.arith {
			return nil // just the text "x", not an expansion
		}
		return &f
	}
	f := a.place(u, a.startsWord(u), name)
	if f.err != nil {
		f.err = nil // a name position of the expansion is the doc's own text
	}
	return &f
}

// startsWord reports whether an expansion is the first part of its word.
func (a *analysis) startsWord(n syntax.Node) bool {
	switch p := a.parent[n].(type) {
	case *syntax.Word:
		return len(p.Parts) > 0 && syntax.Node(p.Parts[0]) == n
	case *syntax.DblQuoted:
		return len(p.Parts) > 0 && syntax.Node(p.Parts[0]) == n
	}
	return false
}

// stdinOf adds to f what the program(s) reading the standard input of n
// do with it: read it as code (bash, mysql, ssh, xargs …) or store it in
// variables (read).
func (a *analysis) stdinOf(n syntax.Node, f *facts, depth int) {
	if depth > 8 {
		f.addCode("its standard input goes through too many functions to follow")
		return
	}
	switch n := n.(type) {
	case nil:
	case *syntax.Stmt:
		a.stdinOf(n.Cmd, f, depth+1)
	case *syntax.CallExpr:
		ci := a.resolveCall(n)
		if ci.stdin != "" {
			f.addCode(ci.stdin)
		}
		f.taints = append(f.taints, ci.reads...)
		for _, w := range ci.writes {
			a.fileRun(w, f)
		}
		if ci.function {
			for _, fd := range a.bodies[n.Args[0].Lit()] {
				a.stdinOf(fd.Body, f, depth+1)
			}
		}
	case *syntax.BinaryCmd:
		a.stdinOf(n.X, f, depth+1)
		if n.Op != syntax.Pipe && n.Op != syntax.PipeAll {
			a.stdinOf(n.Y, f, depth+1)
		}
	case *syntax.DeclClause, *syntax.LetClause, *syntax.TestClause, *syntax.ArithmCmd, *syntax.FuncDecl:
	default:
		// a compound command: any command in it may read the input
		syntax.Walk(n, func(m syntax.Node) bool {
			if call, ok := m.(*syntax.CallExpr); ok {
				a.stdinOf(call, f, depth+1)
			}
			return true
		})
	}
}

// sinkOf adds to f what the commands of a pipeline do with the output
// piped into them: every command of it may pass the text on to the next
// one or to a >(…) process, so all of them count.
func (a *analysis) sinkOf(st *syntax.Stmt, f *facts, depth int) {
	if st == nil {
		return
	}
	if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) {
		a.sinkOf(b.X, f, depth)
		a.sinkOf(b.Y, f, depth)
		return
	}
	a.stdinOf(st, f, depth)
	syntax.Walk(st, func(m syntax.Node) bool {
		if ps, ok := m.(*syntax.ProcSubst); ok && ps.Op == syntax.CmdOut {
			for _, s := range ps.Stmts {
				a.stdinOf(s, f, depth+1)
			}
		}
		return true
	})
}

// scriptFacts is what `sh -c SCRIPT NAME ARGS…` does with ARGS: the
// script is parsed and its uses of $1… analysed like any variable
// holding the value. A script that is not literal text is unknown: code.
func (a *analysis) scriptFacts(call *syntax.CallExpr, ci *callInfo) *facts {
	if f, ok := a.scripts[call]; ok {
		return f
	}
	f := &facts{}
	a.scripts[call] = f
	src, ok := a.literal(call.Args[ci.script])
	if !ok || a.depth >= maxScriptDepth {
		f.addCode("the script of " + ci.scriptShell + " -c is not literal text, so how it uses its arguments is unknown")
		return f
	}
	variant, ok := runbook.DialectOf(ci.scriptShell).Variant()
	if !ok {
		f.addCode("the script of " + ci.scriptShell + " -c is in a shell the analysis does not read")
		return f
	}
	file, err := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(src), "")
	if err != nil {
		f.addCode("the script of " + ci.scriptShell + " -c does not parse, so how it uses its arguments is unknown")
		return f
	}
	inner := newAnalysis(file, variant, a.tokPrefix, a.depth+1)
	occ := []facts{{taints: append([]string{"0"}, positionalNames...)}}
	inner.flow(occ)
	if occ[0].code != "" {
		occ[0].code = "the script of " + ci.scriptShell + " -c uses it: " + occ[0].code
	}
	f.merge(&occ[0])
	return f
}

// stdinFacts is what the readers of a statement's standard input do
// with it (stdinOf), once per statement.
func (a *analysis) stdinFacts(st *syntax.Stmt) *facts {
	if f, ok := a.stdins[st]; ok {
		return f
	}
	f := &facts{}
	a.stdins[st] = f
	a.stdinOf(st, f, 0)
	return f
}

// fileRun adds to f why a file the text is written to is run as code: a
// place the system runs files from (cron, profile.d, git hooks), or a file
// the script itself runs (`./x.sh`, `bash x.sh`, `source x.sh`,
// `bash < x.sh`). Paths compare as written, without a leading "./".
func (a *analysis) fileRun(target string, f *facts) {
	target = strings.TrimPrefix(target, "./")
	why, ok := a.runs[target]
	if !ok {
		why = a.findRun(target)
		a.runs[target] = why
	}
	f.addCode(why)
}

func (a *analysis) findRun(target string) string {
	if isCodeFile(target) {
		return "it is written to " + target + ", which is run as code"
	}
	why := ""
	syntax.Walk(a.file, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			ci := a.resolveCall(n)
			for j, w := range n.Args {
				lit, ok := a.literal(w)
				if ok && strings.TrimPrefix(lit, "./") == target && (ci.roles[j] == roleName || ci.files[j] || ci.roles[j] == roleCode) {
					why = "it is written to " + target + ", which the step runs as code"
				}
			}
		case *syntax.Stmt:
			for _, rd := range n.Redirs {
				if lit, ok := a.literal(rd.Word); ok && rd.Op == syntax.RdrIn && strings.TrimPrefix(lit, "./") == target && a.stdinFacts(n).code != "" {
					why = "it is written to " + target + ", which the step runs as code"
				}
			}
		}
		return why == ""
	})
	return why
}

// isOutput reports whether a redirection writes to its word.
func isOutput(op syntax.RedirOperator) bool {
	switch op {
	case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.RdrAll, syntax.AppAll, syntax.RdrInOut:
		return true
	}
	return false
}
