package runbook

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// frontMatter reads the optional YAML block at the very top of the doc
// (after a BOM). It returns the model and the offset just past the closing
// delimiter line, or nil when the doc has no front matter.
func (p *parser) frontMatter() (*FrontMatter, int) {
	start := p.base
	if !isDelim(p.src[start:p.lineEnd(start)], "---") {
		return nil, 0
	}
	bodyStart := p.nextLine(start)
	closeAt := -1
	for off := bodyStart; off < len(p.src); off = p.nextLine(off) {
		le := p.lineEnd(off)
		if isDelim(p.src[off:le], "---") || isDelim(p.src[off:le], "...") {
			closeAt = off
			break
		}
	}
	if closeAt < 0 {
		// a lone thematic break at the top is just Markdown
		return nil, 0
	}
	closeEnd := p.lineEnd(closeAt)
	fm := &FrontMatter{Span: Span{start, closeEnd}, Line: p.lineOf(start)}
	end := p.nextLine(closeAt)
	body := p.src[bodyStart:closeAt]
	lineOff := p.lineOf(bodyStart) - 1
	var root yaml.Node
	if err := yaml.Unmarshal(body, &root); err != nil {
		line, msg := yamlErrLine(err)
		if l := firstBadLine(body); l > line {
			line = l
		}
		p.doc.Diagnostics = append(p.doc.Diagnostics, Diagnostic{
			Severity: SevError, Line: lineOff + max(line, 1), Code: "bad-front-matter",
			Message: "front matter: " + msg,
		})
		return fm, end
	}
	if len(root.Content) == 0 {
		return fm, end
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		p.fmErr(lineOff+top.Line, "front matter must be a mapping of keys to values")
		return fm, end
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "title", "cwd":
			// runme's: the doc's name, every step's working directory
			if v.Kind != yaml.ScalarNode {
				p.fmErr(lineOff+v.Line, k.Value+" must be a string")
				continue
			}
			if k.Value == "title" {
				fm.Title = v.Value
			} else {
				fm.Cwd = v.Value
			}
		case "variables", "vars":
			p.fmVariables(fm, v, bodyStart, lineOff)
		case "mysql":
			var m MySQL
			if err := v.Decode(&m); err != nil {
				p.fmErr(lineOff+v.Line, "mysql: "+yamlMsg(err))
				continue
			}
			fm.MySQL = &m
		case "aws":
			var a AWSGuard
			if err := v.Decode(&a); err != nil {
				p.fmErr(lineOff+v.Line, "aws: "+yamlMsg(err))
				continue
			}
			if a.Account != "" && !isAccountID(a.Account) && !strings.ContainsAny(a.Account, "<{") {
				p.fmErr(lineOff+v.Line, fmt.Sprintf("aws.account %q is not a 12-digit account id", a.Account))
			}
			fm.AWS = &a
		case "shell":
			if err := checkDocShell(v.Value); err != nil {
				p.fmErr(lineOff+v.Line, err.Error())
				continue
			}
			fm.Shell = v.Value
		case "state":
			// where runs live: a directory or s3://bucket/prefix (docs/team.md)
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" ||
				strings.Contains(v.Value, "://") && !strings.HasPrefix(strings.TrimSpace(v.Value), "s3://") {
				p.fmErr(lineOff+v.Line, "state must be a directory or s3://bucket/prefix")
				continue
			}
			fm.State = strings.TrimSpace(v.Value)
			fm.StateLine = lineOff + v.Line
		case "session":
			if v.Kind != yaml.ScalarNode || (v.Value != SessionShared && v.Value != SessionIsolated) {
				p.fmErr(lineOff+v.Line, fmt.Sprintf("session %q is not %s or %s", v.Value, SessionShared, SessionIsolated))
				continue
			}
			fm.Session = v.Value
		default:
			// Other tools' keys (a docs site's date, tags, author) are
			// theirs; a key that is one slip from runbook's is a typo
			// that would otherwise be ignored without a word.
			if want := knownKeyLike(k.Value); want != "" {
				p.doc.Diagnostics = append(p.doc.Diagnostics, Diagnostic{
					Severity: SevWarning, Line: lineOff + k.Line, Code: "unknown-front-matter-key",
					Message: fmt.Sprintf("front matter: unknown key %q, ignored: did you mean %s?", k.Value, want),
				})
			}
		}
	}
	return fm, end
}

// frontMatterKeys are the keys runbook reads; keyAliases are names
// people reach for instead.
var (
	frontMatterKeys = []string{"title", "cwd", "variables", "vars", "mysql", "aws", "shell", "state", "session"}
	keyAliases      = map[string]string{"sql": "mysql", "db": "mysql", "database": "mysql", "variable": "variables", "var": "vars"}
)

