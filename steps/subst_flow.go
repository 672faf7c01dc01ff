package steps

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
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
	}
	var stack []syntax.Node
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
func (a *analysis) flow(occ []facts) {
	sources := map[string][]int{} // variable → occurrences whose value it holds
	var queue []string
	add := func(name string, i int) {
		for _, s := range sources[name] {
			if s == i {
				return
			}
		}
		sources[name] = append(sources[name], i)
		queue = append(queue, name)
	}
	for i := range occ {
		for _, t := range occ[i].taints {
			add(t, i)
		}
	}
	memo := map[syntax.Node]*facts{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, u := range a.uses[name] {
			uf, ok := memo[u]
			if !ok {
				uf = a.placeUse(u, name)
				memo[u] = uf
			}
			if uf == nil {
				continue
			}
			for _, i := range sources[name] {
				occ[i].merge(uf)
				for _, t := range uf.taints {
					add(t, i)
				}
			}
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
		f.code = append(f.code, "its standard input goes through too many functions to follow")
		return
	}
	switch n := n.(type) {
	case nil:
	case *syntax.Stmt:
		a.stdinOf(n.Cmd, f, depth+1)
	case *syntax.CallExpr:
		ci := a.resolveCall(n)
		if ci.stdin != "" {
			f.code = append(f.code, ci.stdin)
		}
		f.taints = append(f.taints, ci.reads...)
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
		f.code = append(f.code, "the script of "+ci.scriptShell+" -c is not literal text, so how it uses its arguments is unknown")
		return f
	}
	variant := variantOf(ci.scriptShell)
	file, err := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(src), "")
	if err != nil {
		f.code = append(f.code, "the script of "+ci.scriptShell+" -c does not parse, so how it uses its arguments is unknown")
		return f
	}
	inner := newAnalysis(file, variant, a.tokPrefix, a.depth+1)
	occ := []facts{{taints: append([]string{"0"}, positionalNames...)}}
	inner.flow(occ)
	for i, why := range occ[0].code {
		occ[0].code[i] = "the script of " + ci.scriptShell + " -c uses it: " + why
	}
	f.merge(&occ[0])
	return f
}

// variantOf is the grammar of a shell named by a command word.
func variantOf(shell string) syntax.LangVariant {
	switch shell {
	case "sh", "dash", "ash", "posh", "yash":
		return syntax.LangPOSIX
	case "zsh":
		return syntax.LangZsh
	case "ksh", "mksh":
		return syntax.LangMirBSDKorn
	}
	return syntax.LangBash
}
