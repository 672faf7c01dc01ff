package runbook

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RecordValue writes a value a run discovered for placeholder name (a
// step's named output the engineer confirmed) into the doc, for the next
// person: as the variable's recorded value in the front matter (its
// default: an existing declaration is patched in place, a missing one is
// added, and a doc without front matter gets one), and into the value
// cell of the table row that names the placeholder, if the doc has one. A
// value over several lines goes into the front matter only. Secret
// placeholders are refused: their values never go into the doc.
func (e *Edit) RecordValue(name, value string) error {
	doc := e.doc
	what := fmt.Sprintf("recorded value of <%s>", name)
	v := doc.declaration(name)
	if ph := doc.Placeholder(name); (ph != nil && ph.Secret) || (v != nil && (v.Secret || isSecretSource(v.Source))) {
		return fmt.Errorf("set %s: the variable is secret; secrets are never written into the doc", what)
	}
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("set %s: the value is blank", what)
	}
	if err := checkAnswerText(value, "value"); err != nil {
		return fmt.Errorf("set %s: %w", what, err)
	}
	// All or nothing: a cell that cannot take the value leaves the
	// front matter as it was too.
	patches, decls := e.patches, e.declared
	var err error
	if v != nil {
		err = e.SetDefault(v, value)
	} else {
		err = e.declare(name, value, what)
	}
	if row := doc.ValueRow(name); err == nil && row != nil && !strings.ContainsAny(value, "\r\n") {
		err = e.setCell(row, value)
	}
	if err != nil {
		e.patches, e.declared = patches, decls
	}
	return err
}

// declaration is the front-matter variable that declares placeholder
// name (under its own spelling or another, `DB_HOST` for `<db-host>`).
func (d *Document) declaration(name string) *Variable {
	if ph := d.Placeholder(name); ph != nil && ph.Var != nil {
		return ph.Var
	}
	if d.FrontMatter == nil {
		return nil
	}
	for _, v := range d.FrontMatter.Variables {
		if v.Name == name || PlaceholderName(v.Name) == name {
			return v
		}
	}
	return nil
}

