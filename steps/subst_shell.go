package steps

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/runbook-sh/runbook/runbook"
)

// shellContext is the quoting around a placeholder in shell code: it
// decides how a value is escaped to stay literal text there.
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
	ctxTest // a bare word in [[ … ]]: always quoted ([[ -n == x ]])
)

var shellContextNames = [...]string{"bare word", "single quotes", "$'…' string", "double quotes", "${…} operand", "heredoc body", "quoted heredoc body", "comment", "[[ … ]] word"}

func (c shellContext) String() string {
	if int(c) < len(shellContextNames) {
		return shellContextNames[c]
	}
	return fmt.Sprintf("shellContext(%d)", int(c))
}

// variant is the parser's grammar for a shell dialect.
func variant(d runbook.Dialect) syntax.LangVariant {
	v, _ := d.Variant()
	return v
}

// interpOf is the interpreter a step's code runs in (bash without a step).
func interpOf(step *runbook.Step) runbook.Interp {
	if step == nil {
		return runbook.Interp{Argv: []string{"bash"}, Dialect: runbook.DialectBash}
	}
	return step.Interpreter()
}

// tokenize replaces every occurrence with a unique word-character token so
// that the code can be parsed; it returns the tokenized code, the tokens
// and their common prefix (which occurs nowhere else in the code).
func tokenize(code string, occs []occurrence) (string, []string, string) {
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
	return b.String(), toks, prefix
}

// escapeShell fills occs[i].ins for shell code: each value escaped for its
// quoting context, and refused where the analysis cannot prove it stays
// data (docs/substitution.md).
func escapeShell(step *runbook.Step, code string, occs []occurrence, vals map[string]Value) error {
	in := interpOf(step)
	if !in.Dialect.IsShell() {
		return escapeScript(in, occs, vals)
	}
	tcode, toks, prefix := tokenize(code, occs)
	f, err := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(variant(in.Dialect))).Parse(strings.NewReader(tcode), "")
	if err != nil {
		// Without a syntax tree the context is unknown: only values that
		// are safe in every context can go in, as they are.
		for i := range occs {
			v := vals[occs[i].name]
			if !isSafe(v.Text) || strings.HasPrefix(v.Text, "-") && !v.admits() {
				return refuse(occs[i], v, fmt.Sprintf("cannot be placed: the step is not valid shell (%v), so only %s can go in it", err, safeChars), false)
			}
			occs[i].ins = v.Text
		}
		return nil
	}
	a := newAnalysis(f, variant(in.Dialect), prefix, 0)
	hits := findTokens(f, toks, prefix)
	occFacts := make([]facts, len(occs))
	for i := range occs {
		h, ok := hits[i]
		if !ok || h.node == nil {
			return &RefusedError{Placeholder: occs[i].label, Name: occs[i].name,
				Reason: "sits where its context cannot be determined; write it as a separate word or inside quotes"}
		}
		occFacts[i] = a.place(h.node, h.atStart, "")
	}
	a.flow(occFacts)
	for i := range occs {
		o := &occs[i]
		if o.start > 0 && code[o.start-1] == '\\' && occFacts[i].quote != ctxSingle && occFacts[i].quote != ctxQuotedHeredoc && occFacts[i].quote != ctxComment {
			// The backslash would escape the value's first character
			// (an opening quote, an escaping backslash).
			return &RefusedError{Placeholder: o.label, Name: o.name, Reason: "follows a backslash; remove it or put the placeholder in single quotes"}
		}
		if o.ins, err = judge(*o, occFacts[i], vals[o.name]); err != nil {
			return err
		}
	}
	return nil
}

// tokenHit is where a token was found: the text node holding it, and
// whether it starts that node's text.
type tokenHit struct {
	node    syntax.Node // *Lit, *SglQuoted or *Comment
	atStart bool
}

// findTokens finds each token in the text-bearing nodes of the tree. A
// token seen twice (the parser copied it) gets no node: refused.
func findTokens(f *syntax.File, toks []string, prefix string) map[int]tokenHit {
	hits := map[int]tokenHit{}
	syntax.Walk(f, func(n syntax.Node) bool {
		var text string
		switch n := n.(type) {
		case *syntax.Lit:
			text = n.Value
		case *syntax.SglQuoted:
			text = n.Value
		case *syntax.Comment:
			text = n.Text
		default:
			return true
		}
		for off := 0; ; {
			at := strings.Index(text[off:], prefix)
			if at < 0 {
				break
			}
			at += off
			i, end := tokenAt(text, at+len(prefix))
			off = max(end, at+1)
			if i < 0 || i >= len(toks) {
				continue
			}
			if _, dup := hits[i]; dup {
				hits[i] = tokenHit{}
				continue
			}
			hits[i] = tokenHit{node: n, atStart: onlyTokens(text[:at], prefix)}
		}
		return true
	})
	return hits
}

