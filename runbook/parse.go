package runbook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	gparser "github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// utf8BOM is tolerated at the start of a document; every span stays relative
// to the original bytes, BOM included.
const utf8BOM = "\xef\xbb\xbf"

// markerText is what turns a sentence into an open question.
const markerText = "[VERIFY]"

// Parse builds the document model of a Markdown runbook. It fails only for
// input that is not a Markdown text file (NUL bytes, invalid UTF-8); every
// structural problem becomes a Diagnostic so nothing is lost from view.
func Parse(path string, src []byte) (*Document, error) {
	return parse(path, src, DefaultLimits())
}

// parse is Parse within the given limits (benchmarks lift them).
func parse(path string, src []byte, lim Limits) (*Document, error) {
	if err := checkText(src); err != nil {
		err.Path = path
		return nil, err
	}
	if err := tooBig(src, lim); err != nil {
		err.Path = path
		return nil, err
	}
	p := newParser(path, src)
	p.limit.max = lim
	// The doc's hash (a few percent of a parse) is taken on another core
	// while the model is built: nothing in the parse reads it.
	hashed := make(chan string, 1)
	go func() {
		sum := sha256.Sum256(src)
		hashed <- hex.EncodeToString(sum[:])
	}()
	p.run()
	p.doc.Hash = <-hashed
	if err := p.pastLimit(); err != nil {
		return nil, err
	}
	return p.doc, nil
}

// checkText rejects binary and non-UTF-8 input, naming the line of the first
// offending byte.
func checkText(src []byte) *Error {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &Error{Line: 1 + bytes.Count(src[:i], []byte{'\n'}),
			Err: errors.New("binary file (NUL byte), not a Markdown text file")}
	}
	if utf8.Valid(src) {
		return nil
	}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return &Error{Line: 1 + bytes.Count(src[:i], []byte{'\n'}),
				Err: fmt.Errorf("invalid UTF-8 (byte 0x%02x), not a Markdown text file", src[i])}
		}
		i += n
	}
	return nil
}

// Err returns the first error-severity diagnostic as a *Error naming the
// file and line, or nil. Commands other than `check` refuse such documents.
func (d *Document) Err() error {
	for _, dg := range d.Diagnostics {
		if dg.Severity == SevError {
			return &Error{Path: d.Path, Line: dg.Line, Err: errors.New(dg.Message)}
		}
	}
	return nil
}

// parser holds the state of one Parse call. Offsets it stores are always
// into the original source; goldmark works on src[base:] (or a copy of it
// with the front matter blanked), so its offsets are shifted by base.
type parser struct {
	doc   *Document
	src   []byte
	base  int
	md    []byte // what goldmark parses; md[i] corresponds to src[base+i]
	lines []int  // start offset of every line

	fences   int // fenced code blocks seen (a doc with none may be scraped)
	headings int

	// questions and verified items in source order, numbered per section
	// together so that answering one never renumbers the others.
	qitems []qitem

	hbuf []byte // reused by stepHash

	tableRows int        // rows of GFM tables seen (tests compare with goldmark's)
	limit     blockLimit // what Limits allow, and where the doc passed them
	// tables maps a paragraph's first line end (in md) to the index of its
	// table's header line (see tableFinder)
	tables map[int]int
	// headingLines are the lines where Markdown headings start: a ¶ on
	// them is a permalink, not a sign of a scraped page
	headingLines map[int]bool

	// steps and questions are allocated in chunks: a big runbook has
	// thousands and one allocation each is most of the model's GC cost
	stepSlab []Step
	qSlab    []Question
}

func (p *parser) newStep(st Step) *Step {
	if len(p.stepSlab) == 0 {
		p.stepSlab = make([]Step, 64)
	}
	s := &p.stepSlab[0]
	p.stepSlab = p.stepSlab[1:]
	*s = st
	if len(s.Shell.Argv) == 0 && (s.Kind == KindShell || s.Kind == KindCheck) {
		// decided once, here, for every step however it was found
		s.Shell = ResolveInterp(s.Kind, s.Lang, s.Attrs, p.docShell())
	}
	if s.codeLine0 == 0 && s.Kind != KindManual && s.CodeSpan.Len() > 0 {
		// code taken verbatim from the source (scraped blocks, check
		// cells): its lines are the source's lines
		s.codeLine0 = p.lineOf(s.CodeSpan.Start)
	}
	return s
}

