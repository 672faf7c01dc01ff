package steps

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps/sqltext"
)

// ---- SQL steps: values as bind parameters ----

// sqlSite is where a placeholder sits in a SQL block.
type sqlSite struct {
	ctx  sqltext.Context
	stmt int           // index of its statement; -1 between statements
	tok  sqltext.Token // the quoted token or comment holding it, offsets in code
}

// sqlIdentChars may form a bare word or a `…` identifier.
const sqlIdentChars = "letters, digits, _ and $"

func isSQLIdent(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$') {
			return false
		}
	}
	return true
}

// fillSQL fills a SQL step. A placeholder in a string literal ('…' or
// "…") makes the whole literal a `?` bound to the literal's value, so the
// value never passes through the server's lexer: no escaping is needed,
// and none could be trusted (in gbk, sjis, big5 and cp932 a backslash can
// be the second byte of a character, which defeats byte-wise escaping).
// Anywhere else a value is SQL text, so it is held to what cannot change
// the statement: a bare word or `…` identifier takes only letters, digits,
// _ and $; a comment anything that does not end it. Strings of a stored
// program or view body and of dynamic SQL are refused: the server parses
// them again as SQL, where a bound value cannot go.
func fillSQL(step *runbook.Step, code string, occs []occurrence, vals map[string]Value) (Filled, error) {
	fail := func(o occurrence, format string, args ...any) (Filled, error) {
		return Filled{}, fmt.Errorf("placeholder %s (line %d) %s", o.label, docLine(step, code, o.start), fmt.Sprintf(format, args...))
	}
	stmts, err := sqltext.Split(code)
	if err != nil {
		var se *sqltext.SplitError
		if errors.As(err, &se) && step.Line > 0 && code == step.Code {
			return Filled{}, fmt.Errorf("line %d: %s", step.Line+se.Line, se.Msg)
		}
		return Filled{}, err
	}
	toks := make([][]sqltext.Token, len(stmts))
	sites := make([]sqlSite, len(occs))
	for i, o := range occs {
		site, err := sqlSiteOf(code, stmts, toks, o)
		if err != nil {
			return fail(o, "%v", err)
		}
		sites[i] = site
	}

	var run, disp strings.Builder
	var binds []Bind
	literals := make([]int, len(stmts)) // literals replaced, per statement
	prev := 0
	for i := 0; i < len(occs); i++ {
		o, site := occs[i], sites[i]
		v := vals[o.name]
		switch site.ctx {
		case sqltext.SingleQuoted, sqltext.DoubleQuoted:
			if msg := unbindable(code, stmts[site.stmt], toks[site.stmt], site.tok, o); msg != "" {
				return fail(o, "%s", msg)
			}
			n := i + 1
			for n < len(occs) && sites[n].stmt == site.stmt && sites[n].tok == site.tok {
				n++
			}
			b, d, err := bindLiteral(code, site.tok, occs[i:n], vals)
			if err != nil {
				return fail(o, "%v", err)
			}
			run.WriteString(code[prev:site.tok.Start])
			disp.WriteString(code[prev:site.tok.Start])
			b.Offset = run.Len()
			binds = append(binds, b)
			run.WriteByte('?')
			disp.WriteString(d)
			prev = site.tok.End
			literals[site.stmt]++
			i = n - 1
			continue
		case sqltext.Code, sqltext.Backticked:
			if !isSQLIdent(v.Text) || v.Text == "" && site.ctx == sqltext.Code {
				return fail(o, "is SQL text here (a name, keyword or number), where only %s are allowed; put the placeholder in quotes ('%s') to pass any value as a string", sqlIdentChars, o.label)
			}
		default: // a comment
			if strings.ContainsAny(v.Text, "\n\r") || strings.Contains(v.Text, "*/") {
				return fail(o, "is in a comment, and its value has a line break or */, which would end the comment")
			}
		}
		run.WriteString(code[prev:o.start])
		disp.WriteString(code[prev:o.start])
		run.WriteString(v.Text)
		if v.Secret {
			disp.WriteString(Mask)
		} else {
			disp.WriteString(v.Text)
		}
		prev = o.end
	}
	run.WriteString(code[prev:])
	disp.WriteString(code[prev:])
	f := Filled{Run: run.String(), Display: disp.String(), Binds: binds}
	if err := checkSQLShape(f, stmts, toks, literals); err != nil {
		return Filled{}, fmt.Errorf("a value for %s would change how the SQL is read (%v); refusing to run it", labels(occs), err)
	}
	return f, nil
}

// unbindable says why the string tok of statement st, holding o, cannot
// become a bound value, or "".
func unbindable(code string, st sqltext.Statement, toks []sqltext.Token, tok sqltext.Token, o occurrence) string {
	if what := sqltext.SQLInText(st.Text, toks); what != "" {
		return fmt.Sprintf("is in a string of a %s statement, which the server parses again as SQL: a value cannot be bound there, and runbook never writes values into SQL text; pass the value in where it is used instead, as an argument (CALL p('%s')) or in a user variable set before (SET @v = '%s')", what, o.label, o.label)
	}
	if s := tok.Start; s > 0 && isSQLIdent(code[s-1:s]) {
		return "is in a prefixed string (N'…', X'…', _charset'…'), which a bound value cannot replace; write the string without its prefix"
	}
	return ""
}

