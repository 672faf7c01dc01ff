package runbook

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// SetDefault writes value as the front-matter default of v. An existing
// default scalar is replaced in place; a variable without one gets a
// `default:` key in the style of its declaration (a line in a block
// mapping, a first entry in a flow mapping `{…}`, the value itself for the
// `name:` shorthand). The value is YAML-quoted when it needs to be. The
// result is decoded again and must differ from the old front matter only in
// that default, otherwise nothing is changed and an error says why. Secret
// variables are refused: their values never go into the doc.
func (e *Edit) SetDefault(v *Variable, value string) error {
	if v == nil {
		return errors.New("set default: no variable")
	}
	what := fmt.Sprintf("default of variable %s (line %d)", v.Name, v.Line)
	if v.Secret || isSecretSource(v.Source) {
		return fmt.Errorf("set %s: the variable is secret; secrets are never written into the doc", what)
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("set %s: the value is not valid UTF-8", what)
	}
	fm := e.doc.FrontMatter
	src := e.doc.Source
	if fm == nil || fm.Span.Start < 0 || fm.Span.End > len(src) || fm.Span.Len() == 0 {
		return fmt.Errorf("set %s: the document has no front matter", what)
	}
	body := frontMatterBody(src, fm.Span)
	if body.Len() < 0 {
		return fmt.Errorf("set %s: cannot find the front matter's YAML", what)
	}
	quoted := yamlScalar(value)
	var p Patch
	switch {
	case v.DefaultSpan.Len() > 0:
		if !body.Contains(v.DefaultSpan) {
			return fmt.Errorf("set %s: the default's position does not fit this document", what)
		}
		p = Patch{Span: v.DefaultSpan, Old: bytes.Clone(src[v.DefaultSpan.Start:v.DefaultSpan.End]), New: []byte(quoted)}
	default:
		var err error
		p, err = insertDefault(src, body, v.Name, quoted)
		if err != nil {
			return fmt.Errorf("set %s: %w", what, err)
		}
	}
	if err := checkDefault(src, body, p, v.Name, value); err != nil {
		return fmt.Errorf("set %s: %w; nothing changed", what, err)
	}
	p.Anchor, p.What = fm.Span, what
	return e.add(p)
}

// frontMatterBody is the YAML between the front matter's delimiter lines.
func frontMatterBody(src []byte, fm Span) Span {
	start := wbNextLine(src, fm.Start)
	end := wbLineStart(src, fm.End)
	if start < 0 || start > end {
		return Span{0, -1}
	}
	return Span{start, end}
}

// plainSafe are values that YAML reads back as the same string without
// quotes, in block and flow context alike (checked again by decoding).
var plainSafe = &lazyRE{expr: `^[A-Za-z0-9_./@][A-Za-z0-9_./@-]*$`}

