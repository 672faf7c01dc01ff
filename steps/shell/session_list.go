package shell

import (
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// funcsMark separates the variables of a listing from its functions; it
// starts with '#' so that it can never be read as a declaration.
const funcsMark = "#runbook:functions"

// listing is a shell's state as it listed it: the text of each
// variable's declaration by name (decoded only when it changed: a
// listing holds the whole environment), the raw text of its functions,
// and its working directory.
type listing struct {
	d     runbook.Dialect
	raw   map[string]string // name → its declaration, "\n" included
	order []string          // names in the shell's order
	funcs string            // the function definitions as printed
	cwd   string
	// bad are declarations without a name the reader knows: not carried.
	bad []string
}

func newListing() *listing { return &listing{raw: map[string]string{}} }

func (l *listing) add(name, text string) {
	if _, dup := l.raw[name]; dup {
		return // zsh lists a tied variable twice: the first says it all
	}
	l.order = append(l.order, name)
	l.raw[name] = text
}

// parseListing reads what the snapshot of dialect d printed, delimiting
// each declaration without decoding it (decode does, for those that
// changed).
func parseListing(d runbook.Dialect, b []byte) (*listing, error) {
	s := string(b)
	vars, funcs, _ := strings.Cut(s, funcsMark+"\n")
	l := &listing{d: d, raw: make(map[string]string, 192), funcs: funcs}
	var err error
	switch d {
	case runbook.DialectBash:
		err = scanDecls(vars, l, []string{"declare "})
	case runbook.DialectZsh:
		err = scanDecls(vars, l, []string{"typeset ", "export "})
	default:
		err = scanPOSIX(vars, funcs, l)
		l.funcs = ""
	}
	if err != nil {
		return nil, err
	}
	if _, ok := l.raw["PWD"]; ok {
		if pwd, err := l.decode("PWD"); err == nil {
			l.cwd = pwd.Value
		}
	}
	return l, nil
}

// declEnd is the offset after the declaration starting at s[i:]: after
// the first line break outside quotes.
func declEnd(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '\n':
			return i + 1
		case '\\':
			i += 2
			continue
		case '\'':
			if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
				i += j + 2
				continue
			}
			return len(s)
		case '"':
			i = quoteEnd(s, i+1, '"')
			continue
		case '$':
			if i+1 < len(s) && s[i+1] == '\'' {
				i = quoteEnd(s, i+2, '\'')
				continue
			}
		}
		i++
	}
	return len(s)
}

// quoteEnd is the offset after the closing q of a string whose
// backslashes escape, from i.
func quoteEnd(s string, i int, q byte) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			i += 2
		case q:
			return i + 1
		default:
			i++
		}
	}
	return len(s)
}

// scanDecls delimits the declarations of a bash or zsh listing: lines
// starting with one of words, flags (`-x`, `-g -i10`) and then the name.
func scanDecls(s string, l *listing, words []string) error {
	for i := 0; i < len(s); {
		w := ""
		for _, x := range words {
			if strings.HasPrefix(s[i:], x) {
				w = x
			}
		}
		if w == "" {
			return fmt.Errorf("listing: line %q is not a declaration", firstLineOf(s[i:]))
		}
		end := declEnd(s, i)
		text := s[i:end]
		j := len(w)
		for j < len(text) && text[j] == '-' { // flag words
			k := strings.IndexByte(text[j:], ' ')
			if k < 0 {
				j = len(text)
				break
			}
			j += k + 1
		}
		k := j
		for k < len(text) && text[k] != '=' && text[k] != ' ' && text[k] != '\n' {
			k++
		}
		if name := text[j:k]; validName(name) || name == "0" {
			l.add(name, text)
		} else {
			l.bad = append(l.bad, firstLineOf(text))
		}
		i = end
	}
	return nil
}

// scanPOSIX delimits a POSIX shell's `set` (NAME='value' lines) and
// notes, from its `export -p` (after funcsMark), which are exported: an
// exported variable's text ends with "\x00x", so that exporting one is a
// change. POSIX sh has no arrays and no way to print its functions.
func scanPOSIX(vars, exports string, l *listing) error {
	exported := map[string]bool{}
	for i := 0; i < len(exports); {
		if !strings.HasPrefix(exports[i:], "export ") {
			return fmt.Errorf("listing: line %q is not an export", firstLineOf(exports[i:]))
		}
		end := declEnd(exports, i)
		name, _, _ := strings.Cut(strings.TrimSuffix(exports[i+len("export "):end], "\n"), "=")
		exported[name] = true
		i = end
	}
	for i := 0; i < len(vars); {
		end := declEnd(vars, i)
		text := vars[i:end]
		name, _, ok := strings.Cut(text, "=")
		if !ok || !validName(name) {
			// bash in POSIX mode lists functions after the variables.
			break
		}
		if exported[name] {
			text += "\x00x"
		}
		l.add(name, text)
		i = end
	}
	return nil
}

