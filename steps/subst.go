package steps

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/runbook-sh/runbook/runbook"
)

// Value is a placeholder's value for substitution.
type Value struct {
	Text   string
	Secret bool
}

// Substitute fills the placeholders of code (a step's Code, or an edited
// command) with vals and returns the text to run and the text to show (the
// same, with secret values replaced by Mask).
//
// A value is inserted escaped for the exact context its placeholder sits in,
// so that no value can run as code: for shell steps the text is parsed with
// mvdan.cc/sh to learn whether each placeholder is a bare word, in single or
// double quotes, in $'…', in a heredoc body or in a comment; for SQL steps a
// small MySQL lexer tells string literals, quoted identifiers, comments and
// bare words apart. Where no escaping can make a value safe (arithmetic,
// a string that another interpreter parses again, a heredoc delimiter)
// only plain values are accepted and anything else is an error naming the
// placeholder. A NUL byte is always refused.
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
			return "", "", fmt.Errorf("value for %s contains a NUL byte", o.label)
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
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@%+=:,./_-", c) >= 0) {
			return false
		}
	}
	return true
}

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

// ---- shell ----

// shellContext is where a placeholder sits in shell code.
type shellContext int

const (
	ctxBare shellContext = iota
	ctxSingle
	ctxANSI // $'…'
	ctxDouble
	ctxInBrace       // an operand of ${…}
	ctxHeredoc       // unquoted heredoc body: expansions happen
	ctxQuotedHeredoc // <<'EOF' body: literal
	ctxComment
	ctxArith   // evaluated as arithmetic: only integers are safe
	ctxReparse // an argument another program parses as code
	ctxTest    // a bare word in [[ … ]]: always quoted ([[ -n == x ]])
)

var shellContextNames = [...]string{"bare word", "single quotes", "$'…' string", "double quotes", "${…} operand", "heredoc body", "quoted heredoc body", "comment", "arithmetic", "re-parsed argument", "[[ … ]] word"}

func (c shellContext) String() string {
	if int(c) < len(shellContextNames) {
		return shellContextNames[c]
	}
	return fmt.Sprintf("shellContext(%d)", int(c))
}

// reparsers are commands whose arguments end up parsed again as code (by a
// shell, an interpreter or a database client), or as a variable name that
// bash evaluates (read, unset). Quoting for our shell cannot protect a
// value there, so only plain values are accepted. A non-empty flag list
// means only arguments after one of those flags are re-parsed (`bash -c`,
// `python3 -c`, `mysql -e`); an empty one means every argument is.
var reparsers = map[string][]string{
	"eval": nil, "ssh": nil, "su": nil, "watch": nil, "xargs": nil, "parallel": nil,
	"script": nil, "tmux": nil, "screen": nil, "trap": nil, "alias": nil,
	"read": nil, "unset": nil, "mapfile": nil, "readarray": nil,
	"awk": nil, "gawk": nil, "mawk": nil, "nawk": nil, "sed": nil, "sqlite3": nil,
	"sh": {"-c"}, "bash": {"-c"}, "zsh": {"-c"}, "dash": {"-c"}, "ksh": {"-c"}, "mksh": {"-c"},
	"ash": {"-c"}, "busybox": {"-c"},
	"python": {"-c"}, "python2": {"-c"}, "python3": {"-c"}, "perl": {"-e", "-E"},
	"ruby": {"-e"}, "node": {"-e", "--eval", "-p", "--print"}, "php": {"-r"}, "lua": {"-e"},
	"mysql": {"-e", "--execute"}, "mariadb": {"-e", "--execute"}, "psql": {"-c", "--command"},
	"osascript": {"-e"},
}

// shellFlagC matches a shell's flags that include -c (-c, -ec, -lc, -xc).
var shellFlagC = regexp.MustCompile(`^-[a-zA-Z]*c[a-zA-Z]*$`)

