package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The size rules of issue 12 for the packages that run steps and draw the
// TUI: no file over 600 lines, no function (outside tests) over 80 lines
// unless its doc comment says why it must be "one piece".
func TestFileAndFunctionSizes(t *testing.T) {
	const maxFile, maxFunc = 600, 80
	for _, root := range []string{"../../steps", "../../tui"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if n := strings.Count(string(src), "\n"); n > maxFile {
				t.Errorf("%s: %d lines (at most %d)", path, n, maxFile)
			}
			if strings.HasSuffix(path, "_test.go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				n := fset.Position(fn.Body.Rbrace).Line - fset.Position(fn.Body.Lbrace).Line - 1
				if n > maxFunc && !strings.Contains(fn.Doc.Text(), "one piece") {
					t.Errorf("%s:%d: func %s has %d lines (at most %d, or say in its comment why it must be one piece)",
						path, fset.Position(fn.Pos()).Line, fn.Name.Name, n, maxFunc)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
