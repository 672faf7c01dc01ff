package runbook

import (
	"slices"
	"strings"
)

// htmlTags are names that look like `<kebab-case>` placeholders but are
// Markdown's inline HTML (in any case: `<BR>` too).
var htmlTags = map[string]bool{
	"a": true, "abbr": true, "b": true, "blockquote": true, "body": true, "br": true,
	"button": true, "canvas": true, "center": true, "code": true, "dd": true, "del": true,
	"details": true, "div": true, "dl": true, "dt": true, "em": true, "font": true,
	"footer": true, "form": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "head": true, "header": true, "hr": true, "html": true, "i": true,
	"iframe": true, "img": true, "input": true, "ins": true, "kbd": true, "label": true,
	"li": true, "link": true, "main": true, "mark": true, "meta": true, "nav": true,
	"ol": true, "option": true, "p": true, "path": true, "pre": true, "q": true, "s": true,
	"script": true, "section": true, "select": true, "small": true, "source": true,
	"span": true, "strong": true, "style": true, "sub": true, "summary": true, "sup": true,
	"svg": true, "table": true, "tbody": true, "td": true, "textarea": true, "tfoot": true,
	"th": true, "thead": true, "title": true, "tr": true, "u": true, "ul": true,
	"video": true, "audio": true, "figure": true, "figcaption": true, "picture": true,
}

// notPlaceholders are angle-bracket words that tools print, not words an
// author asks to fill in: `kubectl get` shows `<none>`, Go `<nil>`.
var notPlaceholders = map[string]bool{
	"none": true, "nil": true, "null": true, "unknown": true, "empty": true, "invalid": true,
}

// fillWords are bare words people leave in commands for the reader to
// replace; `YOUR_…` words are matched by their prefix.
var fillWords = map[string]bool{
	"CHANGEME": true, "CHANGE_ME": true, "CHANGE-ME": true,
	"REPLACEME": true, "REPLACE_ME": true, "REPLACE-ME": true,
}

// maxPlaceholderLen bounds a placeholder as written, so that a long run of
// words between `<` and `>` (a comparison, prose) is never one.
const maxPlaceholderLen = 64

// maxPlaceholderWords bounds `<instance label from alert>`-style names.
const maxPlaceholderWords = 8

// phCand is one placeholder as written in a text: its variable name and
// its bytes [start, end), brackets included.
type phCand struct {
	name       string
	start, end int
	brace      bool // `{word}`, which other programs' code also uses
}