// lineEnding is the doc's line break: "\r\n" when its first line ends so.
func lineEnding(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// declWhat begins the What of the patch that declares new variables.
const declWhat = "variables added to the front matter"

// declared is a variable RecordValue adds to the front matter.
type declared struct{ name, value string }

// declare adds `name: value` (the shorthand for a default) to the front
// matter's variables: before the first declaration (in its indentation),
// into a flow mapping, under an empty `variables:`, as a new `variables:`
// block at the end of the front matter, or in a new front matter at the
// top of a doc that has none. Every variable added goes in at that one
// place, in one patch. The front matter is decoded before and after: the
// only difference must be the new variables.
func (e *Edit) declare(name, value, what string) error {
	for _, d := range e.declared {
		if d.name == name {
			return fmt.Errorf("set %s: recorded already in this edit", what)
		}
	}
	decls := append(slices.Clone(e.declared), declared{name, value})
	p, err := e.declarePatch(decls)
	if err != nil {
		return fmt.Errorf("set %s: %w", what, err)
	}
	p.What = declWhat + " (" + what + ")"
	// The patch replaces the one made for the variables declared before.
	old := e.patches
	e.patches = slices.DeleteFunc(slices.Clone(old), func(q Patch) bool { return strings.HasPrefix(q.What, declWhat) })
	if err := e.add(p); err != nil {
		e.patches = old
		return err
	}
	e.declared = decls
	return nil
}

// declarePatch is the one patch that adds decls to the front matter.
func (e *Edit) declarePatch(decls []declared) (Patch, error) {
	src := e.doc.Source
	eol := lineEnding(src)
	entries := make([]string, len(decls))
	for i, d := range decls {
		entries[i] = yamlKey(d.name) + ": " + yamlScalar(d.value)
	}
	fm := e.doc.FrontMatter
	if fm == nil || fm.Span.Len() == 0 {
		at := 0
		if bytes.HasPrefix(src, []byte(utf8BOM)) {
			at = len(utf8BOM)
		}
		block := "variables:" + eol + "  " + strings.Join(entries, eol+"  ") + eol
		if err := checkVariables(nil, []byte(strings.ReplaceAll(block, "\r\n", "\n")), decls); err != nil {
			return Patch{}, err
		}
		// The anchor that finds the spot again if the file changes
		// meanwhile: the doc's first line.
		anchor := Span{at, wbNextLine(src, at)}
		if anchor.End < 0 {
			anchor.End = len(src)
		}
		if anchor.Len() == 0 {
			return Patch{}, errors.New("the document is empty")
		}
		return Patch{Span: Span{at, at}, Old: []byte{}, New: []byte("---" + eol + block + "---" + eol), Anchor: anchor}, nil
	}
	body := frontMatterBody(src, fm.Span)
	if body.Len() < 0 {
		return Patch{}, errors.New("cannot find the front matter's YAML")
	}
	p, err := variablesPatch(src, body, entries, eol)
	if err != nil {
		return Patch{}, err
	}
	newBody, err := applyPatches(src[body.Start:body.End], []Patch{{
		Span: Span{p.Span.Start - body.Start, p.Span.End - body.Start}, Old: p.Old, New: p.New,
	}})
	if err != nil {
		return Patch{}, err
	}
	if err := checkVariables(src[body.Start:body.End], newBody, decls); err != nil {
		return Patch{}, fmt.Errorf("%w; nothing changed", err)
	}
	p.Anchor = fm.Span
	return p, nil
}

// yamlKey is name as a YAML mapping key.
func yamlKey(name string) string { return yamlScalar(name) }

// variablesPatch finds where new variable entries go in the front matter.
func variablesPatch(src []byte, body Span, entries []string, eol string) (Patch, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src[body.Start:body.End], &root); err != nil {
		return Patch{}, fmt.Errorf("front matter: %s", yamlMsg(err))
	}
	ins := func(off int, s string) Patch { return Patch{Span: Span{off, off}, Old: []byte{}, New: []byte(s)} }
	at := func(n *yaml.Node) int { return yamlOffset(src, body, n.Line, n.Column) }
	key, vars := variablesNode(&root)
	switch {
	case vars == nil:
		// No variables yet: a new block at the end of the front matter.
		return ins(body.End, "variables:"+eol+"  "+strings.Join(entries, eol+"  ")+eol), nil
	case vars.Kind == yaml.MappingNode && vars.Style&yaml.FlowStyle != 0:
		off := at(vars)
		if off < 0 || src[off] != '{' {
			return Patch{}, errors.New("cannot find the variables' `{`")
		}
		s := strings.Join(entries, ", ")
		if len(vars.Content) > 0 {
			s += ", "
		}
		return ins(off+1, s), nil
	case vars.Kind == yaml.MappingNode && len(vars.Content) > 0:
		k := at(vars.Content[0])
		if k < 0 {
			return Patch{}, errors.New("cannot find the first variable")
		}
		ls := wbLineStart(src, k)
		if len(bytes.Trim(src[ls:k], " ")) != 0 {
			return Patch{}, errors.New("the first variable does not start its own line; add the variable by hand")
		}
		indent := string(src[ls:k])
		return ins(ls, indent+strings.Join(entries, eol+indent)+eol), nil
	case vars.Kind == yaml.ScalarNode && vars.Tag == "!!null":
		// `variables:` with nothing after it on its line.
		k := at(key)
		if k < 0 {
			return Patch{}, errors.New("cannot find `variables:`")
		}
		le := wbContentEnd(src, k)
		if strings.TrimSpace(string(src[k:le])) != key.Value+":" {
			return Patch{}, errors.New("`variables:` is not alone on its line; add the variable by hand")
		}
		indent := string(src[wbLineStart(src, k):k]) + "  "
		return ins(le, eol+indent+strings.Join(entries, eol+indent)), nil
	}
	return Patch{}, errors.New("variables is not a mapping; add the variable by hand")
}

// variablesNode returns the key and value of the front matter's
// `variables:` (or `vars:`), nil when it has none.
func variablesNode(root *yaml.Node) (key, val *yaml.Node) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i]; k.Value == "variables" || k.Value == "vars" {
			return k, top.Content[i+1]
		}
	}
	return nil, nil
}

// checkVariables decodes the front matter before and after and requires
// that the only difference is the new variables, with their values.
func checkVariables(oldBody, newBody []byte, decls []declared) error {
	var before, after map[string]any
	if err := yaml.Unmarshal(oldBody, &before); err != nil {
		return fmt.Errorf("front matter: %s", yamlMsg(err))
	}
	if err := yaml.Unmarshal(newBody, &after); err != nil {
		return fmt.Errorf("the edited front matter would not be valid YAML (%s)", yamlMsg(err))
	}
	if before == nil {
		before = map[string]any{}
	}
	key := "variables"
	if _, ok := before["vars"]; ok {
		key = "vars"
	}
	vars, _ := before[key].(map[string]any)
	if vars == nil {
		vars = map[string]any{}
	}
	for _, d := range decls {
		if _, ok := vars[d.name]; ok {
			return fmt.Errorf("%s is declared already", d.name)
		}
		vars[d.name] = d.value
	}
	before[key] = vars
	if !reflect.DeepEqual(before, after) {
		return errors.New("the edit would change more of the front matter than the new variables")
	}
	return nil
}

