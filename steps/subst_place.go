package steps

import (
	"fmt"

	"mvdan.cc/sh/v3/syntax"
)

// analysis is the context analysis of one step's shell code, with each
// placeholder replaced by a unique token (tokenize).
type analysis struct {
	variant   syntax.LangVariant
	tokPrefix string
	file      *syntax.File
	parent    map[syntax.Node]syntax.Node
	calls     map[*syntax.CallExpr]*callInfo
	funcs     map[string]bool               // functions the script defines
	bodies    map[string][]*syntax.FuncDecl // … and their bodies
	aliases   map[string]bool
	scripts   map[*syntax.CallExpr]*facts // what `sh -c SCRIPT` does with $1…
	uses      map[string][]syntax.Node    // where each variable is expanded
	depth     int                         // nesting of `sh -c` scripts analysed
	// global are processes that may read what any command prints:
	// `exec > >(bash)` sends the rest of the script's output there, and
	// a coprocess reads what is written to its descriptor.
	global []syntax.Node
	// runs memoizes fileRun; stdins memoizes the readers of a
	// statement's standard input.
	runs   map[string]string
	stdins map[syntax.Node]*facts
}

// facts are what the analysis learnt about one place a value ends up.
type facts struct {
	quote shellContext // how the value is escaped where it is written
	// code says why the text may be read as code there (by a shell, an
	// interpreter, a SQL client…; the first reason found): empty when the
	// analysis proves it is data for the program that receives it.
	code  string
	arith bool // evaluated as arithmetic: an integer only
	// option: the value starts a command argument where a leading '-'
	// makes it an option (no `--` before it, and the program still
	// takes options there).
	option bool
	// taints are the variables the value is stored in: wherever they are
	// expanded, the value goes too.
	taints  []string
	err     error            // nothing can go there (a variable name, a heredoc delimiter)
	heredoc *syntax.Redirect // the heredoc the value is in
}

func (f *facts) addCode(why string) {
	if f.code == "" {
		f.code = why
	}
}

// merge adds what happens to the text at another place; it reports
// whether f changed.
func (f *facts) merge(o *facts) bool {
	changed := f.code == "" && o.code != "" || !f.arith && o.arith || !f.option && o.option || f.err == nil && o.err != nil
	f.addCode(o.code)
	f.arith = f.arith || o.arith
	f.option = f.option || o.option
	if f.err == nil {
		f.err = o.err
	}
	return changed
}

// stdin adds what the readers of the standard input the text goes to do.
func (c *climb) stdin(f *facts) {
	c.f.merge(f)
	c.f.taints = append(c.f.taints, f.taints...)
}

// climb is the state of place's walk from a node to the root.
type climb struct {
	f       facts
	quoted  bool // the quoting context is decided
	viaFile bool // the text is the content of <(…), read as a file
	atStart bool // the text starts the word it is in
	use     string
	// expanded: the text reaches the current word through an expansion
	// ($X, $(…)), which is split into words and globbed unless dq (in
	// double quotes at the current level).
	expanded, dq bool
}

// place walks from the node holding a value (a token's Lit, SglQuoted
// or Comment; or the expansion of a variable holding it, when use names
// that variable) up to the root, and collects what happens to the text.
// The quoting context is decided by the innermost quote up to the nearest
// command substitution; every ancestor further out can still make the
// text code (a command substitution inside `bash -c "…"`), arithmetic, or
// an option. A construct the analysis does not know makes the text code:
// it fails closed.
func (a *analysis) place(n syntax.Node, atStart bool, use string) facts {
	c := &climb{atStart: atStart, use: use, expanded: use != ""}
	switch n := n.(type) {
	case *syntax.Comment:
		c.f.quote = ctxComment
		return c.f
	case *syntax.SglQuoted:
		c.f.quote, c.quoted, c.dq = ctxSingle, true, true
		if n.Dollar {
			c.f.quote = ctxANSI
		}
	case *syntax.ParamExp:
		if n.Excl || isPromptExp(n) {
			c.f.addCode("$" + use + " is expanded again as a name or a prompt")
		}
	}
	for _, g := range a.global {
		a.stdinOf(g, &c.f, 0)
	}
	child := n
	for p := a.parent[n]; p != nil; child, p = p, a.parent[p] {
		if done := a.climbWord(c, p, child); done {
			return c.f
		}
		if done := a.climbCommand(c, p, child); done {
			return c.f
		}
	}
	return c.f
}