// tokenAt reads the index of a token whose prefix ends at i: digits then
// Q. It returns -1 when there is none, and the offset after the token.
func tokenAt(text string, i int) (int, int) {
	j := i
	for j < len(text) && text[j] >= '0' && text[j] <= '9' {
		j++
	}
	if j == i || j >= len(text) || text[j] != 'Q' {
		return -1, j
	}
	n, err := strconv.Atoi(text[i:j])
	if err != nil {
		return -1, j
	}
	return n, j + 1
}

// judge decides whether a value can go where the analysis placed its
// placeholder, and returns it escaped for its quoting context.
func judge(o occurrence, f facts, val Value) (string, error) {
	v := val.Text
	if f.err != nil {
		return "", &RefusedError{Placeholder: o.label, Name: o.name, Reason: f.err.Error()}
	}
	if f.arith && !isInteger(v) {
		return "", &RefusedError{Placeholder: o.label, Name: o.name, Reason: "is evaluated as arithmetic here; only an integer is allowed"}
	}
	ins, err := escapeFor(f.quote, v)
	if err != nil {
		return "", &RefusedError{Placeholder: o.label, Name: o.name, Reason: err.Error()}
	}
	if f.code != "" {
		if err := judgeCode(o, f.code, val); err != nil {
			return "", err
		}
	}
	if f.option && strings.HasPrefix(v, "-") && !val.admits() {
		return "", refuse(o, val, "would be read as an option (it begins with '-'); put -- before it in the command", true)
	}
	if f.heredoc != nil {
		if err := checkHeredocValue(f.heredoc, ins); err != nil {
			return "", &RefusedError{Placeholder: o.label, Name: o.name, Reason: err.Error()}
		}
	}
	return ins, nil
}

// judgeCode decides a value in a place that may be read as code: only the
// safe set goes in, or what the variable's pattern admits deliberately as
// long as it holds no character that can end a quote or start code.
func judgeCode(o occurrence, why string, val Value) error {
	v := val.Text
	switch {
	case isSafe(v) && !strings.HasPrefix(v, "-"):
		return nil
	case val.admits() && reparseAdmissible(v):
		return nil
	case !isSafe(v):
		return refuse(o, val, fmt.Sprintf("is read as code there (%s) and has characters outside %s", why, safeChars), reparseAdmissible(v))
	}
	return refuse(o, val, fmt.Sprintf("is read as code there (%s) and begins with '-'", why), true)
}

// escapeScript fills the values of a block that is not shell (a python or
// perl `{run}` block): the analysis cannot tell strings from code there,
// so only the safe set goes in, or what a pattern admits deliberately.
func escapeScript(in runbook.Interp, occs []occurrence, vals map[string]Value) error {
	for i := range occs {
		if err := judgeCode(occs[i], in.Program()+" runs the block as code", vals[occs[i].name]); err != nil {
			return err
		}
		occs[i].ins = vals[occs[i].name].Text
	}
	return nil
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
func checkHeredocValue(rd *syntax.Redirect, v string) error {
	if rd.Word == nil {
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
	}
	return "", fmt.Errorf("unknown context %s", ctx)
}

var integerRE = regexp.MustCompile(`^-?[0-9]+$`)

func isInteger(s string) bool { return integerRE.MatchString(s) }

// verifyShellShape parses the final command and checks that it has the same
// structure as the tokenized one: a value may only ever add literal text.
// It backs up the context analysis against parser subtleties.
func verifyShellShape(step *runbook.Step, code string, occs []occurrence) error {
	in := interpOf(step)
	if !in.Dialect.IsShell() {
		return nil
	}
	tcode, _, _ := tokenize(code, occs)
	p := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(variant(in.Dialect)))
	want, err := p.Parse(strings.NewReader(tcode), "")
	if err != nil {
		return nil // the safe-value fallback was used
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

// DoneIfStep is a step as its done-if check runs: a shell command in the
// step's shell, or bash for a block that is not shell (a python block's
// check is still `test -f …`). Substitution and the executor both read it.
func DoneIfStep(st *runbook.Step) *runbook.Step {
	c := *st
	c.Shell = st.DoneIfInterpreter()
	return &c
}