// shellVariant picks the parser dialect for the step's shell.
func shellVariant(step *runbook.Step) syntax.LangVariant {
	sh := ""
	if step != nil {
		sh = step.Lang
		if f := strings.Fields(step.Attrs.Shell); len(f) > 0 {
			sh = filepath.Base(f[0])
		}
	}
	switch sh {
	case "sh", "dash", "ash":
		return syntax.LangPOSIX
	case "zsh":
		return syntax.LangZsh
	case "ksh", "mksh":
		return syntax.LangMirBSDKorn
	}
	return syntax.LangBash
}

// tokenize replaces every occurrence with a unique word-character token so
// that the code can be parsed; it returns the tokenized code and the tokens.
func tokenize(code string, occs []occurrence) (string, []string) {
	prefix := "RBPH"
	for strings.Contains(code, prefix) {
		prefix += "X"
	}
	var b strings.Builder
	toks := make([]string, len(occs))
	prev := 0
	for i, o := range occs {
		toks[i] = prefix + strconv.Itoa(i) + "Q"
		b.WriteString(code[prev:o.start])
		b.WriteString(toks[i])
		prev = o.end
	}
	b.WriteString(code[prev:])
	return b.String(), toks
}

// tokenHit is a token found in a text-bearing node, with its ancestors.
type tokenHit struct {
	node  syntax.Node // *Lit, *SglQuoted or *Comment
	stack []syntax.Node
}

func escapeShell(step *runbook.Step, code string, occs []occurrence, vals map[string]Value) error {
	tcode, toks := tokenize(code, occs)
	f, err := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(shellVariant(step))).Parse(strings.NewReader(tcode), "")
	if err != nil {
		// Without a syntax tree the context is unknown: only values that
		// are safe in every context can go in.
		for i := range occs {
			v := vals[occs[i].name].Text
			if !isPlain(v) {
				return fmt.Errorf("value for %s cannot be substituted safely: the step is not valid shell (%v); only %s are allowed in it", occs[i].label, err, plainChars)
			}
			occs[i].ins = v
		}
		return nil
	}
	hits := map[int]tokenHit{} // occurrence index → where its token is
	var stack []syntax.Node
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		var text string
		switch n := n.(type) {
		case *syntax.Lit:
			text = n.Value
		case *syntax.SglQuoted:
			text = n.Value
		case *syntax.Comment:
			text = n.Text
		}
		if strings.Contains(text, toks[0][:len(toks[0])-2]) {
			for i, t := range toks {
				if c := strings.Count(text, t); c > 0 {
					if _, dup := hits[i]; dup || c > 1 {
						hits[i] = tokenHit{} // seen twice: refuse below
						continue
					}
					hits[i] = tokenHit{node: n, stack: slices.Clone(stack)}
				}
			}
		}
		stack = append(stack, n)
		return true
	})
	for i := range occs {
		o := &occs[i]
		h, ok := hits[i]
		if !ok || h.node == nil {
			return fmt.Errorf("placeholder %s sits where its context cannot be determined; write it as a separate word or inside quotes", o.label)
		}
		ctx, consumer, err := classify(h)
		if err != nil {
			return fmt.Errorf("placeholder %s %w", o.label, err)
		}
		if o.start > 0 && code[o.start-1] == '\\' && ctx != ctxSingle && ctx != ctxQuotedHeredoc && ctx != ctxComment {
			// The backslash would escape the value's first character
			// (an opening quote, an escaping backslash).
			return fmt.Errorf("placeholder %s follows a backslash; remove it or put the placeholder in single quotes", o.label)
		}
		v := vals[o.name].Text
		heredoc := ctx == ctxHeredoc || ctx == ctxQuotedHeredoc
		switch {
		case consumer == "mysql" || consumer == "mariadb":
			if !heredoc {
				ctx = ctxReparse
				break
			}
			// SQL in a heredoc: escape for the SQL context first, then
			// for the heredoc.
			if v, err = heredocSQL(tcode, h, toks[i], ctx == ctxQuotedHeredoc, v); err != nil {
				return fmt.Errorf("value for %s %w", o.label, err)
			}
		case consumer != "":
			ctx = ctxReparse
		}
		if o.ins, err = escapeFor(ctx, v); err != nil {
			if ctx == ctxReparse && consumer != "" {
				return fmt.Errorf("value for %s goes to the standard input of %s, which runs it as code; only %s are allowed there (pass it in the environment instead)", o.label, consumer, plainChars)
			}
			return fmt.Errorf("value for %s %w", o.label, err)
		}
		if heredoc {
			if err := checkHeredocValue(h, o.ins); err != nil {
				return fmt.Errorf("value for %s %w", o.label, err)
			}
		}
	}
	return nil
}

