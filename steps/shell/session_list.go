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

// listing is a shell's state as it listed it: its variables decoded, the
// raw text of its functions, and its working directory.
type listing struct {
	vars  map[string]journal.ShellVar
	order []string // names in the shell's order
	funcs string   // the function definitions as printed
	cwd   string
	// bad are variables in a form the reader does not recognise: not
	// carried.
	bad []string
}

func newListing() *listing { return &listing{vars: map[string]journal.ShellVar{}} }

func (l *listing) add(v journal.ShellVar) {
	if _, dup := l.vars[v.Name]; !dup {
		l.order = append(l.order, v.Name)
	}
	l.vars[v.Name] = v
}

// parseListing reads what the snapshot of dialect d printed.
func parseListing(d runbook.Dialect, b []byte) (*listing, error) {
	s := string(b)
	vars, funcs, _ := strings.Cut(s, funcsMark+"\n")
	l := newListing()
	l.funcs = funcs
	var err error
	switch d {
	case runbook.DialectBash:
		err = parseDeclare(vars, l)
	case runbook.DialectZsh:
		err = parseTypeset(vars, l)
	default:
		err = parsePOSIX(vars, funcs, l)
		l.funcs = ""
	}
	if err != nil {
		return nil, err
	}
	if pwd, ok := l.vars["PWD"]; ok {
		l.cwd = pwd.Value
	}
	return l, nil
}

// parseDeclare reads bash's `declare -p`:
//
//	declare -x NAME="value"      declare -- NAME=$'a\nb'
//	declare -a NAME=([0]="a" [3]="b")
//	declare -A NAME=([key]="v" ["a b"]="w" )
//	declare -a NAME              (declared, no value)
//
// A declaration the reader does not recognise is skipped to the next line
// that starts one, and named in bad.
func parseDeclare(s string, l *listing) error {
	for i := 0; i < len(s); {
		if !strings.HasPrefix(s[i:], "declare -") {
			return fmt.Errorf("listing: line %q is not a declaration", firstLineOf(s[i:]))
		}
		v, n, err := parseDeclaration(s, i+len("declare "))
		if err != nil {
			name := v.Name
			if name == "" {
				name = firstLineOf(s[i:])
			}
			l.bad = append(l.bad, name)
			i = nextDeclaration(s, i+1, "declare -")
			continue
		}
		l.add(v)
		i = n
	}
	return nil
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

// nextDeclaration is the offset of the next line at or after i that
// starts with prefix, or len(s).
func nextDeclaration(s string, i int, prefix string) int {
	for {
		j := strings.Index(s[i:], "\n"+prefix)
		if j < 0 {
			return len(s)
		}
		return i + j + 1
	}
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

// parseTypeset reads zsh's `typeset -p`:
//
//	typeset NAME=value        export NAME=value        typeset -i10 N=3
//	typeset -a NAME=( a 'b c' )    typeset -A NAME=( [k]=v ['a b']=w )
//	typeset -T PATH path=( /usr/bin /bin )   (tied: the colon-joined scalar)
func parseTypeset(s string, l *listing) error {
	for i := 0; i < len(s); {
		var word string
		switch {
		case strings.HasPrefix(s[i:], "typeset "):
			word = "typeset "
		case strings.HasPrefix(s[i:], "export "):
			word = "export "
		default:
			return fmt.Errorf("listing: line %q is not a declaration", firstLineOf(s[i:]))
		}
		v, n, err := parseTypesetLine(s, i+len(word), word == "export ")
		if err != nil {
			name := v.Name
			if name == "" {
				name = firstLineOf(s[i:])
			}
			l.bad = append(l.bad, name)
			i = nextTypeset(s, i+1)
			continue
		}
		if _, dup := l.vars[v.Name]; !dup && v.Name != "" {
			l.add(v)
		}
		i = n
	}
	return nil
}

func nextTypeset(s string, i int) int {
	a, b := nextDeclaration(s, i, "typeset "), nextDeclaration(s, i, "export ")
	return min(a, b)
}

// parseTypesetLine reads `[-FLAGS ]NAME[=VALUE]\n` (or a tied
// `-T NAME name=( … )`) at s[i:].
func parseTypesetLine(s string, i int, exported bool) (journal.ShellVar, int, error) {
	var v journal.ShellVar
	kind, attrs, tied := journal.VarScalar, "", false
	if exported {
		attrs = "x"
	}
	// Flags come in one or more words (`typeset -g -i10 N=3` inside a
	// function).
	for i < len(s) && s[i] == '-' {
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			return v, i, errWord
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
				return v, i, fmt.Errorf("%w: flag %q", errWord, c)
			}
		}
		i += j + 1
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
	var err error
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

// skipLine is the offset after the line break at or after i.
func skipLine(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(s)
}

// parsePOSIX reads a POSIX shell's `set` (NAME='value' lines) and, after
// funcsMark, its `export -p` (export NAME='value' or export NAME): which
// variables are exported. POSIX sh has no arrays and no way to print its
// functions.
func parsePOSIX(vars, exports string, l *listing) error {
	for i := 0; i < len(vars); {
		k := i
		for k < len(vars) && vars[k] != '=' && vars[k] != '\n' {
			k++
		}
		name := vars[i:k]
		if k >= len(vars) || vars[k] != '=' || !validName(name) {
			// bash in POSIX mode lists functions after the variables.
			break
		}
		val := ""
		n := k + 1
		var err error
		if n < len(vars) && vars[n] != '\n' {
			val, n, err = readWord(vars, n, false)
		}
		if err != nil || n >= len(vars) || vars[n] != '\n' {
			l.bad = append(l.bad, name)
			i = skipLine(vars, n)
			continue
		}
		l.add(journal.ShellVar{Name: name, Kind: journal.VarScalar, Value: val})
		i = n + 1
	}
	for i := 0; i < len(exports); {
		if !strings.HasPrefix(exports[i:], "export ") {
			return fmt.Errorf("listing: line %q is not an export", firstLineOf(exports[i:]))
		}
		i += len("export ")
		k := i
		for k < len(exports) && exports[k] != '=' && exports[k] != '\n' {
			k++
		}
		name, n := exports[i:k], k
		if n < len(exports) && exports[n] == '=' {
			var err error
			if n+1 < len(exports) && exports[n+1] == '\n' {
				n++
			} else if _, n, err = readWord(exports, n+1, false); err != nil {
				return fmt.Errorf("listing: export %s: %w", name, err)
			}
		}
		if v, ok := l.vars[name]; ok {
			v.Attrs = "x"
			l.vars[name] = v
		}
		i = skipLine(exports, n)
	}
	return nil
}