// PlaceholderName maps a placeholder as written (without its brackets) to
// its variable name: lower case, with `_` and spaces written `-`. So
// `<POD_NAME>`, `<pod-name>`, `{pod_name}` and `<pod name>` are one
// placeholder, asked once, and a front-matter variable `POD_NAME` or
// `pod-name` declares it.
func PlaceholderName(written string) string {
	plain := true
	for i := 0; i < len(written); i++ {
		if c := written[i]; c == '_' || c == ' ' || (c >= 'A' && c <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		return written
	}
	b := []byte(written)
	for i, c := range b {
		switch {
		case c == '_' || c == ' ':
			b[i] = '-'
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

// lexPlaceholders appends to out every placeholder of s by its shape alone
// (see docs/format.md, "Placeholders"); what a placeholder's context makes
// of it (a shell comment, an awk program) is decided by the caller.
func lexPlaceholders(s string, out []phCand) []phCand {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			if i > 0 && s[i-1] == '<' {
				continue // `<<EOF` is a heredoc
			}
			if end, name, ok := angleBody(s, i+1); ok {
				if !isTypeParameter(s, i, name) {
					out = append(out, phCand{name: name, start: i, end: end + 1})
				}
				i = end
			}
		case '{':
			// ${VAR}, {{template}}, @{u}, Ruby's #{x} and %{x} are code
			if i > 0 && strings.IndexByte("${@#%", s[i-1]) >= 0 {
				continue
			}
			j := i + 1
			if j >= len(s) || !isAlpha(s[j]) {
				continue
			}
			for j < len(s) && (isIdentByte(s[j]) || s[j] == '-') {
				j++
			}
			if j < len(s) && s[j] == '}' && !(j+1 < len(s) && s[j+1] == '}') && j-i-1 <= maxPlaceholderLen {
				out = append(out, phCand{name: PlaceholderName(s[i+1 : j]), start: i, end: j + 1, brace: true})
				i = j
			}
		case 'C', 'R', 'Y':
			if end, ok := fillWordAt(s, i); ok {
				out = append(out, phCand{name: PlaceholderName(s[i:end]), start: i, end: end})
				i = end - 1
			}
		}
	}
	return out
}

// typeWords are type names found between angle brackets in code:
// `vector<int>`, `Promise<void>`, `Vec<u8>`.
var typeWords = map[string]bool{
	"string": true, "int": true, "number": true, "bool": true, "boolean": true, "float": true,
	"double": true, "any": true, "void": true, "object": true, "byte": true, "char": true,
	"long": true, "short": true, "never": true, "u8": true, "i32": true, "i64": true,
	"u32": true, "u64": true, "usize": true, "str": true, "t": true, "k": true, "v": true,
	"int32": true, "int64": true, "uint8": true, "float64": true, "float32": true,
}

// isTypeParameter reports whether the `<…>` at i is a type parameter of
// the identifier written right before it (`Array<string>`, `List<Pod>`,
// `vector<int>`) rather than a placeholder inside a word (`pre<x>post`).
func isTypeParameter(s string, i int, name string) bool {
	if i == 0 || !isIdentByte(s[i-1]) {
		return false
	}
	j := i - 1
	for j > 0 && isIdentByte(s[j-1]) {
		j--
	}
	return s[j] >= 'A' && s[j] <= 'Z' || typeWords[name]
}

// fillWordAt matches a CHANGEME-style word or a `YOUR_…` word starting at
// i. A variable (`$YOUR_TOKEN`, `${YOUR_TOKEN}`) or the name of an
// assignment (`YOUR_TOKEN=…`) is not one.
func fillWordAt(s string, i int) (int, bool) {
	if i > 0 && (isIdentByte(s[i-1]) || s[i-1] == '$' || s[i-1] == '-' || (s[i-1] == '{' && i > 1 && s[i-2] == '$')) {
		return 0, false
	}
	j := i
	for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] == '_' || s[j] == '-') {
		j++
	}
	for j > i && (s[j-1] == '-' || s[j-1] == '_') {
		j--
	}
	if j < len(s) && (isIdentByte(s[j]) || s[j] == '=') {
		return 0, false
	}
	w := s[i:j]
	if fillWords[w] || (len(w) > len("YOUR_") && strings.HasPrefix(w, "YOUR_")) {
		return j, true
	}
	return 0, false
}

// angleBody matches the inside of an `<…>` placeholder starting at i and
// returns the index of its `>` and its name: one word in lower or upper
// case (letters, digits, `-`, `_`), or up to eight such words separated by
// single spaces, all in one case (`<instance label from alert>`). Mixed
// case is XML (`<Directory>`), a space next to a bracket a redirection
// (`sort < in > out`).
func angleBody(s string, i int) (int, string, bool) {
	if i >= len(s) || !isAlpha(s[i]) {
		return 0, "", false
	}
	lower, upper, words := false, false, 1
	j := i
	for ; j < len(s) && j-i <= maxPlaceholderLen; j++ {
		c := s[j]
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
		case c == '-' || c == '_':
			// inside a word only
			if !isAlnum(s[j-1]) || j+1 >= len(s) || !isAlnum(s[j+1]) {
				return 0, "", false
			}
		case c == ' ':
			if !isAlnum(s[j-1]) || j+1 >= len(s) || !isAlnum(s[j+1]) {
				return 0, "", false
			}
			words++
		case c == '>':
			if lower && upper || words > maxPlaceholderWords {
				return 0, "", false
			}
			w := s[i:j]
			if words == 1 && (htmlTags[strings.ToLower(w)] || notPlaceholders[strings.ToLower(w)]) {
				return 0, "", false
			}
			return j, PlaceholderName(w), true
		default:
			return 0, "", false
		}
	}
	return 0, "", false
}

func isAlnum(c byte) bool { return (c >= '0' && c <= '9') || isAlpha(c) }