// knownKeyLike is the key of runbook's that k looks like a slip of: a
// different case, a known alias, or (for keys of 4 letters or more) one
// letter added, dropped, changed or two swapped. "" when none.
func knownKeyLike(k string) string {
	lk := strings.ToLower(k)
	if a, ok := keyAliases[lk]; ok {
		return a
	}
	for _, want := range frontMatterKeys {
		if lk == want || len(want) >= 4 && len(lk) >= 4 && oneEdit(lk, want) {
			return want
		}
	}
	return ""
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (p *parser) fmErr(line int, msg string) {
	p.doc.Diagnostics = append(p.doc.Diagnostics, Diagnostic{
		Severity: SevError, Line: line, Code: "bad-front-matter", Message: "front matter: " + msg,
	})
}

func (p *parser) fmVariables(fm *FrontMatter, v *yaml.Node, bodyStart, lineOff int) {
	if v.Kind != yaml.MappingNode {
		p.fmErr(lineOff+v.Line, "variables must be a mapping of names to declarations")
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, d := v.Content[i], v.Content[i+1]
		vr := &Variable{Name: k.Value, Line: lineOff + k.Line}
		var def *yaml.Node
		switch d.Kind {
		case yaml.ScalarNode:
			if d.Tag != "!!null" {
				vr.Default = d.Value
				def = d
			}
		case yaml.MappingNode:
			for j := 0; j+1 < len(d.Content); j += 2 {
				fk, fv := d.Content[j], d.Content[j+1]
				switch fk.Value {
				case "prompt", "default", "pattern", "secret", "source":
				default:
					p.fmErr(lineOff+fk.Line, fmt.Sprintf("variable %s: unknown field %q (want prompt, default, pattern, secret or source)", vr.Name, fk.Value))
				}
				if fk.Value == "default" && fv.Kind == yaml.ScalarNode {
					def = fv
				}
			}
			if err := d.Decode(vr); err != nil {
				p.fmErr(lineOff+d.Line, fmt.Sprintf("variable %s: %s", vr.Name, yamlMsg(err)))
			}
			vr.Name, vr.Line = k.Value, lineOff+k.Line
		default:
			p.fmErr(lineOff+d.Line, fmt.Sprintf("variable %s: want a default value or a mapping", vr.Name))
		}
		if vr.Pattern != "" {
			if _, err := regexp.Compile(vr.Pattern); err != nil {
				p.fmErr(vr.Line, fmt.Sprintf("variable %s: bad pattern: %v", vr.Name, err))
			}
		}
		if isSecretSource(vr.Source) {
			vr.Secret = true
		}
		if def != nil {
			vr.DefaultSpan = p.scalarSpan(def, bodyStart, lineOff)
		}
		fm.Variables = append(fm.Variables, vr)
	}
}

func isSecretSource(s string) bool {
	return strings.HasPrefix(s, "aws-secretsmanager:") || strings.HasPrefix(s, "aws-ssm:")
}

// scalarSpan locates a YAML scalar's bytes (quotes included) in the source,
// from the node's line and column. Block scalars get no span.
func (p *parser) scalarSpan(n *yaml.Node, bodyStart, lineOff int) Span {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Line < 1 {
		return Span{}
	}
	ln := lineOff + n.Line
	if ln < 1 || ln > len(p.lines) {
		return Span{}
	}
	off := p.lines[ln-1]
	end := p.lineEnd(off)
	// yaml.v3 columns count characters
	for c := 1; c < n.Column && off < end; c++ {
		_, sz := utf8.DecodeRune(p.src[off:end])
		off += sz
	}
	if off >= end {
		return Span{}
	}
	line := p.src[off:end]
	switch line[0] {
	case '"':
		for i := 1; i < len(line); i++ {
			if line[i] == '\\' {
				i++
				continue
			}
			if line[i] == '"' {
				return Span{off, off + i + 1}
			}
		}
		return Span{}
	case '\'':
		for i := 1; i < len(line); i++ {
			if line[i] == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				return Span{off, off + i + 1}
			}
		}
		return Span{}
	}
	// plain scalar: up to a comment or the end of the line (flow mappings
	// end at , or })
	e := len(line)
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		e = i
	}
	if n.Style&yaml.FlowStyle != 0 || strings.ContainsAny(string(line[:e]), ",}") {
		if i := bytes.IndexAny(line[:e], ",}]"); i >= 0 && !strings.Contains(n.Value, string(line[i])) {
			e = i
		}
	}
	for e > 0 && (line[e-1] == ' ' || line[e-1] == '\t') {
		e--
	}
	return Span{off, off + e}
}

func isDelim(line []byte, d string) bool {
	return string(bytes.TrimRight(line, " \t")) == d
}

// firstBadLine finds the first line at which the YAML stops parsing: yaml.v3
// reports the line where the enclosing construct started, which for a
// long variables block is far from the typo. Front matter is small, so
// re-parsing prefixes is cheap; huge blocks keep yaml's own line.
func firstBadLine(body []byte) int {
	if bytes.Count(body, []byte{'\n'}) > 200 {
		return 0
	}
	var n yaml.Node
	line := 0
	for off := 0; off < len(body); {
		i := bytes.IndexByte(body[off:], '\n')
		end := len(body)
		if i >= 0 {
			end = off + i + 1
		}
		line++
		if yaml.Unmarshal(body[:end], &n) != nil {
			return line
		}
		off = end
	}
	return 0
}

var yamlLineRE = &lazyRE{expr: `^yaml: line (\d+): `}

// yamlErrLine extracts the 1-based line from a yaml.v3 error.
func yamlErrLine(err error) (int, string) {
	msg := yamlMsg(err)
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, strings.TrimPrefix(err.Error(), m[0])
	}
	return 0, msg
}

// yamlInnerLineRE matches the "line N: " that yaml.v3 puts before each of
// its unmarshal errors.
var yamlInnerLineRE = &lazyRE{expr: `^line \d+: `}

// yamlMsg is a yaml.v3 error as one line without its own line numbers:
// those count from the start of the YAML, not of the file, and the caller
// names the file line (a message saying "doc.md:4: … line 3: …" points at
// two different lines).
func yamlMsg(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = yamlInnerLineRE.ReplaceAllString(strings.TrimSpace(l), ""); l != "" {
			parts = append(parts, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(parts, "; ")
}