// decode reads the declaration of name.
func (l *listing) decode(name string) (journal.ShellVar, error) {
	text, ok := l.raw[name]
	if !ok {
		return journal.ShellVar{}, fmt.Errorf("no variable %s", name)
	}
	var v journal.ShellVar
	var err error
	switch l.d {
	case runbook.DialectBash:
		v, _, err = parseDeclaration(text, len("declare "))
	case runbook.DialectZsh:
		exported := strings.HasPrefix(text, "export ")
		w := len("typeset ")
		if exported {
			w = len("export ")
		}
		v, _, err = parseTypesetLine(text, w, exported)
	default:
		v, err = decodePOSIX(name, text)
	}
	if err == nil && v.Name != name {
		err = fmt.Errorf("%w: %s declared as %s", errWord, name, v.Name)
	}
	return v, err
}

// decodePOSIX reads `NAME=value\n`, with "\x00x" after it when exported.
func decodePOSIX(name, text string) (journal.ShellVar, error) {
	v := journal.ShellVar{Name: name, Kind: journal.VarScalar}
	if t, ok := strings.CutSuffix(text, "\x00x"); ok {
		text, v.Attrs = t, "x"
	}
	i := len(name) + 1
	if i < len(text) && text[i] != '\n' {
		var err error
		if v.Value, i, err = readWord(text, i, false); err != nil {
			return v, err
		}
	}
	if i >= len(text) || text[i] != '\n' {
		return v, fmt.Errorf("%w: text after the value of %s", errWord, name)
	}
	return v, nil
}

// parseDeclaration reads `-FLAGS NAME[=VALUE]\n` at s[i:].
func parseDeclaration(s string, i int) (journal.ShellVar, int, error) {
	var v journal.ShellVar
	j := strings.IndexByte(s[i:], ' ')
	if j < 0 {
		return v, i, errWord
	}
	flags := s[i+1 : i+j]
	i += j + 1
	k := i
	for k < len(s) && s[k] != '=' && s[k] != '\n' {
		k++
	}
	v.Name = s[i:k]
	if !validName(v.Name) {
		return v, i, fmt.Errorf("%w: name %q", errWord, v.Name)
	}
	kind, attrs, err := declareFlags(flags)
	if err != nil {
		return v, i, err
	}
	v.Kind, v.Attrs = kind, attrs
	if k >= len(s) || s[k] == '\n' {
		v.Declared = true
		return v, k + 1, nil
	}
	i = k + 1
	if kind != journal.VarScalar && i < len(s) && s[i] == '(' {
		v.Items, i, err = readItems(s, i+1, kind == journal.VarAssoc)
	} else {
		var val string
		val, i, err = readWord(s, i, false)
		if err == nil && kind != journal.VarScalar {
			// bash before 4.4: declare -a a='([0]="x")'
			if !strings.HasPrefix(val, "(") {
				return v, i, fmt.Errorf("%w: array value %q", errWord, val)
			}
			v.Items, _, err = readItems(val+"\n", 1, kind == journal.VarAssoc)
		}
		v.Value = val
		if kind != journal.VarScalar {
			v.Value = ""
		}
	}
	if err != nil {
		return v, i, err
	}
	if i >= len(s) || s[i] != '\n' {
		return v, i, fmt.Errorf("%w: text after the value of %s", errWord, v.Name)
	}
	return v, i + 1, nil
}

// declareFlags splits declare's flags into the kind and the other
// attributes; a flag the reader does not know is an error.
func declareFlags(flags string) (journal.VarKind, string, error) {
	kind := journal.VarScalar
	var attrs []byte
	for i := 0; i < len(flags); i++ {
		switch c := flags[i]; c {
		case '-':
		case 'a':
			kind = journal.VarArray
		case 'A':
			kind = journal.VarAssoc
		case 'i', 'l', 'n', 'r', 't', 'u', 'x':
			attrs = append(attrs, c)
		default:
			return "", "", fmt.Errorf("%w: flag %q", errWord, c)
		}
	}
	return kind, string(attrs), nil
}

// readItems reads the elements of an array from after its '(' up to and
// including the ')': `[key]=value` separated by blanks (bash), or bare
// words (zsh arrays; their keys are their positions from 0).
func readItems(s string, i int, assoc bool) ([]journal.ShellItem, int, error) {
	var items []journal.ShellItem
	for n := 0; ; n++ {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) || s[i] == '\n' {
			return nil, i, fmt.Errorf("%w: unterminated (", errWord)
		}
		if s[i] == ')' {
			return items, i + 1, nil
		}
		var key string
		if s[i] == '[' {
			var err error
			key, i, err = readKey(s, i+1)
			if err != nil {
				return nil, i, err
			}
			if i >= len(s) || s[i] != '=' {
				return nil, i, fmt.Errorf("%w: no = after [%s]", errWord, key)
			}
			i++
		} else if assoc {
			return nil, i, fmt.Errorf("%w: associative element without a key", errWord)
		} else {
			key = fmt.Sprint(n)
		}
		val := ""
		if i < len(s) && s[i] != ' ' && s[i] != ')' && s[i] != '\n' {
			var err error
			if val, i, err = readWord(s, i, true); err != nil {
				return nil, i, err
			}
		}
		items = append(items, journal.ShellItem{Key: key, Value: val})
	}
}