func (p *parser) newQuestion(q Question) *Question {
	if len(p.qSlab) == 0 {
		p.qSlab = make([]Question, 32)
	}
	x := &p.qSlab[0]
	p.qSlab = p.qSlab[1:]
	*x = q
	return x
}

// qitem is a question or a verified item before ids and sections exist.
type qitem struct {
	q *Question
	v *Verified
}

func (it qitem) start() int {
	if it.q != nil {
		return it.q.Marker.Start
	}
	return it.v.Span.Start
}

func newParser(path string, src []byte) *parser {
	p := &parser{
		src:   src,
		limit: blockLimit{at: -1, max: DefaultLimits()},
		doc: &Document{
			Path:         path,
			Source:       src,
			Sections:     []*Section{},
			Steps:        []*Step{},
			Questions:    []*Question{},
			Placeholders: []*Placeholder{},
		},
	}
	if bytes.HasPrefix(src, []byte(utf8BOM)) {
		p.base = len(utf8BOM)
	}
	p.lines = lineStarts(src)
	return p
}

// lineStarts returns the offset at which every line begins.
func lineStarts(src []byte) []int {
	ls := make([]int, 1, 1+bytes.Count(src, []byte{'\n'}))
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return ls
		}
		i += j + 1
		ls = append(ls, i)
	}
}

// lineOf returns the 1-based line holding offset off.
func (p *parser) lineOf(off int) int {
	// the first line start after off: its index is off's 1-based line
	i, _ := slices.BinarySearch(p.lines, off+1)
	return i
}

// lineEnd returns the offset of the end of the line holding off, before its
// line ending ("\n" or "\r\n").
func (p *parser) lineEnd(off int) int {
	e := len(p.src)
	if i := bytes.IndexByte(p.src[off:], '\n'); i >= 0 {
		e = off + i
	}
	if e > off && p.src[e-1] == '\r' {
		e--
	}
	return e
}

// nextLine returns the offset of the line after the one holding off
// (len(src) at the end).
func (p *parser) nextLine(off int) int {
	if i := bytes.IndexByte(p.src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(p.src)
}

func (p *parser) lineStart(off int) int {
	return p.lines[p.lineOf(off)-1]
}

func (p *parser) diag(sev Severity, off int, code, format string, args ...any) {
	p.doc.Diagnostics = append(p.doc.Diagnostics, Diagnostic{
		Severity: sev, Line: p.lineOf(off), Code: code, Message: fmt.Sprintf(format, args...),
	})
}

func (p *parser) run() {
	if fm, end := p.frontMatter(); fm != nil {
		p.doc.FrontMatter = fm
		// goldmark would read the YAML as a thematic break and a setext
		// heading: it only sees what follows.
		p.base = end
	}
	p.md = p.src[p.base:]
	root := p.newMarkdown().Parser().Parse(text.NewReader(p.md))
	_ = ast.Walk(root, p.visit)

	if p.fences == 0 && p.looksScraped() {
		p.doc.Scraped = true
		p.qitems = p.qitems[:0]
		p.doc.Sections = p.doc.Sections[:0]
		p.scrapedSections()
		p.scrapedQuestions()
		p.scrapedSteps()
	}
	p.finishSections()
	p.finish()
}

// newMarkdown is goldmark's CommonMark block parser and nothing else: no
// inline parsers and no extensions. The model needs the block structure;
// GFM tables and task boxes are recognised on the raw lines of paragraphs
// exactly as goldmark's extensions do (see tableStart, taskBox), and where
// a marker sits in a code span or HTML is decided on the raw bytes of the
// (rare) blocks that hold one (see exclusions). That keeps Parse cheaper
// than goldmark's own full parse of the same bytes.
func (p *parser) newMarkdown() goldmark.Markdown {
	gp := gparser.NewParser(
		gparser.WithBlockParsers(blockParsers(&p.limit)...),
		gparser.WithParagraphTransformers(gparser.DefaultParagraphTransformers()...),
		// where goldmark's table extension would run, on the lines as they
		// are before the paragraph trims their indentation
		gparser.WithParagraphTransformers(util.Prioritized(tableFinder{p}, 200)),
	)
	return goldmark.New(goldmark.WithParser(gp))
}

// tableFinder records which paragraphs end in a GFM table, keyed by the end
// of their first line (which closing a paragraph does not move).
type tableFinder struct{ p *parser }

func (f tableFinder) Transform(node *ast.Paragraph, _ text.Reader, _ gparser.Context) {
	lines := node.Lines()
	if lines.Len() < 2 {
		return
	}
	if h := tableStartLines(f.p.md, lines); h >= 0 {
		if f.p.tables == nil {
			f.p.tables = map[int]int{}
		}
		f.p.tables[lines.At(0).Stop] = h
	}
}

func (p *parser) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	switch n := n.(type) {
	case *ast.Heading:
		segs := p.segments(n.Lines())
		if p.isSetextTable(n, segs) {
			// goldmark's table extension turns these lines into a table
			// before the underline can make them a heading
			p.textSegs(n, segs)
			return ast.WalkSkipChildren, nil
		}
		p.headings++
		p.heading(n)
		if li, ok := n.Parent().(*ast.ListItem); ok && li.FirstChild() == n && len(segs) > 0 {
			// a task box works in a heading too (`- [ ] Foo` over `---`)
			if checked, ok := taskBox(p.src, segs[0].Start); ok {
				p.taskItem(li, segs, checked, trimEOL(p.src, Span{segs[0].Start, segs[len(segs)-1].End}))
			}
		}
		return ast.WalkSkipChildren, nil
	case *ast.FencedCodeBlock:
		p.fences++
		p.fence(n)
		return ast.WalkSkipChildren, nil
	case *ast.CodeBlock:
		p.indentedCode(n)
		return ast.WalkSkipChildren, nil
	case *ast.HTMLBlock:
		return ast.WalkSkipChildren, nil
	case *ast.Paragraph, *ast.TextBlock:
		p.textBlock(n)
		return ast.WalkSkipChildren, nil
	}
	return ast.WalkContinue, nil
}