// classify finds a token's context from the node holding it and its
// ancestors, innermost first. Quoting is decided by the innermost quote, up
// to the nearest command substitution; ancestors further out can still
// restrict the value (arithmetic, a command that parses its arguments or
// its input again), since what the substitution prints ends up there.
// consumer is set when the text goes to a program's standard input that
// parses it as code (`mysql <<EOF`, `… | bash`).
func classify(h tokenHit) (ctx shellContext, consumer string, err error) {
	quoted := false // the quoting context is decided

	switch n := h.node.(type) {
	case *syntax.Comment:
		return ctxComment, "", nil
	case *syntax.SglQuoted:
		ctx, quoted = ctxSingle, true
		if n.Dollar {
			ctx = ctxANSI
		}
	}
	child := h.node
	for k := len(h.stack) - 1; k >= 0; k-- {
		switch a := h.stack[k].(type) {
		case *syntax.CmdSubst:
			if a.Backquotes {
				// `…` strips a level of backslashes and ends at the first
				// backquote, whatever the quoting inside: no escaping holds.
				return ctxReparse, "", nil
			}
			quoted = true
		case *syntax.ProcSubst:
			quoted = true
		case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop,
			*syntax.BinaryArithm, *syntax.UnaryArithm, *syntax.ParenArithm:
			return ctxArith, "", nil
		case *syntax.DblQuoted:
			if !quoted {
				ctx, quoted = ctxDouble, true
			}
		case *syntax.ParamExp:
			if child == a.Param || child == a.Flags {
				return 0, "", fmt.Errorf("is part of a variable name; use a separate word")
			}
			if w, ok := child.(*syntax.Word); ok && (isArith(a.Index, w) || a.Slice != nil && (isArith(a.Slice.Offset, w) || isArith(a.Slice.Length, w))) {
				return ctxArith, "", nil
			}
			if !quoted {
				ctx, quoted = ctxInBrace, true
			}
		case *syntax.Assign:
			if child == a.Name {
				return 0, "", fmt.Errorf("is used as a variable name")
			}
			if w, ok := child.(*syntax.Word); ok && isArith(a.Index, w) {
				return ctxArith, "", nil
			}
		case *syntax.ArrayElem:
			if w, ok := child.(*syntax.Word); ok && isArith(a.Index, w) {
				return ctxArith, "", nil
			}
		case *syntax.FuncDecl:
			if child == a.Name {
				return 0, "", fmt.Errorf("is used as a function name")
			}
		case *syntax.WordIter:
			if child == a.Name {
				return 0, "", fmt.Errorf("is used as a loop variable name")
			}
		case *syntax.Redirect:
			if child == a.N {
				return 0, "", fmt.Errorf("is used as a file descriptor variable")
			}
			if child == a.Hdoc {
				if !quoted {
					if isQuotedDelim(a.Word) {
						ctx = ctxQuotedHeredoc
					} else {
						ctx = ctxHeredoc
					}
					quoted = true
				}
				// The heredoc is the standard input of its command.
				if k > 0 && consumer == "" {
					if st, ok := h.stack[k-1].(*syntax.Stmt); ok {
						consumer = stdinConsumer(st)
					}
				}
			} else if (a.Op == syntax.Hdoc || a.Op == syntax.DashHdoc) && child == a.Word {
				return 0, "", fmt.Errorf("is part of a heredoc delimiter")
			}
		case *syntax.BinaryCmd:
			if (a.Op == syntax.Pipe || a.Op == syntax.PipeAll) && child == a.X && consumer == "" {
				consumer = stdinConsumer(a.Y)
			}
		case *syntax.TestClause:
			if !quoted {
				// A plain value such as -n or ! would become an operator.
				ctx, quoted = ctxTest, true
			}
		case *syntax.BinaryTest:
			switch a.Op {
			case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
				// [[ a -eq b ]] evaluates both sides as arithmetic.
				return ctxArith, "", nil
			}
		case *syntax.UnaryTest:
			if a.Op == syntax.TsVarSet || a.Op == syntax.TsRefVar {
				return ctxArith, "", nil // [[ -v name[subscript] ]] evaluates the subscript
			}
		case *syntax.DeclClause:
			// export/declare/local/readonly NAME="<x>" is an ordinary
			// word; but a bare argument is parsed as NAME[=value] (its
			// subscript evaluated), and with -i, -n, -a or -A the value
			// is evaluated as arithmetic, a name or an array.
			if as, ok := child.(*syntax.Assign); !ok || as.Naked || as.Name == nil || evaluatingDecl(a) {
				return ctxReparse, "", nil
			}
		case *syntax.CallExpr:
			if reparsedArg(a, child) {
				return ctxReparse, "", nil
			}
		}
		child = h.stack[k]
	}
	return ctx, consumer, nil
}