// climbWord handles the ancestors inside a word: quotes, expansions,
// arithmetic, assignments. It reports whether the walk is over.
func (a *analysis) climbWord(c *climb, p, child syntax.Node) bool {
	switch p := p.(type) {
	case *syntax.Word:
		if c.atStart {
			c.atStart = startsWith(p.Parts, child, a.tokPrefix)
		}
		if c.expanded && !c.dq && splitsWords(a.parent[p]) {
			c.f.addCode("an unquoted expansion holding it is split into words and globbed")
		}
	case *syntax.DblQuoted:
		if c.atStart {
			c.atStart = startsWith(p.Parts, child, a.tokPrefix)
		}
		if !c.quoted {
			c.f.quote, c.quoted = ctxDouble, true
		}
		c.dq = true
	case *syntax.CmdSubst:
		if p.Backquotes {
			// `…` strips a level of backslashes and ends at the first
			// backquote, whatever the quoting inside: no escaping holds.
			c.f.addCode("backquotes read the text again as code")
		}
		c.quoted, c.expanded, c.dq = true, true, false
	case *syntax.ProcSubst:
		c.quoted, c.atStart, c.expanded, c.dq = true, false, false, false
		c.viaFile = p.Op == syntax.CmdIn
	case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop,
		*syntax.BinaryArithm, *syntax.UnaryArithm, *syntax.ParenArithm, *syntax.FlagsArithm:
		c.f.arith = true
		return true
	case *syntax.ParamExp:
		return a.climbParam(c, p, child)
	case *syntax.Assign:
		return a.climbAssign(c, p, child)
	case *syntax.ArrayElem:
		if w, ok := child.(*syntax.Word); ok && isArith(p.Index, w) {
			c.f.arith = true
			return true
		}
	case *syntax.ExtGlob:
		c.f.addCode("it sits in an extended glob pattern")
	}
	return false
}

func (a *analysis) climbParam(c *climb, p *syntax.ParamExp, child syntax.Node) bool {
	if child == p.Param || child == p.Flags {
		c.f.err = fmt.Errorf("is part of a variable name; use a separate word")
		return true
	}
	if w, ok := child.(*syntax.Word); ok && (isArith(p.Index, w) || p.Slice != nil && (isArith(p.Slice.Offset, w) || isArith(p.Slice.Length, w))) {
		c.f.arith = true
		return true
	}
	if !c.quoted {
		c.f.quote, c.quoted = ctxInBrace, true
	}
	c.expanded, c.dq = true, false
	return false
}

func (a *analysis) climbAssign(c *climb, p *syntax.Assign, child syntax.Node) bool {
	if child == p.Name {
		c.f.err = fmt.Errorf("is used as a variable name")
		return true
	}
	if w, ok := child.(*syntax.Word); ok && isArith(p.Index, w) {
		c.f.arith = true
		return true
	}
	if p.Name != nil && !p.Naked {
		c.f.taints = append(c.f.taints, p.Name.Value)
		if isDangerousEnv(p.Name.Value) {
			c.f.addCode("it is stored in $" + p.Name.Value + ", which programs run as code")
		}
	}
	c.atStart = false
	return false
}