// segSpan converts goldmark lines to a source span: first line start to the
// last line's end, without its line ending.
func (p *parser) segSpan(lines *text.Segments) Span {
	first, last := lines.At(0), lines.At(lines.Len()-1)
	s, e := p.base+first.Start, p.base+last.Stop
	for e > s && (p.src[e-1] == '\n' || p.src[e-1] == '\r') {
		e--
	}
	return Span{s, e}
}

// ---- headings ------------------------------------------------------------

func (p *parser) heading(n *ast.Heading) {
	start := p.base + n.Pos()
	if n.Pos() < 0 {
		if n.Lines().Len() == 0 {
			return
		}
		start = p.base + n.Lines().At(0).Start
	}
	start = p.atxStart(n, start)
	end := p.lineEnd(start)
	if n.Lines().Len() > 0 {
		last := n.Lines().At(n.Lines().Len() - 1)
		if end < p.base+last.Start || isSetext(p.src, p.lineEnd(p.base+last.Start)) {
			end = p.lineEnd(p.base + last.Start)
		}
		if isSetext(p.src, end) {
			// the underline is part of the heading
			end = p.lineEnd(p.nextLine(end))
		}
	}
	if p.headingLines == nil {
		p.headingLines = map[int]bool{}
	}
	p.headingLines[p.lineStart(start)] = true
	title := cleanTitle(stripLinks(stripInline(p.rawText(n.Lines()))))
	p.doc.Sections = append(p.doc.Sections, &Section{
		Title:   title,
		Level:   n.Level,
		Line:    p.lineOf(start),
		Heading: Span{start, end},
	})
}

// atxStart corrects goldmark's position of a heading: it counts a tab
// after `>` as the columns it spans, not the one byte it is, which put
// `>\t# A` on the A and `>\t#` at the end of a file past the end of the
// source (a panic, found by FuzzScraped). An ATX heading starts at the
// first `#` before its text.
func (p *parser) atxStart(n *ast.Heading, start int) int {
	if n.Lines().Len() > 0 {
		start = min(start, p.base+n.Lines().At(0).Start)
	}
	start = min(start, len(p.src))
	if start < len(p.src) && p.src[start] == '#' {
		return start
	}
	j := start
	for j > 0 && (p.src[j-1] == ' ' || p.src[j-1] == '\t') {
		j--
	}
	if j == 0 || p.src[j-1] != '#' {
		return start // a setext heading: it starts at its text
	}
	for j > 0 && p.src[j-1] == '#' {
		j--
	}
	return j
}