// readKey reads an element's key after '[' up to and including ']'.
func readKey(s string, i int) (string, int, error) {
	if i < len(s) && (s[i] == '"' || s[i] == '\'' || s[i] == '$') {
		var b strings.Builder
		var err error
		switch {
		case s[i] == '"':
			i, err = readDouble(s, i+1, &b)
		case s[i] == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return "", i, fmt.Errorf("%w: unterminated '", errWord)
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 2
		case i+1 < len(s) && s[i+1] == '\'':
			i, err = readANSI(s, i+2, &b)
		default:
			return "", i, fmt.Errorf("%w: key", errWord)
		}
		if err != nil {
			return "", i, err
		}
		if i >= len(s) || s[i] != ']' {
			return "", i, fmt.Errorf("%w: key not closed", errWord)
		}
		return b.String(), i + 1, nil
	}
	// A bare key is literal up to its ']' (bash quotes a key with
	// anything that would need it); quotes, $, ` and \ would mean the
	// key is not plain text: an error.
	j := i
	for j < len(s) && s[j] != ']' {
		if c := s[j]; c == '\n' || strings.IndexByte("'\"$`\\", c) >= 0 {
			return "", j, fmt.Errorf("%w: key byte %q", errWord, c)
		}
		j++
	}
	if j >= len(s) {
		return "", j, fmt.Errorf("%w: key not closed", errWord)
	}
	return s[i:j], j + 1, nil
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// parseTypesetLine reads `[-FLAGS ]NAME[=VALUE]\n` (or a tied
// `-T NAME name=( … )`) at s[i:].
func parseTypesetLine(s string, i int, exported bool) (journal.ShellVar, int, error) {
	var v journal.ShellVar
	kind, attrs, tied := journal.VarScalar, "", false
	if exported {
		attrs = "x"
	}
	var err error
	if i, kind, attrs, tied, err = typesetFlags(s, i, kind, attrs); err != nil {
		return v, i, err
	}
	k := i
	for k < len(s) && s[k] != '=' && s[k] != '\n' && s[k] != ' ' {
		k++
	}
	v.Name, v.Kind, v.Attrs = s[i:k], kind, attrs
	if !validName(v.Name) && v.Name != "0" {
		return v, k, fmt.Errorf("%w: name %q", errWord, v.Name)
	}
	if tied {
		// `-T PATH path=( … )`: the scalar PATH, its array joined.
		if k >= len(s) || s[k] != ' ' {
			return v, k, fmt.Errorf("%w: tied %s", errWord, v.Name)
		}
		e := strings.Index(s[k:], "=(")
		if e < 0 {
			return v, k, fmt.Errorf("%w: tied %s", errWord, v.Name)
		}
		items, n, err := readItems(s, k+e+2, false)
		if err != nil {
			return v, n, err
		}
		vals := make([]string, len(items))
		for x, it := range items {
			vals[x] = it.Value
		}
		v.Kind, v.Value = journal.VarScalar, strings.Join(vals, ":")
		return v, skipLine(s, n), nil
	}
	if k >= len(s) || s[k] == '\n' {
		v.Declared = true
		return v, k + 1, nil
	}
	if s[k] != '=' {
		return v, k, fmt.Errorf("%w: %s", errWord, v.Name)
	}
	i = k + 1
	if kind != journal.VarScalar {
		if i >= len(s) || s[i] != '(' {
			return v, i, fmt.Errorf("%w: array %s", errWord, v.Name)
		}
		v.Items, i, err = readItems(s, i+1, kind == journal.VarAssoc)
	} else if i < len(s) && s[i] != '\n' {
		v.Value, i, err = readWord(s, i, false)
	}
	if err != nil {
		return v, i, err
	}
	if i >= len(s) || s[i] != '\n' {
		return v, i, fmt.Errorf("%w: text after the value of %s", errWord, v.Name)
	}
	return v, i + 1, nil
}

// typesetFlags reads the flag words of a typeset line at s[i:]: they come
// in one or more words (`typeset -g -i10 N=3` inside a function).
func typesetFlags(s string, i int, kind journal.VarKind, attrs string) (int, journal.VarKind, string, bool, error) {
	tied := false
	for i < len(s) && s[i] == '-' {
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			return i, kind, attrs, tied, errWord
		}
		for _, c := range s[i+1 : i+j] {
			switch {
			case c == 'a':
				kind = journal.VarArray
			case c == 'A':
				kind = journal.VarAssoc
			case c == 'T':
				tied = true
			case c == 'x' || c == 'r' || c == 'l' || c == 'u' || c == 'i':
				if !strings.ContainsRune(attrs, c) {
					attrs += string(c)
				}
			case c >= '0' && c <= '9', c == 'g', c == 'H', c == 'h', c == 'F', c == 'E', c == 'L', c == 'R', c == 'Z', c == 't':
				// base of an integer, scope, hiding, formatting: not
				// carried
			default:
				return i, kind, attrs, tied, fmt.Errorf("%w: flag %q", errWord, c)
			}
		}
		i += j + 1
	}
	return i, kind, attrs, tied, nil
}

// skipLine is the offset after the line break at or after i.
func skipLine(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(s)
}
