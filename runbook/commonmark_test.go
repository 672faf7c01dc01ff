package runbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// The write-back round trip over the CommonMark spec examples shipped in
// the goldmark module and over our own fixtures and seeds:
//   - Parse never panics and a no-op edit returns the bytes unchanged;
//   - in a variant with "[VERIFY] Is this right? " at the start of every
//     paragraph, answering any one question changes bytes only inside that
//     question's block, and the result re-parses with one question fewer and
//     a Verified item carrying the answer, in the same kind of block.

const wbMarker = "[VERIFY] Is this right? "

var wbWhen = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

type wbSpecExample struct {
	Markdown string `json:"markdown"`
	Example  int    `json:"example"`
	Section  string `json:"section"`
}

// wbGoldmarkDir finds the goldmark module's directory: `go list`, else the
// module cache path of the version this test binary was built with.
func wbGoldmarkDir(t *testing.T) string {
	t.Helper()
	const mod = "github.com/yuin/goldmark"
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d
		}
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, "go", "pkg", "mod")
	}
	for _, d := range bi.Deps {
		if d.Path == mod {
			return filepath.Join(cache, mod+"@"+d.Version)
		}
	}
	return ""
}

func wbLoadSpec(t *testing.T) []wbSpecExample {
	t.Helper()
	dir := wbGoldmarkDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "_test", "spec.json"))
	if dir == "" || err != nil {
		t.Skipf("goldmark's _test/spec.json not found (dir %q): %v", dir, err)
	}
	var ex []wbSpecExample
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatalf("spec.json: %v", err)
	}
	return ex
}

func TestCommonMarkRoundTrip(t *testing.T) {
	examples := wbLoadSpec(t)
	if len(examples) < 600 {
		t.Fatalf("spec.json has %d examples, want the whole suite", len(examples))
	}
	questions := 0
	for _, ex := range examples {
		name := fmt.Sprintf("example %d (%s)", ex.Example, ex.Section)
		src := []byte(ex.Markdown)
		wbCheckNoOp(t, name, src)
		variant := wbWithQuestions(src)
		questions += wbCheckAnswerAll(t, name+" with questions", variant)
	}
	// a regression in the parser or the variant builder would quietly make
	// the test vacuous
	if questions < 300 {
		t.Errorf("only %d questions in the spec variants, want at least 300", questions)
	}
}

func TestFixturesRoundTrip(t *testing.T) {
	docs := wbCorpus(t)
	if len(docs) == 0 {
		t.Skip("no fixtures")
	}
	for _, d := range docs {
		wbCheckNoOp(t, d.name, d.src)
		wbCheckAnswerAll(t, d.name, d.src)
		wbCheckAnswerAll(t, d.name+" with questions", wbWithQuestions(d.src))
	}
}

type wbDoc struct {
	name string
	src  []byte
}

// wbCorpus is every runbook the package's tests keep: the parser's
// fixtures, the seeds, and the doc.md of each write-back case.
func wbCorpus(tb testing.TB) []wbDoc {
	var docs []wbDoc
	var files []string
	for _, pat := range []string{"testdata/fixtures/*.md", "testdata/fixtures/*/*.md", "testdata/seeds/*.txt"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, wbDoc{f, src})
	}
	cases, _ := filepath.Glob("testdata/writeback/*.txtar")
	for _, f := range cases {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "doc.md" {
				docs = append(docs, wbDoc{f, af.Data})
			}
		}
	}
	return docs
}

// wbCheckNoOp parses src and checks an empty edit gives the same bytes.
func wbCheckNoOp(t *testing.T, name string, src []byte) *Document {
	t.Helper()
	doc := wbParse(t, name, src)
	if doc == nil {
		return nil
	}
	out, err := NewEdit(doc).Apply()
	if err != nil || !bytes.Equal(out, src) {
		t.Errorf("%s: a no-op edit gave %q, %v", name, out, err)
	}
	return doc
}

func wbParse(t *testing.T, name string, src []byte) (doc *Document) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Parse panicked: %v\n%s", name, r, debug.Stack())
			doc = nil
		}
	}()
	doc, err := Parse("doc.md", src)
	if err != nil {
		t.Errorf("%s: Parse: %v", name, err)
		return nil
	}
	return doc
}