// labels lists the placeholders of occs as written, each once.
func labels(occs []occurrence) string {
	var names []string
	for _, o := range occs {
		if !slices.Contains(names, o.label) {
			names = append(names, o.label)
		}
	}
	return strings.Join(names, ", ")
}

// sqlSiteOf finds the statement and token holding o. toks caches each
// statement's tokens.
func sqlSiteOf(code string, stmts []sqltext.Statement, toks [][]sqltext.Token, o occurrence) (sqlSite, error) {
	for k, st := range stmts {
		if o.start < st.Offset || o.start >= st.Offset+len(st.Text) {
			continue
		}
		if o.end > st.Offset+len(st.Text) {
			return sqlSite{}, fmt.Errorf("runs past the end of its statement")
		}
		if toks[k] == nil {
			t, err := sqltext.Tokens(st.Text)
			if err != nil {
				return sqlSite{}, fmt.Errorf("is in a statement that cannot be read: %v", err)
			}
			toks[k] = t
		}
		for _, t := range toks[k] {
			t.Start += st.Offset
			t.End += st.Offset
			if o.start >= t.Start && o.end <= t.End {
				return sqlSite{ctx: t.Context, stmt: k, tok: t}, nil
			}
		}
		return sqlSite{ctx: sqltext.Code, stmt: k}, nil
	}
	// Between statements there are only comments, which are not sent,
	// and DELIMITER lines, which decide where statements end.
	line := code[strings.LastIndexByte(code[:o.start], '\n')+1:]
	if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], "delimiter") {
		return sqlSite{ctx: sqltext.Code, stmt: -1}, nil
	}
	return sqlSite{ctx: sqltext.BlockComment, stmt: -1}, nil
}

// bindLiteral builds the bind of a quoted string tok holding the
// placeholders occs: its value is the string's text, unquoted, with the
// values in place; disp is the string as shown, values quoted for reading.
func bindLiteral(code string, tok sqltext.Token, occs []occurrence, vals map[string]Value) (b Bind, disp string, err error) {
	q := code[tok.Start : tok.Start+1]
	var val, d strings.Builder
	d.WriteString(q)
	prev := tok.Start + 1
	static := func(s string) error {
		// With NO_BACKSLASH_ESCAPES a backslash is a plain character,
		// otherwise an escape: its meaning depends on the session, so
		// the text around a placeholder must do without.
		if strings.Contains(s, `\`) {
			return fmt.Errorf("shares its string with a backslash, whose meaning depends on sql_mode; put the placeholder in a string of its own or drop the backslash")
		}
		val.WriteString(strings.ReplaceAll(s, q+q, q))
		d.WriteString(s)
		return nil
	}
	for _, o := range occs {
		if err := static(code[prev:o.start]); err != nil {
			return Bind{}, "", err
		}
		v := vals[o.name]
		val.WriteString(v.Text)
		if v.Secret {
			d.WriteString(Mask)
		} else {
			d.WriteString(strings.NewReplacer(`\`, `\\`, q, q+q).Replace(v.Text))
		}
		prev = o.end
	}
	if err := static(code[prev : tok.End-1]); err != nil {
		return Bind{}, "", err
	}
	d.WriteString(q)
	return Bind{Value: val.String(), Label: labels(occs)}, d.String(), nil
}

// checkSQLShape splits the filled text again, as the executor will, and
// checks that the values changed nothing but what they replaced: the same
// statements, each with the same quoted tokens and comments less the
// bound strings, and every `?` of a bind in code of its own statement.
func checkSQLShape(f Filled, stmts []sqltext.Statement, toks [][]sqltext.Token, literals []int) error {
	got, err := sqltext.Split(f.Run)
	if err != nil {
		return err
	}
	if len(got) != len(stmts) {
		return fmt.Errorf("%d statements instead of %d", len(got), len(stmts))
	}
	for k, st := range got {
		if toks[k] == nil {
			continue // no placeholder in it
		}
		t, err := sqltext.Tokens(st.Text)
		if err != nil {
			return err
		}
		if len(t) != len(toks[k])-literals[k] {
			return fmt.Errorf("statement %d has %d quoted strings and comments instead of %d", k+1, len(t), len(toks[k])-literals[k])
		}
	}
	for _, b := range f.Binds {
		k := slices.IndexFunc(got, func(st sqltext.Statement) bool {
			return b.Offset >= st.Offset && b.Offset < st.Offset+len(st.Text)
		})
		if k < 0 || f.Run[b.Offset] != '?' {
			return fmt.Errorf("the value of %s is outside any statement", b.Label)
		}
		t, _ := sqltext.Tokens(got[k].Text)
		rel := b.Offset - got[k].Offset
		if slices.ContainsFunc(t, func(t sqltext.Token) bool { return rel >= t.Start && rel < t.End }) {
			return fmt.Errorf("the value of %s is inside a quoted string or comment", b.Label)
		}
	}
	return nil
}