// isSetext reports whether the line after the one ending at end is a setext
// underline (only `=` or `-`, optionally indented).
func isSetext(src []byte, end int) bool {
	i := end
	for i < len(src) && (src[i] == '\r' || src[i] == '\n') {
		if src[i] == '\n' {
			i++
			break
		}
		i++
	}
	if i >= len(src) || i == end {
		return false
	}
	j := i
	for j < len(src) && (src[j] == ' ' || src[j] == '\t') && j-i < 3 {
		j++
	}
	if j >= len(src) || (src[j] != '=' && src[j] != '-') {
		return false
	}
	c := src[j]
	for j < len(src) && src[j] == c {
		j++
	}
	for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\r') {
		j++
	}
	return j >= len(src) || src[j] == '\n'
}

// cleanTitle drops the trailing ¶ anchor (and whitespace) that docs copied
// from rendered pages carry.
func cleanTitle(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasSuffix(s, "¶") {
		s = strings.TrimSpace(strings.TrimSuffix(s, "¶"))
	}
	return s
}

// stripLinks replaces `[text](url)` and `![alt](src)` by their text: the
// parser does not build link nodes (see newMarkdown).
func stripLinks(s string) string {
	if !strings.Contains(s, "](") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '[' || (s[i] == '!' && i+1 < len(s) && s[i+1] == '[') {
			o := i
			if s[i] == '!' {
				o++
			}
			if c := strings.IndexByte(s[o:], ']'); c > 0 && o+c+1 < len(s) && s[o+c+1] == '(' {
				if e := strings.IndexByte(s[o+c+1:], ')'); e > 0 {
					b.WriteString(s[o+1 : o+c])
					i = o + c + 1 + e
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// rawText is a block's text lines joined by spaces (the parser builds no
// inline nodes, see newMarkdown).
func (p *parser) rawText(lines *text.Segments) string {
	if lines.Len() == 1 {
		seg := lines.At(0)
		return string(bytes.TrimSpace(p.md[seg.Start:seg.Stop]))
	}
	var b strings.Builder
	for i := 0; i < lines.Len(); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		seg := lines.At(i)
		b.Write(bytes.TrimSpace(p.md[seg.Start:seg.Stop]))
	}
	return b.String()
}

// finishSections links the heading tree and computes ids and bodies.
func (p *parser) finishSections() {
	secs := p.doc.Sections
	var stack []int
	for i, s := range secs {
		for len(stack) > 0 && secs[stack[len(stack)-1]].Level >= s.Level {
			stack = stack[:len(stack)-1]
		}
		s.Parent = -1
		slug := slugify(s.Title)
		s.ID = slug
		if len(stack) > 0 {
			s.Parent = stack[len(stack)-1]
			s.ID = secs[s.Parent].ID + "/" + slug
		}
		stack = append(stack, i)
		s.Body.Start = p.nextLine(s.Heading.End)
		s.Body.End = len(p.src)
		if i+1 < len(secs) {
			s.Body.End = p.lineStart(secs[i+1].Heading.Start)
		}
		if s.Body.End < s.Body.Start {
			s.Body.End = s.Body.Start
		}
	}
	if fm := p.doc.FrontMatter; fm != nil && fm.Title != "" {
		p.doc.Title = fm.Title
		return
	}
	for _, s := range secs {
		if s.Level == 1 && !p.doc.Scraped {
			p.doc.Title = s.Title
			break
		}
	}
	if p.doc.Title == "" && len(secs) > 0 {
		p.doc.Title = secs[0].Title
	}
}

// sectionAt returns the index of the section holding offset off, -1 before
// the first heading.
func (p *parser) sectionAt(off int) int {
	secs := p.doc.Sections
	return sort.Search(len(secs), func(i int) bool { return secs[i].Heading.Start > off }) - 1
}

// ---- code blocks ---------------------------------------------------------

func (p *parser) fence(n *ast.FencedCodeBlock) {
	start := min(p.base+n.Pos(), len(p.src))
	// goldmark's position may sit on indentation; the span starts at the fence.
	for start < len(p.src) && (p.src[start] == ' ' || p.src[start] == '\t') {
		start++
	}
	// It may also sit past the fence's first character, counting a tab
	// after `>` as the columns it spans (see atxStart).
	if start > 0 && (p.src[start-1] == '`' || p.src[start-1] == '~') && (start == len(p.src) || p.src[start] == p.src[start-1]) {
		for c := p.src[start-1]; start > 0 && p.src[start-1] == c; start-- {
		}
	}
	fch := byte('`')
	if start < len(p.src) {
		fch = p.src[start]
	}
	flen := 0
	for start+flen < len(p.src) && p.src[start+flen] == fch {
		flen++
	}
	openEnd := p.lineEnd(start)
	info := ""
	if n.Info != nil {
		info = string(n.Info.Segment.Value(p.md))
	}
	lines := n.Lines()
	var code strings.Builder
	codeSpan := Span{p.nextLine(openEnd), p.nextLine(openEnd)}
	after := codeSpan.Start // where a closing fence would be
	var body string
	if lines.Len() > 0 {
		contiguous := true
		size := 0
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			size += seg.Len() + seg.Padding
			if seg.Padding > 0 || (i > 0 && seg.Start != lines.At(i-1).Stop) {
				contiguous = false
			}
		}
		if contiguous {
			// the common case: one allocation, straight from the source
			body = string(p.md[lines.At(0).Start:lines.At(lines.Len()-1).Stop])
		} else {
			code.Grow(size)
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				if seg.Padding > 0 {
					code.WriteString(strings.Repeat(" ", seg.Padding))
				}
				code.Write(seg.Value(p.md))
			}
			body = code.String()
		}
		codeSpan = p.segSpan(lines)
		after = p.base + lines.At(lines.Len()-1).Stop
		if after > 0 && p.src[after-1] != '\n' {
			after = len(p.src) + 1 // content ran to EOF without a newline
		}
	}
	if codeSpan.Start > len(p.src) {
		codeSpan = Span{len(p.src), len(p.src)}
	}
	end := codeSpan.End
	if lines.Len() == 0 {
		end = openEnd
	}
	closed := false
	if after < len(p.src) && isClosingFence(p.src[after:p.lineEnd(after)], fch, flen) {
		closed = true
		end = p.lineEnd(after)
	}
	if !closed && lines.Len() == 0 {
		codeSpan = Span{end, end}
	}
	if !closed {
		p.diag(SevError, start, "unclosed-fence", "unclosed code fence (opened with %s)", strings.Repeat(string(fch), flen))
	}
	if strings.Contains(body, "\r\n") {
		body = strings.ReplaceAll(body, "\r\n", "\n")
	}
	body = strings.TrimSuffix(body, "\n")
	p.codeBlock(info, body, Span{start, end}, codeSpan)
}

// isClosingFence reports whether line (with any container prefix such as
// "> " or indentation) closes a fence of flen fch characters.
func isClosingFence(line []byte, fch byte, flen int) bool {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '>') {
		i++
	}
	n := 0
	for i < len(line) && line[i] == fch {
		i++
		n++
	}
	if n < flen {
		return false
	}
	for ; i < len(line); i++ {
		if line[i] != ' ' && line[i] != '\t' {
			return false
		}
	}
	return true
}

