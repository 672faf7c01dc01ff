package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Most runbook steps only run programs (`kubectl apply -f app.yaml`):
// they cannot change what the session carries, and listing the shell's
// state before and after them would cost every such step a share of its
// start-up for nothing. mayChangeState reads the step's code and says
// whether it might: it errs towards yes (capture) whenever it is unsure.

// stateBuiltins are the commands that change variables, functions or the
// directory of the shell that runs them.
var stateBuiltins = setOf("cd", "pushd", "popd", "unset", "read", "mapfile", "readarray", "source", ".",
	"eval", "getopts", "let", "builtin", "command", "exec", "export", "declare", "typeset", "local",
	"readonly", "enable")

// mayChangeState reports whether code (in dialect d) may set, change or
// unset a variable or a function, or change directory: any assignment,
// declaration, function definition, for loop, arithmetic or ${x:=…}
// assignment, a call of a builtin that does (cd, read, source, eval …),
// of a function of the session (funcs), of a command whose name is not
// literal, or code that does not parse. zsh steps are always captured
// (its grammar is only partly known here).
func mayChangeState(d runbook.Dialect, code string, funcs []journal.ShellFunc) bool {
	if d != runbook.DialectBash && d != runbook.DialectPOSIX {
		return true
	}
	lang, _ := d.Variant()
	f, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(code), "")
	if err != nil {
		return true
	}
	defined := map[string]bool{}
	for _, fn := range funcs {
		defined[fn.Name] = true
	}
	may := false
	syntax.Walk(f, func(n syntax.Node) bool {
		if may {
			return false
		}
		switch x := n.(type) {
		case *syntax.Assign, *syntax.DeclClause, *syntax.FuncDecl, *syntax.ForClause, *syntax.CoprocClause,
			*syntax.LetClause:
			may = true
		case *syntax.UnaryArithm:
			may = x.Op == syntax.Inc || x.Op == syntax.Dec
		case *syntax.BinaryArithm:
			s := x.Op.String()
			may = strings.HasSuffix(s, "=") && s != "==" && s != "!=" && s != "<=" && s != ">="
		case *syntax.ParamExp:
			may = x.Exp != nil && strings.HasSuffix(x.Exp.Op.String(), "=")
		case *syntax.CallExpr:
			may = callMayChange(x, defined)
		}
		return !may
	})
	return may
}

// callMayChange reports whether a simple command may change the shell's
// state.
func callMayChange(c *syntax.CallExpr, funcs map[string]bool) bool {
	if len(c.Args) == 0 {
		return len(c.Assigns) > 0
	}
	name, ok := runbook.LiteralWord(c.Args[0])
	if !ok {
		return true // a name that is not literal text could be anything
	}
	if stateBuiltins[name] || funcs[name] {
		return true
	}
	switch name {
	case "printf", "wait":
		// printf -v VAR and wait -p VAR (bash 5.1) set a variable: an
		// option word that is not literal could be one.
		for _, a := range c.Args[1:] {
			w, ok := runbook.LiteralWord(a)
			if !ok {
				return true
			}
			if !strings.HasPrefix(w, "-") || w == "--" {
				break
			}
			if strings.ContainsAny(w[1:], "vp") {
				return true
			}
		}
	}
	return false
}