// placeholders collects the placeholders of every step and of the front
// matter values that may hold them, and joins them with their declarations.
func (p *parser) placeholders() {
	byName := map[string]*Placeholder{}
	add := func(name string, line int) *Placeholder {
		ph := byName[name]
		if ph == nil {
			ph = &Placeholder{Name: name, Lines: []int{}}
			byName[name] = ph
			p.doc.Placeholders = append(p.doc.Placeholders, ph)
		}
		if line > 0 && (len(ph.Lines) == 0 || ph.Lines[len(ph.Lines)-1] != line) {
			ph.Lines = append(ph.Lines, line)
		}
		return ph
	}
	if fm := p.doc.FrontMatter; fm != nil {
		for _, val := range []string{p.mysqlDSN(), awsVal(fm.AWS, 0), awsVal(fm.AWS, 1), awsVal(fm.AWS, 2)} {
			if val == "" {
				continue
			}
			ScanPlaceholders(val, func(name string, _, _ int) { add(name, p.fmValueLine(val)) })
		}
	}
	for _, st := range p.doc.Steps {
		if st.Kind == KindManual {
			continue
		}
		// a set beside the ordered list once the list is long: a step with
		// 100k placeholders must not cost 100k² comparisons, and the few
		// of an ordinary step need no map
		var inStep map[string]bool
		seen := func(name string) bool {
			if inStep != nil {
				return inStep[name]
			}
			return slices.Contains(st.Placeholders, name)
		}
		use := func(name string, line int) {
			if p.limit.placeholderUses++; p.limit.placeholderUses > p.limit.max.PlaceholderUses {
				p.tooManyPlaceholders(st, true)
				return
			}
			if !seen(name) {
				if len(byName) >= p.limit.max.Placeholders && byName[name] == nil || len(st.Placeholders) >= p.limit.max.Placeholders {
					p.tooManyPlaceholders(st, false)
					return
				}
				st.Placeholders = append(st.Placeholders, name)
				if inStep != nil {
					inStep[name] = true
				} else if len(st.Placeholders) > 16 {
					inStep = make(map[string]bool, 2*len(st.Placeholders))
					for _, n := range st.Placeholders {
						inStep[n] = true
					}
				}
			}
			add(name, line)
		}
		// calls come in offset order: count lines as they go
		line, lineOff := 0, 0
		ScanStepPlaceholders(st, st.Code, func(name string, start, _ int) {
			line += strings.Count(st.Code[lineOff:start], "\n")
			lineOff = start
			use(name, st.docLine(line))
		})
		for _, check := range []string{st.Attrs.DoneIf, st.Attrs.ReadyIf} {
			if check != "" {
				ScanStepPlaceholders(&Step{Kind: KindShell}, check, func(name string, _, _ int) { use(name, st.Line) })
			}
		}
		if st.Attrs.Cwd != "" {
			ScanPlaceholders(st.Attrs.Cwd, func(name string, _, _ int) { use(name, st.Line) })
		}
	}
	for _, ph := range p.doc.Placeholders {
		ph.Lines = sortLines(ph.Lines)
		ph.Secret = secretByName(ph.Name)
	}
	if p.doc.FrontMatter == nil {
		return
	}
	for _, v := range p.doc.FrontMatter.Variables {
		ph := byName[v.Name]
		if ph == nil {
			ph = byName[PlaceholderName(v.Name)]
		}
		if ph == nil {
			ph = add(v.Name, 0)
		}
		if ph.Var != nil {
			continue
		}
		ph.Var = v
		ph.Secret = secretByName(ph.Name) || v.Secret || isSecretSource(v.Source)
		ph.Default = v.Default
	}
}

// docLine maps a 0-based line of st.Code to its document line.
func (st *Step) docLine(codeLine int) int {
	if st.codeLine0 == 0 {
		return st.Line
	}
	if st.codeLines != nil {
		if codeLine < len(st.codeLines) {
			return st.codeLine0 + st.codeLines[codeLine]
		}
		return st.Line
	}
	return st.codeLine0 + codeLine
}

func sortLines(ls []int) []int {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j] < ls[j-1]; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
	// drop duplicates left by out-of-order additions
	w := 0
	for i, l := range ls {
		if i == 0 || l != ls[w-1] {
			ls[w] = l
			w++
		}
	}
	return ls[:w]
}

func (p *parser) mysqlDSN() string {
	if fm := p.doc.FrontMatter; fm != nil && fm.MySQL != nil {
		return fm.MySQL.DSN
	}
	return ""
}

func awsVal(a *AWSGuard, i int) string {
	if a == nil {
		return ""
	}
	return [...]string{a.Account, a.Region, a.Profile}[i]
}

// fmValueLine finds the front-matter line holding val.
func (p *parser) fmValueLine(val string) int {
	fm := p.doc.FrontMatter
	if i := strings.Index(string(p.src[fm.Span.Start:fm.Span.End]), val); i >= 0 {
		return p.lineOf(fm.Span.Start + i)
	}
	return fm.Line
}

// ShellName reports whether s is a shell variable name: letters, digits
// and _, not starting with a digit.
func ShellName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}