// climbCommand handles the ancestors from a word outwards: commands,
// redirections, pipes, tests, declarations and the statements around
// them. It reports whether the walk is over.
func (a *analysis) climbCommand(c *climb, p, child syntax.Node) bool {
	switch p := p.(type) {
	case *syntax.CallExpr:
		a.climbCall(c, p, child)
	case *syntax.Redirect:
		return a.climbRedirect(c, p, child)
	case *syntax.BinaryCmd:
		if (p.Op == syntax.Pipe || p.Op == syntax.PipeAll) && child == p.X {
			a.sinkOf(p.Y, &c.f, 0)
		}
	case *syntax.FuncDecl:
		if child == p.Name {
			c.f.err = fmt.Errorf("is used as a function name")
			return true
		}
	case *syntax.WordIter:
		if child == p.Name {
			c.f.err = fmt.Errorf("is used as a loop variable name")
			return true
		}
		c.f.taints = append(c.f.taints, p.Name.Value)
	case *syntax.TestClause:
		if !c.quoted {
			// A plain value such as -n or ! would become an operator.
			c.f.quote, c.quoted = ctxTest, true
		}
	case *syntax.BinaryTest:
		switch p.Op {
		case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
			c.f.arith = true // [[ a -eq b ]] evaluates both sides as arithmetic
			return true
		}
	case *syntax.UnaryTest:
		if p.Op == syntax.TsVarSet || p.Op == syntax.TsRefVar {
			c.f.arith = true // [[ -v name[subscript] ]] evaluates the subscript
			return true
		}
	case *syntax.DeclClause:
		// export/declare/local/readonly NAME="<x>" is an ordinary word;
		// but a bare argument is parsed as NAME[=value] (its subscript
		// evaluated), and with -i, -n, -a or -A the value is evaluated as
		// arithmetic, a name or an array.
		if as, ok := child.(*syntax.Assign); !ok || as.Naked || as.Name == nil || evaluatingDecl(p) {
			c.f.addCode(p.Variant.Value + " takes it as a variable name or evaluates it")
		}
	case *syntax.Stmt:
		a.climbStmt(c, p, child)
	case *syntax.Word, *syntax.DblQuoted, *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ParamExp, *syntax.Assign,
		*syntax.ArrayElem, *syntax.ArrayExpr, *syntax.ExtGlob, *syntax.File, *syntax.Block,
		*syntax.Subshell, *syntax.IfClause, *syntax.WhileClause, *syntax.ForClause, *syntax.CaseClause,
		*syntax.CaseItem, *syntax.TimeClause, *syntax.CoprocClause, *syntax.ParenTest, *syntax.Lit,
		*syntax.SglQuoted:
		// structure, or handled by climbWord
	default:
		c.f.addCode(fmt.Sprintf("it sits in a construct the analysis does not know (%T)", p))
	}
	return false
}

// climbCall applies what the command does with the word the text is in.
func (a *analysis) climbCall(c *climb, call *syntax.CallExpr, child syntax.Node) {
	w, ok := child.(*syntax.Word)
	if !ok {
		return // a prefix assignment: climbAssign saw it
	}
	i := indexOf(call.Args, w)
	if i < 0 {
		return
	}
	ci := a.resolveCall(call)
	switch ci.roles[i] {
	case roleName:
		c.f.addCode("it names the program to run")
	case roleCode, roleUnknown:
		c.f.addCode(ci.why[i])
	case rolePositional:
		if sf := a.scriptFacts(call, ci); sf != nil {
			c.f.merge(sf)
		}
	}
	if c.viaFile && ci.files[i] {
		c.f.addCode("the program reads the file <(…) as code")
	}
	if ci.function || a.isLiteral(call.Args[0], "set") {
		c.f.taints = append(c.f.taints, positionalNames...)
	}
	c.f.taints = append(c.f.taints, ci.stores...)
	if c.atStart && ci.roles[i] != roleName && !ci.dashed[i] && !ci.optEnd[i] {
		c.f.option = true
	}
	c.viaFile = false
}

