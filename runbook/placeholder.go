package runbook

import (
	"strings"
)

// htmlTags are names that look like `<kebab-case>` placeholders but are
// Markdown's inline HTML.
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

// scanPlaceholders calls fn with the name and offset of every placeholder
// in s: `<kebab-case>` or `{word}`. Heredocs, redirections, HTML tags,
// `${VAR}`, brace expansions and awk/jq bodies are not placeholders.
func scanPlaceholders(s string, fn func(name string, off int)) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			if i > 0 && s[i-1] == '<' {
				continue
			}
			j := i + 1
			if j >= len(s) || s[j] < 'a' || s[j] > 'z' {
				continue
			}
			for j < len(s) && (isLowerDigit(s[j]) || (s[j] == '-' && j+1 < len(s) && isLowerDigit(s[j+1]) && isLowerDigit(s[j-1]))) {
				j++
			}
			if j < len(s) && s[j] == '>' {
				name := s[i+1 : j]
				if !htmlTags[name] {
					fn(name, i)
				}
				i = j
			}
		case '{':
			if i > 0 && (s[i-1] == '$' || s[i-1] == '{' || s[i-1] == '@') {
				continue
			}
			j := i + 1
			if j >= len(s) || !isAlpha(s[j]) {
				continue
			}
			for j < len(s) && (isAlpha(s[j]) || (s[j] >= '0' && s[j] <= '9') || s[j] == '_' || s[j] == '-') {
				j++
			}
			if j < len(s) && s[j] == '}' && !(j+1 < len(s) && s[j+1] == '}') {
				fn(s[i+1:j], i)
				i = j
			}
		}
	}
}

func isLowerDigit(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }

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
		for _, v := range []struct {
			val  string
			line int
		}{
			{p.mysqlDSN(), fm.Line},
			{awsVal(fm.AWS, 0), fm.Line}, {awsVal(fm.AWS, 1), fm.Line}, {awsVal(fm.AWS, 2), fm.Line},
		} {
			if v.val == "" || !strings.ContainsAny(v.val, "<{") {
				continue
			}
			scanPlaceholders(v.val, func(name string, _ int) { add(name, p.fmValueLine(v.val)) })
		}
	}
	for _, st := range p.doc.Steps {
		if st.Kind == KindManual {
			continue
		}
		raw := p.src[st.CodeSpan.Start:st.CodeSpan.End]
		// when the code is the source bytes themselves (the common case:
		// no console filtering, CRLF or container prefixes) one scan gives
		// names and lines
		direct := !st.Console && len(raw) == len(st.Code) && string(raw) == st.Code
		// a set beside the ordered list: a step with 100k placeholders
		// must not cost 100k² comparisons
		var inStep map[string]bool
		use := func(name string, line int) {
			if p.limit.placeholderUses++; p.limit.placeholderUses > p.limit.max.PlaceholderUses {
				p.tooManyPlaceholders(st, true)
				return
			}
			if !inStep[name] {
				if len(byName) >= p.limit.max.Placeholders && byName[name] == nil || len(inStep) >= p.limit.max.Placeholders {
					p.tooManyPlaceholders(st, false)
					return
				}
				if inStep == nil {
					inStep = map[string]bool{}
				}
				inStep[name] = true
				st.Placeholders = append(st.Placeholders, name)
			}
			if line > 0 {
				add(name, line)
			}
		}
		if strings.ContainsAny(st.Code, "<{") {
			scanPlaceholders(st.Code, func(name string, off int) {
				line := 0
				if direct {
					line = p.lineOf(st.CodeSpan.Start + off)
				}
				use(name, line)
			})
		}
		if st.Attrs.DoneIf != "" || st.Attrs.Cwd != "" {
			scanPlaceholders(st.Attrs.DoneIf+" "+st.Attrs.Cwd, func(name string, _ int) { use(name, st.Line) })
		}
		if len(st.Placeholders) == 0 || direct {
			continue
		}
		// lines come from the source bytes, which for console blocks also
		// hold expected output: count only names the code uses
		for _, name := range st.Placeholders {
			add(name, 0)
		}
		scanPlaceholders(string(raw), func(name string, off int) {
			if inStep[name] {
				add(name, p.lineOf(st.CodeSpan.Start+off))
			}
		})
	}
	for _, ph := range p.doc.Placeholders {
		ph.Lines = sortLines(ph.Lines)
	}
	if p.doc.FrontMatter == nil {
		return
	}
	for _, v := range p.doc.FrontMatter.Variables {
		ph := byName[v.Name]
		if ph == nil {
			ph = byName[strings.ReplaceAll(strings.ToLower(v.Name), "_", "-")]
		}
		if ph == nil {
			ph = add(v.Name, 0)
		}
		if ph.Var != nil {
			continue
		}
		ph.Var = v
		ph.Secret = v.Secret || isSecretSource(v.Source)
		ph.Default = v.Default
	}
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