// yamlScalar renders s as a YAML scalar that decodes to exactly s: plain
// when that is unambiguous, else double-quoted with escapes (one line).
func yamlScalar(s string) string {
	if plainSafe.MatchString(s) && !yaml11Keyword(s) {
		var m map[string]any
		if yaml.Unmarshal([]byte("v: "+s), &m) == nil {
			if got, ok := m["v"].(string); ok && got == s {
				return s
			}
		}
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r == 0xfeff || r == 0x85 || r == 0x2028 || r == 0x2029 || !unicode.IsPrint(r) && r != ' ':
				if r > 0xffff {
					fmt.Fprintf(&b, `\U%08x`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// yaml11Keyword reports words that YAML 1.1 readers (not yaml.v3) take
// for booleans or null; quoting them keeps the doc portable.
func yaml11Keyword(s string) bool {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		return true
	}
	return false
}

// insertDefault adds a default to a variable that has none.
func insertDefault(src []byte, body Span, name, quoted string) (Patch, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src[body.Start:body.End], &root); err != nil {
		return Patch{}, fmt.Errorf("front matter: %s", yamlMsg(err))
	}
	key, val := findVariable(&root, name)
	if val == nil {
		return Patch{}, fmt.Errorf("no declaration of %s in the front matter", name)
	}
	at := func(n *yaml.Node) int { return yamlOffset(src, body, n.Line, n.Column) }
	ins := func(off int, s string) Patch {
		return Patch{Span: Span{off, off}, Old: []byte{}, New: []byte(s)}
	}
	switch {
	case val.Kind == yaml.MappingNode && hasKey(val, "default"):
		return Patch{}, errors.New("its default is a block scalar over several lines; change it by hand")
	case val.Kind == yaml.MappingNode && val.Style&yaml.FlowStyle != 0:
		off := at(val)
		if off < 0 || src[off] != '{' {
			return Patch{}, errors.New("cannot find the variable's `{`")
		}
		if len(val.Content) == 0 {
			return ins(off+1, "default: "+quoted), nil
		}
		return ins(off+1, "default: "+quoted+", "), nil
	case val.Kind == yaml.MappingNode:
		// a new line before the first key that starts its own line
		for i := 0; i < len(val.Content); i += 2 {
			k := at(val.Content[i])
			if k < 0 {
				continue
			}
			ls := wbLineStart(src, k)
			if len(bytes.Trim(src[ls:k], " ")) != 0 {
				continue
			}
			eol := "\n"
			if e := wbContentEnd(src, k); e < len(src) && src[e] == '\r' {
				eol = "\r\n"
			}
			return ins(ls, string(src[ls:k])+"default: "+quoted+eol), nil
		}
		return Patch{}, errors.New("its declaration is on one line with no room for a `default:` line; add the default by hand")
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null":
		// `name:` (or `name: ~`): the shorthand's value is the default
		k := at(key)
		if k < 0 {
			return Patch{}, errors.New("cannot find the variable's name")
		}
		le := wbContentEnd(src, k)
		line := src[k:le]
		c := bytes.Index(line, []byte(":"))
		if c < 0 {
			return Patch{}, errors.New("cannot find the `:` after the variable's name")
		}
		vs := k + c + 1
		ve := le
		if h := bytes.Index(src[vs:le], []byte(" #")); h >= 0 {
			ve = vs + h
		}
		switch strings.TrimSpace(string(src[vs:ve])) {
		case "", "~", "null", "Null", "NULL":
		default:
			return Patch{}, errors.New("cannot find the variable's empty value")
		}
		for ve > vs && wbBlank(src[ve-1]) {
			ve--
		}
		return Patch{Span: Span{vs, ve}, Old: bytes.Clone(src[vs:ve]), New: []byte(" " + quoted)}, nil
	}
	return Patch{}, errors.New("its declaration is not a mapping; add the default by hand")
}

func hasKey(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return true
		}
	}
	return false
}

// findVariable returns the key and value nodes of a variable declared under
// `variables:` (or `vars:`).
func findVariable(root *yaml.Node, name string) (key, val *yaml.Node) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if (k.Value != "variables" && k.Value != "vars") || v.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			if v.Content[j].Value == name {
				return v.Content[j], v.Content[j+1]
			}
		}
	}
	return nil, nil
}

// yamlOffset converts a yaml.v3 line and column (1-based, columns count
// characters) inside body into a source offset, or -1.
func yamlOffset(src []byte, body Span, line, col int) int {
	off := body.Start
	for l := 1; l < line; l++ {
		n := wbNextLine(src, off)
		if n < 0 || n >= body.End {
			return -1
		}
		off = n
	}
	end := wbContentEnd(src, off)
	for c := 1; c < col; c++ {
		if off >= end {
			return -1
		}
		_, sz := utf8.DecodeRune(src[off:end])
		off += sz
	}
	if off >= end {
		return -1
	}
	return off
}

// checkDefault decodes the front matter before and after p and requires
// that the only difference is the variable's default, now value.
func checkDefault(src []byte, body Span, p Patch, name, value string) error {
	oldBody := src[body.Start:body.End]
	newBody, err := applyPatches(oldBody, []Patch{{
		Span: Span{p.Span.Start - body.Start, p.Span.End - body.Start}, Old: p.Old, New: p.New,
	}})
	if err != nil {
		return err
	}
	var before, after map[string]any
	if err := yaml.Unmarshal(oldBody, &before); err != nil {
		return fmt.Errorf("front matter: %s", yamlMsg(err))
	}
	if err := yaml.Unmarshal(newBody, &after); err != nil {
		return fmt.Errorf("the edited front matter would not be valid YAML (%s)", yamlMsg(err))
	}
	found := false
	for _, k := range []string{"variables", "vars"} {
		vars, ok := before[k].(map[string]any)
		if !ok {
			continue
		}
		if _, ok := vars[name]; !ok {
			continue
		}
		found = true
		switch d := vars[name].(type) {
		case map[string]any:
			d["default"] = value
		default:
			vars[name] = value
		}
	}
	if !found {
		return fmt.Errorf("no declaration of %s in the front matter", name)
	}
	if !reflect.DeepEqual(before, after) {
		return errors.New("the edit would change more of the front matter than the default")
	}
	return nil
}