func (p *parser) indentedCode(n *ast.CodeBlock) {
	lines := n.Lines()
	if lines.Len() == 0 {
		return
	}
	var code strings.Builder
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(p.md))
	}
	sp := p.segSpan(lines)
	body := strings.TrimRight(strings.ReplaceAll(code.String(), "\r\n", "\n"), "\n")
	p.doc.References = append(p.doc.References, &Reference{
		Line: p.lineOf(sp.Start), Code: body, Span: Span{p.lineStart(sp.Start), sp.End},
	})
}

func langKind(lang string) (kind StepKind, console, ok bool) {
	switch strings.ToLower(lang) {
	case "sh", "bash", "zsh", "shell", "shell-script", "shellscript":
		return KindShell, false, true
	case "console", "shell-session", "shellsession", "sh-session", "bash-session":
		return KindShell, true, true
	case "sql", "mysql":
		return KindSQL, false, true
	}
	return 0, false, false
}

// codeBlock turns a fenced block into a step or a reference.
func (p *parser) codeBlock(info, body string, span, codeSpan Span) {
	lang, attrText := splitInfo(info)
	attrs, diags := parseAttrs(attrText)
	for _, d := range diags {
		p.diag(SevError, span.Start, d.code, "%s", d.msg)
	}
	kind, console, ok := langKind(lang)
	mode := modeShell
	switch {
	case console:
		mode = modeConsole
	case !ok && lang == "" && !attrs.Run:
		// an unlabelled fence is a step only if its lines are commands
		kind, ok, mode = KindShell, true, modeUnlabelled
	case !ok && attrs.Run:
		kind, ok = KindShell, true
		if attrs.Shell == "" && lang != "" {
			attrs.Shell = interpreters[strings.ToLower(lang)]
			if attrs.Shell == "" {
				attrs.Shell = strings.ToLower(lang)
			}
		}
	}
	line := p.lineOf(span.Start)
	st := Step{
		Kind:     kind,
		Line:     line,
		EndLine:  p.lineOf(span.End),
		Lang:     lang,
		Attrs:    attrs,
		Code:     body,
		Span:     span,
		CodeSpan: codeSpan,
	}
	st.Shell = ResolveInterp(kind, lang, attrs, p.docShell())
	if ok && kind == KindShell && dialectOf(&st) == dialectShell {
		b, isStep := readShellBody(body, mode)
		ok = isStep
		st.Code, st.Expected, st.Console, st.Inferred, st.codeLines = b.code, b.expected, b.console, b.inferred, b.lines
	} else if ok && strings.TrimSpace(body) == "" {
		ok = false // an empty block runs nothing
	}
	if !ok {
		p.doc.References = append(p.doc.References, &Reference{
			Lang: lang, Line: line, Code: body, Span: span,
		})
		return
	}
	if codeSpan.Len() > 0 {
		st.codeLine0 = p.lineOf(codeSpan.Start)
	}
	p.addStep(p.newStep(st))
}