// wbCheckAnswerAll answers each question of src in turn (each on the
// original) and returns how many there were.
func wbCheckAnswerAll(t *testing.T, name string, src []byte) int {
	t.Helper()
	doc := wbParse(t, name, src)
	if doc == nil {
		return 0
	}
	for i := range doc.Questions {
		answer := fmt.Sprintf("yes | no `x` *%d*\n[VERIFY] <b> # - 1. ok", i)
		if err := wbCheckAnswer(doc, i, answer, "Alice (ops)"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := wbCheckAnswerAtOnce(doc); err != nil {
		t.Errorf("%s: %v", name, err)
	}
	return len(doc.Questions)
}

// wbCheckAnswerAtOnce answers every question in one edit, as the engine
// does at the end of a run: no two patches may collide, and no question is
// left.
func wbCheckAnswerAtOnce(doc *Document) error {
	if len(doc.Questions) == 0 {
		return nil
	}
	e := NewEdit(doc)
	for i, q := range doc.Questions {
		if err := e.Answer(q, fmt.Sprint("answer ", i), "bob", wbWhen); err != nil {
			return fmt.Errorf("all at once: question %d: %v", i, err)
		}
	}
	out, err := e.Apply()
	if err != nil {
		return fmt.Errorf("all at once: %v", err)
	}
	doc2, err := Parse(doc.Path, out)
	if err != nil {
		return fmt.Errorf("all at once: re-parse: %v", err)
	}
	if len(doc2.Questions) != 0 {
		return fmt.Errorf("all at once: %d questions left, e.g. line %d:\n%q", len(doc2.Questions), doc2.Questions[0].Line, out)
	}
	return nil
}

// wbCheckAnswer answers question qi of doc and checks the result: only bytes
// inside the question's block changed, the new source re-parses with one
// question fewer and one more Verified item holding the answer, in the
// same kind of block (a table row keeps its cells).
func wbCheckAnswer(doc *Document, qi int, answer, who string) error {
	src := doc.Source
	q := doc.Questions[qi]
	e := NewEdit(doc)
	if err := e.Answer(q, answer, who, wbWhen); err != nil {
		return fmt.Errorf("question %d (%s, line %d): Answer: %v", qi, q.In, q.Line, err)
	}
	out, err := e.Apply()
	if err != nil {
		return fmt.Errorf("question %d: Apply: %v", qi, err)
	}
	b := q.Block
	tail := len(src) - b.End
	if len(out) < b.Start+tail || !bytes.Equal(out[:b.Start], src[:b.Start]) || !bytes.Equal(out[len(out)-tail:], src[b.End:]) {
		return fmt.Errorf("question %d (%s, line %d): bytes outside its block %d-%d changed:\n%s", qi, q.In, q.Line, b.Start, b.End, wbExcerpt(src, out, b))
	}
	for _, p := range e.Patches() {
		if !b.Contains(p.Span) || !bytes.Equal(p.Old, src[p.Span.Start:p.Span.End]) || p.Anchor != b {
			return fmt.Errorf("question %d: patch %+v is not inside its block %v", qi, p, b)
		}
	}
	if bytes.Count(out, []byte{'\n'}) > bytes.Count(src, []byte{'\n'}) {
		return fmt.Errorf("question %d: the answer added a line:\n%s", qi, wbExcerpt(src, out, b))
	}
	doc2, err := Parse(doc.Path, out)
	if err != nil {
		return fmt.Errorf("question %d: re-parse: %v", qi, err)
	}
	if len(doc2.Questions) != len(doc.Questions)-1 || len(doc2.Verified) != len(doc.Verified)+1 && wbFirstInBlock(doc, q) {
		return fmt.Errorf("question %d (%s, line %d): re-parse has %d questions and %d verified, want %d and %d:\n%s",
			qi, q.In, q.Line, len(doc2.Questions), len(doc2.Verified), len(doc.Questions)-1, len(doc.Verified)+1, wbExcerpt(src, out, b))
	}
	if !wbFirstInBlock(doc, q) {
		// the format can only tell an answered item that precedes every
		// open marker of its block; a later one stays part of the text of
		// the question before it (docs/writeback.md)
		return nil
	}
	newEnd := b.End + len(out) - len(src)
	var v *Verified
	for _, x := range doc2.Verified {
		if x.Span.Start >= b.Start && x.Span.End <= newEnd {
			v = x
		}
	}
	want := strings.Join(strings.Fields(answer), " ")
	if v == nil || v.Answer != want || v.When != wbWhen.Format("2006-01-02") {
		return fmt.Errorf("question %d: no Verified with answer %q in its block; got %+v in\n%s", qi, want, v, wbExcerpt(src, out, b))
	}
	if doc.Scraped {
		// a scraped doc's blocks come from its lines, not from goldmark
		return nil
	}
	k1, ok1 := wbBlockKindAt(src, doc, q.Marker.Start)
	// inside the "Verified:" text, not on the "**" around it
	k2, ok2 := wbBlockKindAt(out, doc2, v.Span.Start+bytes.Index(out[v.Span.Start:], []byte("Verified:")))
	// goldmark's view before and after must agree, where goldmark and the
	// parser agree on the original (they differ on some malformed input,
	// e.g. goldmark takes a lazy "--" line after a list item for a table)
	if q.TextSpan.Len() > 0 {
		// where the text ends, and the answer goes, must be in that block too
		if k, ok := wbBlockKindAt(src, doc, q.TextSpan.End-1); !ok || k != k1 {
			ok1 = false
		}
	}
	if ok1 && k1 == q.In && (!ok2 || k2 != k1) {
		return fmt.Errorf("question %d: in a %s (goldmark: %s %v), answered in a %s %v:\n%s", qi, q.In, k1, ok1, k2, ok2, wbExcerpt(src, out, b))
	}
	if q.In == InTableCell {
		if c1, c2 := wbRowCells(src, q.Marker.Start), wbRowCells(out, v.Span.Start); c1 != c2 {
			return fmt.Errorf("question %d: table row had %d cells, now %d:\n%s", qi, c1, c2, wbExcerpt(src, out, b))
		}
	}
	return nil
}

// wbWithQuestions inserts wbMarker at the start of every paragraph.
func wbWithQuestions(src []byte) []byte {
	base, md := wbGoldmarkSource(src, nil)
	root := wbGoldmark().Parser().Parse(text.NewReader(md))
	var at []int
	ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && n.Kind() == ast.KindParagraph && n.Lines().Len() > 0 {
			at = append(at, base+n.Lines().At(0).Start)
		}
		return ast.WalkContinue, nil
	})
	var out []byte
	prev := 0
	for _, a := range at {
		out = append(out, src[prev:a]...)
		out = append(out, wbMarker...)
		prev = a
	}
	return append(out, src[prev:]...)
}