// stdinInterpreters read code (shell, SQL, a script) on standard input;
// they are looked for among all the words of a command, so that
// `sudo bash`, `kubectl exec -i pod -- sh` and `ssh host` are found while
// `sudo tee file` and `kubectl apply -f -` (data, not code) are not.
var stdinInterpreters = map[string]bool{
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "mksh": true, "ash": true,
	"busybox": true, "ssh": true, "su": true, "xargs": true, "source": true,
	"mysql": true, "mariadb": true, "psql": true, "sqlite3": true,
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "node": true,
	"php": true, "lua": true, "osascript": true,
}

// stdinConsumer returns the name of the program in st (the first command
// of a pipeline) that reads its standard input as code, or "".
func stdinConsumer(st *syntax.Stmt) string {
	if st == nil {
		return ""
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		for _, w := range c.Args {
			if n := filepath.Base(w.Lit()); w.Lit() != "" && stdinInterpreters[n] {
				return n
			}
		}
	case *syntax.BinaryCmd:
		if c.Op == syntax.Pipe || c.Op == syntax.PipeAll {
			return stdinConsumer(c.X)
		}
	}
	return ""
}

// evaluatingDecl reports whether a declaration evaluates its values
// (declare -i/-n/-a/-A, nameref).
func evaluatingDecl(d *syntax.DeclClause) bool {
	if d.Variant != nil && d.Variant.Value == "nameref" {
		return true
	}
	for _, as := range d.Args {
		if !as.Naked || as.Value == nil {
			continue
		}
		if f := as.Value.Lit(); len(f) > 1 && (f[0] == '-' || f[0] == '+') && strings.ContainsAny(f[1:], "inaA") {
			return true
		}
	}
	return false
}

// isArith reports whether the arithmetic expression e is the word w.
func isArith(e syntax.ArithmExpr, w *syntax.Word) bool {
	ew, ok := e.(*syntax.Word)
	return ok && ew == w
}

// reparsedArg reports whether child (a word of call) is an argument that
// a command before it parses again as code (`bash -c '…'`, `ssh host …`,
// `eval …`, `awk '…'`, `mysql -e …`), or the name after printf -v.
func reparsedArg(call *syntax.CallExpr, child syntax.Node) bool {
	for i, w := range call.Args {
		if w == child {
			return false
		}
		lit := w.Lit()
		if lit == "printf" && i+1 < len(call.Args) && call.Args[i+1].Lit() == "-v" && i+2 < len(call.Args) && call.Args[i+2] == child {
			return true
		}
		if (lit == "-v" || lit == "-R") && i > 0 && (call.Args[0].Lit() == "[" || call.Args[0].Lit() == "test") {
			return true // test -v name[subscript] evaluates the subscript
		}
		if lit == "" {
			continue
		}
		flags, ok := reparsers[filepath.Base(lit)]
		if !ok {
			continue
		}
		if flags == nil {
			return true
		}
		for _, a := range call.Args[i+1:] {
			if a == child {
				break
			}
			al := a.Lit()
			if slices.Contains(flags, al) || (flags[0] == "-c" && len(flags) == 1 && shellFlagC.MatchString(al)) {
				return true
			}
			for _, f := range flags {
				if strings.HasPrefix(f, "--") && strings.HasPrefix(al, f+"=") {
					return true
				}
			}
		}
		if w := childWord(child); w != nil {
			for _, f := range flags {
				if strings.HasPrefix(f, "--") && strings.HasPrefix(wordPrefix(w), f+"=") {
					return true // --execute="… <x> …"
				}
			}
		}
	}
	return false
}