// splitInfo separates a fence's language from its attributes.
func splitInfo(info string) (lang, attrs string) {
	info = strings.TrimSpace(info)
	i := strings.IndexAny(info, " \t{")
	if i < 0 {
		return info, ""
	}
	return info[:i], strings.TrimSpace(info[i:])
}

func (p *parser) addStep(st *Step) {
	p.doc.Steps = append(p.doc.Steps, st)
}

// ---- paragraphs, list items, quotes --------------------------------------

// segments converts goldmark lines to source spans (each with its line
// ending).
func (p *parser) segments(lines *text.Segments) []Span {
	segs := make([]Span, lines.Len())
	for i := range segs {
		s := lines.At(i)
		segs[i] = Span{p.base + s.Start, p.base + s.Stop}
	}
	return segs
}

// isSetextTable reports whether a setext heading's lines hold a table.
func (p *parser) isSetextTable(n *ast.Heading, segs []Span) bool {
	if len(segs) < 2 {
		return false
	}
	start := segs[0].Start
	return start < len(p.src) && p.src[start] != '#' && p.tableAt(segs) >= 0
}

// tableAt returns the header line index of the table ending the paragraph
// made of segs, or -1.
func (p *parser) tableAt(segs []Span) int {
	if len(segs) < 2 || p.tables == nil {
		return -1
	}
	if h, ok := p.tables[segs[0].End-p.base]; ok && h < len(segs) {
		return h
	}
	return -1
}

func (p *parser) textBlock(n ast.Node) {
	if n.Lines().Len() == 0 {
		return
	}
	p.textSegs(n, p.segments(n.Lines()))
}

