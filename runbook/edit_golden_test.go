package runbook

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// update rewrites golden files instead of comparing with them. It is the
// runbook package's only -update flag: other golden tests of the package
// should use it too.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestWriteBackGolden runs the case files in testdata/writeback/. Each is a
// txtar archive holding doc.md, the edits to make (one per line:
// `answer QUESTION-ID ANSWER…`, `tick STEP-ID done|undone`,
// `default VARIABLE VALUE…`, `record PLACEHOLDER VALUE…`), and the expected want.md and diff.
// Run with -update to rewrite want.md and diff after reviewing a change.
func TestWriteBackGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/writeback/*.txtar")
	if len(files) == 0 {
		t.Fatal("no case files in testdata/writeback")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sec := map[string][]byte{}
			for _, f := range ar.Files {
				sec[f.Name] = f.Data
			}
			src, ops := sec["doc.md"], sec["ops"]
			if src == nil || ops == nil {
				t.Fatalf("%s needs doc.md and ops sections", file)
			}
			doc, err := Parse("doc.md", src)
			if err != nil {
				t.Fatal(err)
			}
			e := NewEdit(doc)
			for _, op := range strings.Split(strings.TrimSpace(string(ops)), "\n") {
				if err := wbApplyOp(doc, e, op); err != nil {
					t.Fatalf("%s: %v", op, err)
				}
			}
			got, err := e.Apply()
			if err != nil {
				t.Fatal(err)
			}
			diff := Diff("doc.md", src, got)
			if *update {
				for i, f := range ar.Files {
					switch f.Name {
					case "want.md":
						ar.Files[i].Data = got
					case "diff":
						ar.Files[i].Data = []byte(diff)
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := sec["want.md"]; !bytes.Equal(got, want) {
				t.Errorf("new source:\n%s\nwant:\n%s", got, want)
			}
			if want := string(sec["diff"]); diff != want {
				t.Errorf("diff:\n%s\nwant:\n%s", diff, want)
			}
			// the result is a valid write-back: nothing left to answer from ops
			doc2, err := Parse("doc.md", got)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range strings.Split(strings.TrimSpace(string(ops)), "\n") {
				if f := strings.Fields(op); len(f) > 1 && f[0] == "answer" && doc2.Question(f[1]) != nil {
					t.Errorf("question %s still open after the write-back", f[1])
				}
			}
		})
	}
}

func wbApplyOp(doc *Document, e *Edit, op string) error {
	verb, rest, _ := strings.Cut(op, " ")
	id, arg, _ := strings.Cut(rest, " ")
	switch verb {
	case "answer":
		q := doc.Question(id)
		if q == nil {
			return fmt.Errorf("no question %s (have %v)", id, wbQuestionIDs(doc))
		}
		return e.Answer(q, arg, "Alice Ops", wbWhen)
	case "tick":
		st := doc.Step(id)
		if st == nil {
			return fmt.Errorf("no step %s", id)
		}
		return e.Tick(st, arg == "done")
	case "record":
		return e.RecordValue(id, arg)
	case "default":
		if doc.FrontMatter != nil {
			for _, v := range doc.FrontMatter.Variables {
				if v.Name == id {
					return e.SetDefault(v, arg)
				}
			}
		}
		return fmt.Errorf("no variable %s", id)
	}
	return fmt.Errorf("unknown edit %q", verb)
}

func wbQuestionIDs(doc *Document) []string {
	var ids []string
	for _, q := range doc.Questions {
		ids = append(ids, q.ID)
	}
	return ids
}