func childWord(n syntax.Node) *syntax.Word {
	w, _ := n.(*syntax.Word)
	return w
}

// wordPrefix is the literal text a word starts with.
func wordPrefix(w *syntax.Word) string {
	if len(w.Parts) > 0 {
		if l, ok := w.Parts[0].(*syntax.Lit); ok {
			return l.Value
		}
	}
	return ""
}

// isQuotedDelim reports whether a heredoc delimiter word is quoted (<<'EOF',
// <<"EOF", <<\EOF), which makes the body literal.
func isQuotedDelim(w *syntax.Word) bool {
	if w == nil {
		return false
	}
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		case *syntax.Lit:
			if strings.Contains(p.Value, `\`) {
				return true
			}
		}
	}
	return false
}

// checkHeredocValue refuses a value with a line that would end the heredoc
// early (and let the rest of the value run as commands).
func checkHeredocValue(h tokenHit, v string) error {
	var rd *syntax.Redirect
	for k := len(h.stack) - 1; k >= 0 && rd == nil; k-- {
		rd, _ = h.stack[k].(*syntax.Redirect)
	}
	if rd == nil || rd.Word == nil {
		return nil
	}
	delim := unquoteDelim(rd.Word)
	for line := range strings.SplitSeq(v, "\n") {
		if rd.Op == syntax.DashHdoc {
			line = strings.TrimLeft(line, "\t")
		}
		if strings.TrimRight(line, "\r") == delim || strings.TrimSpace(line) == delim {
			return fmt.Errorf("contains the line %q, which would end the heredoc", delim)
		}
	}
	return nil
}

func unquoteDelim(w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(strings.ReplaceAll(p.Value, `\`, ""))
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					b.WriteString(l.Value)
				}
			}
		}
	}
	return b.String()
}

// escapeFor returns v escaped for ctx, or an error (completing "value for
// <x> …") when no escaping is safe there.
func escapeFor(ctx shellContext, v string) (string, error) {
	switch ctx {
	case ctxBare:
		return ShellQuote(v), nil
	case ctxTest:
		return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'", nil
	case ctxSingle:
		return strings.ReplaceAll(v, "'", `'\''`), nil
	case ctxANSI:
		return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v), nil
	case ctxDouble:
		return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(v), nil
	case ctxInBrace:
		// Inside ${…} bash's own parser disagrees with POSIX and with
		// itself (quotes, `}`, even `<(` are special there): keep to plain
		// values.
		if v != "" && !isPlain(v) {
			return "", fmt.Errorf("sits inside ${…}, where only %s are allowed; move the placeholder out of the expansion", plainChars)
		}
		return v, nil
	case ctxHeredoc:
		return strings.NewReplacer(`\`, `\\`, `$`, `\$`, "`", "\\`").Replace(v), nil
	case ctxQuotedHeredoc:
		return v, nil
	case ctxComment:
		if strings.ContainsAny(v, "\n\r") {
			return "", fmt.Errorf("has a line break, which would end the comment it sits in")
		}
		return v, nil
	case ctxArith:
		if !isInteger(v) {
			return "", fmt.Errorf("is evaluated as arithmetic here; only an integer is allowed")
		}
		return v, nil
	case ctxReparse:
		if v == "" || !isPlain(v) {
			return "", fmt.Errorf("is parsed again as code or a variable name by the command it is given to; only %s are allowed there (pass it in the environment instead)", plainChars)
		}
		return v, nil
	}
	return "", fmt.Errorf("unknown context %s", ctx)
}

var integerRE = regexp.MustCompile(`^-?[0-9]+$`)

func isInteger(s string) bool { return integerRE.MatchString(s) }

// heredocSQL escapes v for the MySQL context the token sits in inside a
// heredoc body fed to the mysql client.
func heredocSQL(tcode string, h tokenHit, tok string, quotedBody bool, v string) (string, error) {
	var rd *syntax.Redirect
	for k := len(h.stack) - 1; k >= 0 && rd == nil; k-- {
		rd, _ = h.stack[k].(*syntax.Redirect)
	}
	if rd == nil || rd.Hdoc == nil {
		return "", fmt.Errorf("sits in a heredoc that could not be read")
	}
	start := int(rd.Hdoc.Pos().Offset())
	at := strings.Index(tcode[start:], tok)
	if at < 0 {
		return "", fmt.Errorf("sits in a heredoc that could not be read")
	}
	at += start
	for _, p := range rd.Hdoc.Parts {
		if _, lit := p.(*syntax.Lit); !lit && int(p.Pos().Offset()) < at {
			// An expansion before it could open or close a SQL string.
			return "", fmt.Errorf("follows a shell expansion in SQL sent to mysql; the SQL context is unknown (quote the heredoc delimiter: <<'EOF')")
		}
	}
	prefix := tcode[start:at]
	if !quotedBody {
		prefix = strings.NewReplacer("\\\n", "", `\\`, `\`, `\$`, `$`, "\\`", "`").Replace(prefix)
	}
	st := sqlStates(prefix+"x", []occurrence{{start: len(prefix), end: len(prefix) + 1}})[0]
	if (st == sqlSingle || st == sqlDouble) && strings.HasSuffix(prefix, `\`) {
		return "", fmt.Errorf("follows a backslash in a SQL string; remove the backslash")
	}
	out, err := sqlEscape(st, v)
	if err != nil {
		return "", fmt.Errorf("%w (in SQL sent to mysql)", err)
	}
	return out, nil
}

// verifyShellShape parses the final command and checks that it has the same
// structure as the tokenized one: a value may only ever add literal text.
// It backs up the context analysis against parser subtleties.
func verifyShellShape(step *runbook.Step, code string, occs []occurrence) error {
	tcode, _ := tokenize(code, occs)
	p := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(shellVariant(step)))
	want, err := p.Parse(strings.NewReader(tcode), "")
	if err != nil {
		return nil // the plain-value fallback was used
	}
	// Invalid UTF-8 in a value means nothing to a shell (all its special
	// characters are ASCII) but stops the parser: check a copy where
	// inserted values are made valid.
	var b strings.Builder
	prev := 0
	for _, o := range occs {
		b.WriteString(code[prev:o.start])
		b.WriteString(strings.ToValidUTF8(o.ins, "\uFFFD"))
		prev = o.end
	}
	b.WriteString(code[prev:])
	got, err := p.Parse(strings.NewReader(b.String()), "")
	if err != nil {
		return fmt.Errorf("substituted command does not parse (%v); a value changed its structure", err)
	}
	if !slices.Equal(shape(want), shape(got)) {
		names := make([]string, 0, len(occs))
		for _, o := range occs {
			if !slices.Contains(names, o.label) {
				names = append(names, o.label)
			}
		}
		return fmt.Errorf("a value for %s would change the structure of the command; refusing to run it", strings.Join(names, ", "))
	}
	return nil
}

// shape lists the node types of a syntax tree, except those a safely
// inserted value may add, drop or change: literal text, single quotes, and
// words other than a command's arguments (an empty value leaves no word in
// "${x:-<v>}").
func shape(f *syntax.File) []string {
	var out []string
	var stack []syntax.Node
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch n.(type) {
		case *syntax.Lit, *syntax.SglQuoted, *syntax.Comment:
		case *syntax.Word:
			if len(stack) > 0 {
				if _, ok := stack[len(stack)-1].(*syntax.CallExpr); ok {
					out = append(out, "*syntax.Word")
				}
			}
		default:
			out = append(out, fmt.Sprintf("%T", n))
		}
		stack = append(stack, n)
		return true
	})
	return out
}