// textSegs handles a paragraph (or tight list item text) given as its line
// segments: a GFM table at its end, a task box at its start, questions.
func (p *parser) textSegs(n ast.Node, segs []Span) {
	if h := p.tableAt(segs); h >= 0 {
		p.table(segs[h:])
		segs = segs[:h]
		if len(segs) == 0 {
			return
		}
	}
	block := trimEOL(p.src, Span{segs[0].Start, segs[len(segs)-1].End})
	if li, ok := n.Parent().(*ast.ListItem); ok && li.FirstChild() == n {
		if checked, ok := taskBox(p.src, block.Start); ok {
			p.taskItem(li, segs, checked, block)
		}
	}
	raw := p.src[block.Start:block.End]
	hasMarker := bytes.Contains(raw, []byte(markerText))
	if !hasMarker && !bytes.Contains(raw, []byte(verifiedLabel)) {
		return
	}
	in := InParagraph
	if _, ok := n.Parent().(*ast.ListItem); ok {
		in = InListItem
	} else {
		for a := n.Parent(); a != nil; a = a.Parent() {
			if _, ok := a.(*ast.Blockquote); ok {
				in = InBlockQuote
				break
			}
		}
	}
	var skip []Span
	if hasMarker {
		skip = exclusions(p.src, block)
	}
	p.scanBlock(block, segs, skip, in)
}

// trimEOL drops line endings from the end of s.
func trimEOL(src []byte, s Span) Span {
	for s.End > s.Start && (src[s.End-1] == '\n' || src[s.End-1] == '\r') {
		s.End--
	}
	return s
}

// taskBox matches goldmark's task list syntax (`^\[([\sxX])\]`) at off.
func taskBox(src []byte, off int) (checked, ok bool) {
	if off+3 > len(src) || src[off] != '[' || src[off+2] != ']' {
		return false, false
	}
	switch src[off+1] {
	case ' ', '\t':
		return false, true
	case 'x', 'X':
		return true, true
	}
	return false, false
}

// scanBlock finds the markers and write-back answers of one block. segs are
// the block's text segments (container prefixes excluded); skip lists spans
// where a marker is literal text.
func (p *parser) scanBlock(block Span, segs []Span, skip []Span, in BlockKind) {
	var marks []Span
	for off := block.Start; off < block.End; {
		i := bytes.Index(p.src[off:block.End], []byte(markerText))
		if i < 0 {
			break
		}
		m := off + i
		off = m + len(markerText)
		if escaped(p.src, m) || inSpans(skip, m) || !inSpans(segs, m) {
			continue
		}
		end := m + len(markerText)
		if end < block.End && p.src[end] == ' ' {
			end++
		}
		marks = append(marks, Span{m, end})
	}
	// the text before the first marker may hold an earlier answer
	first := block.End
	if len(marks) > 0 {
		first = marks[0].Start
	}
	p.verifiedPart(Span{block.Start, first}, segs)
	for i, mk := range marks {
		te := block.End
		if i+1 < len(marks) {
			te = marks[i+1].Start
		}
		ts := trimSpan(p.src, Span{mk.End, te})
		if ts.Len() == 0 {
			ts = Span{mk.End, mk.End}
			if mk.End > te {
				ts = Span{te, te}
			}
		}
		txt := joinSegs(p.src, segs, ts)
		q := p.newQuestion(Question{
			Text:      txt,
			Suggested: suggestion(txt),
			Line:      p.lineOf(mk.Start),
			In:        in,
			Marker:    mk,
			TextSpan:  ts,
			Block:     block,
		})
		p.qitems = append(p.qitems, qitem{q: q})
	}
}

// verifiedPart records a Verified item for every write-back answer in part
// (a block, or the text of a block before its first marker): each answer
// belongs to the text since the previous one.
func (p *parser) verifiedPart(part Span, segs []Span) {
	if part.Len() <= 0 || !bytes.Contains(p.src[part.Start:part.End], []byte(verifiedLabel)) {
		return
	}
	prev := part.Start
	for _, v := range FindVerified(string(p.src[part.Start:part.End])) {
		// start inside the block's text, past any quote marker or indent
		i := sort.Search(len(segs), func(i int) bool { return segs[i].End > prev })
		if i < len(segs) && segs[i].Start <= prev && len(bytes.TrimSpace(p.src[prev:segs[i].End])) == 0 {
			i++ // only the line ending is left on this line
		}
		if i < len(segs) && segs[i].Start > prev {
			prev = segs[i].Start
		}
		q := trimSpan(p.src, Span{prev, part.Start + v.Start})
		span := trimSpan(p.src, Span{prev, part.Start + v.End})
		prev = part.Start + v.End
		p.qitems = append(p.qitems, qitem{v: &Verified{
			Text: joinSegs(p.src, segs, q), Answer: v.Answer, By: v.Who, When: v.When,
			Line: p.lineOf(span.Start), Span: span,
		}})
	}
}

