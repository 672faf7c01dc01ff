package runbook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// gfmCounts parses src with goldmark's own table and task list extensions
// and counts table rows (header included) and task boxes.
func gfmCounts(src []byte) (rows, boxes int) {
	root := goldmark.New(goldmark.WithExtensions(extension.Table, extension.TaskList)).Parser().Parse(text.NewReader(src))
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.(type) {
		case *east.TableRow, *east.TableHeader:
			rows++
		case *east.TaskCheckBox:
			boxes++
		}
		return ast.WalkContinue, nil
	})
	return rows, boxes
}

// Parse recognises GFM tables and task boxes itself (goldmark runs without
// extensions, see newMarkdown): it must agree with goldmark's extensions on
// the spec examples, table-heavy variants of them and the fixtures.
func TestTablesAndTasksMatchGoldmark(t *testing.T) {
	var docs []string
	if b, err := os.ReadFile(filepath.Join(goldmarkModuleDir(t), "_test", "spec.json")); err == nil {
		var ex []specExample
		if err := json.Unmarshal(b, &ex); err != nil {
			t.Fatal(err)
		}
		for _, e := range ex {
			docs = append(docs, e.Markdown,
				"| a | b |\n|---|---|\n"+e.Markdown,
				e.Markdown+"\n|---|:-:|\n| x |\n",
				"- [ ] "+e.Markdown,
			)
		}
	}
	files, _ := filepath.Glob("testdata/fixtures/*.md")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		docs = append(docs, string(b))
	}
	docs = append(docs,
		"a | b\n--|--\n1 | 2\n---\n",
		"| a |\n|---|\n===\n",
		"| a | b | c |\n|---|---|\n",
		"| a |\n|---|---|\n| 1 | 2 |\n",
		"> | q |\n> |---|\n> | r |\n",
		"- | x |\n  |---|\n  | y |\n",
		"text\n| a |\n| - |\n",
		"- [x]done\n- [\t] tab\n- [y] no\n  - [ ] nested\n",
		"1. [ ] ordered\n\n   [ ] second paragraph is not a box\n",
		"    | indented |\n    |---|\n",
		"| a |\n    |---|\n",
		"| a \\| b |\n|---|\n",
	)
	for _, doc := range docs {
		src := []byte(doc)
		if checkText(src) != nil {
			continue
		}
		wantRows, wantBoxes := gfmCounts(src)
		p := newParser("t.md", src)
		p.run()
		boxes := 0
		for _, st := range p.doc.Steps {
			if st.Kind == KindManual {
				boxes++
			}
		}
		if p.tableRows != wantRows || boxes != wantBoxes {
			t.Errorf("%q: table rows %d, task boxes %d; goldmark's extensions find %d, %d",
				strings.TrimSpace(doc), p.tableRows, boxes, wantRows, wantBoxes)
		}
	}
}