// setCell writes value into a value row's cell, as a code span (values
// are literal text), and checks that the row still has its cells and
// that the cell reads back as value.
func (e *Edit) setCell(row *ValueRow, value string) error {
	src := e.doc.Source
	what := fmt.Sprintf("value of <%s> in the table row at line %d", row.Name, row.Line)
	if row.Row.Start < 0 || row.Row.End > len(src) || row.Row.Start > row.Row.End {
		return fmt.Errorf("set %s: the row's position does not fit this document", what)
	}
	raw := rawCells(src, row.Row.Start, row.Row.End)
	if row.Col >= len(raw) {
		return fmt.Errorf("set %s: the row has no cell %d", what, row.Col+1)
	}
	c := raw[row.Col]
	span := trimSpan(src, c)
	text := CodeSpan(value)
	if span.Len() == 0 {
		span = c
		text = " " + text
		if c.End < row.Row.End { // a pipe follows
			text += " "
		}
	}
	p := Patch{Span: span, Old: bytes.Clone(src[span.Start:span.End]), New: []byte(text), Anchor: row.Row, What: what}
	newRow, err := applyPatches(src[row.Row.Start:row.Row.End], []Patch{{
		Span: Span{span.Start - row.Row.Start, span.End - row.Row.Start}, Old: p.Old, New: p.New,
	}})
	if err != nil {
		return fmt.Errorf("set %s: %w", what, err)
	}
	cells := splitRow(newRow, 0, len(newRow))
	if len(cells) != len(splitRow(src, row.Row.Start, row.Row.End)) || CellText(newRow[cells[row.Col].Start:cells[row.Col].End]) != value {
		return fmt.Errorf("set %s: the value would change the table's cells; write it by hand", what)
	}
	return e.add(p)
}

// rawCells returns the untrimmed bytes of each cell of a table row held
// in src[start:end] (between its pipes).
func rawCells(src []byte, start, end int) []Span {
	for end > start && (src[end-1] == ' ' || src[end-1] == '\t') {
		end--
	}
	i := start
	for i < end && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if i < end && src[i] == '|' {
		i++
	}
	if end > i && src[end-1] == '|' && !escaped(src, end-1) {
		end--
	}
	var cells []Span
	cs := i
	for ; i <= end; i++ {
		if i == end || (src[i] == '|' && !escaped(src, i)) {
			cells = append(cells, Span{cs, i})
			cs = i + 1
		}
	}
	return cells
}

// CodeSpan is value as a Markdown code span inside a table cell: fenced
// with one backtick more than its longest run of them, padded when it
// starts or ends with a backtick or a space, its pipes escaped (GFM splits
// cells on them even inside code spans).
func CodeSpan(value string) string {
	run, longest := 0, 0
	for i := 0; i < len(value); i++ {
		if value[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	v := strings.ReplaceAll(value, "|", `\|`)
	if strings.HasPrefix(v, "`") || strings.HasSuffix(v, "`") || strings.HasPrefix(v, " ") || strings.HasSuffix(v, " ") {
		v = " " + v + " "
	}
	return fence + v + fence
}

// CellText is the text of a table cell as CodeSpan writes it: the code
// span's content with its pipes unescaped; other cells trimmed as they are.
func CellText(cell []byte) string {
	s := strings.TrimSpace(string(cell))
	n := 0
	for n < len(s) && s[n] == '`' {
		n++
	}
	if n > 0 && len(s) >= 2*n && strings.HasSuffix(s, strings.Repeat("`", n)) && (len(s) == 2*n || s[len(s)-n-1] != '`') {
		inner := s[n : len(s)-n]
		if len(inner) >= 2 && inner[0] == ' ' && inner[len(inner)-1] == ' ' && strings.Trim(inner, " ") != "" {
			inner = inner[1 : len(inner)-1]
		}
		return strings.ReplaceAll(inner, `\|`, "|")
	}
	return strings.ReplaceAll(s, `\|`, "|")
}