// escaped reports whether the byte at i is preceded by an odd number of
// backslashes.
func escaped(src []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && src[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// inSpans reports whether off lies in one of spans, which are sorted and
// do not overlap (a block's lines, its code spans): a binary search keeps
// blocks with thousands of lines and markers linear enough.
func inSpans(spans []Span, off int) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End > off })
	return i < len(spans) && spans[i].Start <= off
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// trimSpan shrinks s past leading and trailing whitespace.
func trimSpan(src []byte, s Span) Span {
	for s.Start < s.End && isSpace(src[s.Start]) {
		s.Start++
	}
	for s.End > s.Start && isSpace(src[s.End-1]) {
		s.End--
	}
	return s
}

// joinSegs returns the text of span s restricted to the block's segments
// (dropping quote markers and indentation between lines), with runs of
// whitespace folded to one space, in one allocation.
func joinSegs(src []byte, segs []Span, s Span) string {
	// only the segments overlapping s: a question is short, its block may
	// be huge
	first := sort.Search(len(segs), func(i int) bool { return segs[i].End > s.Start })
	segs = segs[first:]
	n := 0
	for _, g := range segs {
		if g.Start >= s.End {
			break
		}
		if lo, hi := max(g.Start, s.Start), min(g.End, s.End); lo < hi {
			n += hi - lo + 1
		}
	}
	b := make([]byte, 0, n)
	space := true // drop leading whitespace
	for _, g := range segs {
		if g.Start >= s.End {
			break
		}
		lo, hi := max(g.Start, s.Start), min(g.End, s.End)
		if lo >= hi {
			continue
		}
		if !space {
			b = append(b, ' ')
			space = true
		}
		for _, c := range src[lo:hi] {
			if isSpace(c) {
				if !space {
					b = append(b, ' ')
					space = true
				}
				continue
			}
			b = append(b, c)
			space = false
		}
	}
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// foldSpace collapses whitespace runs to single spaces and trims.
func foldSpace(s string) string {
	simple := true
	prev := byte(' ')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSpace(c) && (c != ' ' || prev == ' ') {
			simple = false
			break
		}
		prev = c
	}
	if simple && (len(s) == 0 || s[len(s)-1] != ' ') {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// suggestion extracts the proposed answer from a `Recommended:` or
// `Suggested:` sentence in a question's text.
func suggestion(txt string) string {
	i := -1
	for _, kw := range []string{"Recommended:", "Suggested:", "recommended:", "suggested:", "Recommendation:"} {
		if j := strings.Index(txt, kw); j >= 0 && (i < 0 || j < i) {
			i = j + len(kw)
		}
	}
	if i < 0 {
		return ""
	}
	s := strings.TrimLeft(txt[i:], " *_")
	for j := 0; j < len(s); j++ {
		if (s[j] == '.' || s[j] == '!' || s[j] == '?') && (j+1 == len(s) || s[j+1] == ' ') {
			s = s[:j]
			break
		}
	}
	s = strings.TrimSpace(s)
	for _, w := range []string{"**", "__", "`", "*", "_"} {
		if len(s) > 2*len(w) && strings.HasPrefix(s, w) && strings.HasSuffix(s, w) {
			s = s[len(w) : len(s)-len(w)]
		}
	}
	return strings.TrimSpace(s)
}

// ---- task lists ----------------------------------------------------------

func (p *parser) taskItem(li *ast.ListItem, segs []Span, checked bool, block Span) {
	box := block.Start
	start := p.base + li.Pos()
	if li.Pos() < 0 || start > box {
		start = box
	}
	for start < box && (p.src[start] == ' ' || p.src[start] == '\t') {
		start++
	}
	cs := trimSpan(p.src, Span{box + 3, block.End})
	if cs.Len() == 0 {
		cs = Span{block.End, block.End}
	}
	txt := joinSegs(p.src, segs, cs)
	p.addStep(p.newStep(Step{
		Kind:     KindManual,
		Title:    stripInline(txt),
		Line:     p.lineOf(start),
		EndLine:  p.lineOf(block.End),
		Code:     txt,
		Checked:  checked,
		Span:     Span{start, block.End},
		CodeSpan: cs,
		Box:      Span{box, box + 3},
	}))
}