// climbStmt follows what a statement prints: to a file that is run later,
// or to a process (`> >(bash)`).
func (a *analysis) climbStmt(c *climb, st *syntax.Stmt, child syntax.Node) {
	for _, rd := range st.Redirs {
		if rd == child || !isOutput(rd.Op) || rd.Word == nil {
			continue
		}
		if lit, ok := a.literal(rd.Word); ok {
			a.fileRun(lit, &c.f)
		}
		for _, p := range rd.Word.Parts {
			if ps, ok := p.(*syntax.ProcSubst); ok {
				for _, s := range ps.Stmts {
					c.stdin(a.stdinFacts(s))
				}
			}
		}
	}
}

func (a *analysis) climbRedirect(c *climb, p *syntax.Redirect, child syntax.Node) bool {
	st, _ := a.parent[p].(*syntax.Stmt)
	if st == nil {
		c.f.addCode("it sits in a redirection the analysis cannot place")
		return false
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(call.Args) == 1 && a.isLiteral(call.Args[0], "exec") && (p.Op == syntax.WordHdoc || child == p.Hdoc) {
		// `exec 3<<< "<x>"` leaves the text on a descriptor any later
		// command may read.
		c.f.addCode("exec leaves it on a file descriptor that later commands may read")
	}
	switch {
	case child == p.N:
		c.f.err = fmt.Errorf("is used as a file descriptor variable")
		return true
	case child == p.Hdoc:
		if !c.quoted {
			c.f.quote = ctxHeredoc
			if isQuotedDelim(p.Word) {
				c.f.quote = ctxQuotedHeredoc
			}
			c.quoted = true
		}
		c.f.heredoc = p
		c.stdin(a.stdinFacts(st)) // a heredoc is the standard input of its command
	case (p.Op == syntax.Hdoc || p.Op == syntax.DashHdoc) && child == p.Word:
		c.f.err = fmt.Errorf("is part of a heredoc delimiter")
		return true
	case p.Op == syntax.WordHdoc || (p.Op == syntax.RdrIn && c.viaFile):
		c.stdin(a.stdinFacts(st)) // <<< "…" and < <(…) are standard input
	}
	c.atStart, c.viaFile = false, false
	return false
}

// positionalNames are the parameters a function call or `set --` fills.
var positionalNames = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "@", "*"}

// splitsWords reports whether an unquoted expansion in a word under p is
// split into words and globbed.
func splitsWords(p syntax.Node) bool {
	switch p.(type) {
	case *syntax.CallExpr, *syntax.WordIter, *syntax.ArrayElem, *syntax.Redirect:
		return true
	}
	return false
}

// startsWith reports whether child is the first of parts, or comes only
// after parts that may be empty (other placeholders, empty quotes).
func startsWith(parts []syntax.WordPart, child syntax.Node, tokPrefix string) bool {
	for _, p := range parts {
		if syntax.Node(p) == child {
			return true
		}
		switch p := p.(type) {
		case *syntax.Lit:
			if !onlyTokens(p.Value, tokPrefix) {
				return false
			}
		case *syntax.SglQuoted:
			if !onlyTokens(p.Value, tokPrefix) {
				return false
			}
		case *syntax.DblQuoted:
			if len(p.Parts) > 0 {
				if l, ok := p.Parts[0].(*syntax.Lit); !ok || !onlyTokens(l.Value, tokPrefix) {
					return false
				}
			}
		default:
			return false
		}
	}
	return false
}

// onlyTokens reports whether s is made only of placeholder tokens (each
// possibly empty once substituted).
func onlyTokens(s, tokPrefix string) bool {
	for s != "" {
		if len(s) < len(tokPrefix) || s[:len(tokPrefix)] != tokPrefix {
			return false
		}
		s = s[len(tokPrefix):]
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i >= len(s) || s[i] != 'Q' {
			return false
		}
		s = s[i+1:]
	}
	return true
}

// isPromptExp reports ${x@P}, which expands prompt escapes and runs the
// command substitutions in the value.
func isPromptExp(p *syntax.ParamExp) bool {
	return p.Exp != nil && p.Exp.Op == syntax.OtherParamOps && p.Exp.Word != nil && p.Exp.Word.Lit() == "P"
}

func indexOf(ws []*syntax.Word, w *syntax.Word) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}