func wbGoldmark() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.Table, extension.TaskList))
}

// wbGoldmarkSource is what goldmark should see of src: after a BOM, with the
// front matter blanked (newlines kept so offsets stay put).
func wbGoldmarkSource(src []byte, doc *Document) (int, []byte) {
	base := 0
	if bytes.HasPrefix(src, []byte(utf8BOM)) {
		base = len(utf8BOM)
	}
	md := bytes.Clone(src[base:])
	if doc != nil && doc.FrontMatter != nil {
		for i := doc.FrontMatter.Span.Start; i < doc.FrontMatter.Span.End && i < len(src); i++ {
			if md[i-base] != '\n' && md[i-base] != '\r' {
				md[i-base] = ' '
			}
		}
	}
	return base, md
}

// wbBlockKindAt says, independently of the parser, what kind of block holds
// the text at off.
func wbBlockKindAt(src []byte, doc *Document, off int) (BlockKind, bool) {
	base, md := wbGoldmarkSource(src, doc)
	off -= base
	root := wbGoldmark().Parser().Parse(text.NewReader(md))
	kind, found := InParagraph, false
	ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || found {
			return ast.WalkContinue, nil
		}
		switch n.(type) {
		case *east.TableCell:
			if wbTextCovers(n, off) {
				kind, found = InTableCell, true
				return ast.WalkStop, nil
			}
		case *ast.Paragraph, *ast.TextBlock:
			ls := n.Lines()
			for i := 0; i < ls.Len(); i++ {
				if s := ls.At(i); off >= s.Start && off < s.Stop {
					found = true
					kind = InParagraph
					if _, ok := n.Parent().(*ast.ListItem); ok {
						kind = InListItem
					} else {
						for a := n.Parent(); a != nil; a = a.Parent() {
							if _, ok := a.(*ast.Blockquote); ok {
								kind = InBlockQuote
							}
						}
					}
					return ast.WalkStop, nil
				}
			}
		}
		return ast.WalkContinue, nil
	})
	return kind, found
}

// wbTextCovers reports whether some text inside n spans off.
func wbTextCovers(n ast.Node, off int) bool {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok && off >= t.Segment.Start && off < t.Segment.Stop {
			return true
		}
		if wbTextCovers(c, off) {
			return true
		}
	}
	return false
}

// wbRowCells counts the cells of the table row holding off: pipes that are
// not backslash-escaped, without the optional outer ones.
func wbRowCells(src []byte, off int) int {
	row := src[wbLineStart(src, off):wbContentEnd(src, off)]
	row = bytes.TrimSpace(row)
	n := 1
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\':
			i++
		case row[i] == '|' && i > 0 && i < len(row)-1:
			n++
		}
	}
	return n
}

// wbExcerpt shows the block and a little around it, before and after.
func wbExcerpt(src, out []byte, b Span) string {
	const ctx = 80
	s, e := max(b.Start-ctx, 0), min(b.End+ctx, len(src))
	oe := min(e+len(out)-len(src), len(out))
	return fmt.Sprintf("  %q\n->%q", src[s:e], out[s:max(oe, s)])
}

// wbFirstInBlock reports whether q is the first open question of its block
// and the block holds no earlier answer: the only case where the format
// tells which text an answer belongs to.
func wbFirstInBlock(doc *Document, q *Question) bool {
	for _, o := range doc.Questions {
		if o.Block == q.Block && o.Marker.Start < q.Marker.Start {
			return false
		}
	}
	for _, v := range doc.Verified {
		if q.Block.Contains(v.Span) {
			return false
		}
	}
	return !bytes.Contains(doc.Source[q.Block.Start:q.Block.End], []byte(verifiedLabel))
}
