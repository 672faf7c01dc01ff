package runbook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := filepath.Join(dir, "huge.md")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	// sparse: 200 MB on paper, nothing on disk, never read
	if err := os.Truncate(huge, 200<<20); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing.md"), filepath.Join(dir, "missing.md") + ": no such file"},
		{dir, dir + ": is a directory, not a Markdown file"},
		{huge, huge + ": file too large (200 MiB; the limit is 64 MiB)"},
		{write("bin.md", []byte("# T\n\x7fELF\x00\x01")), filepath.Join(dir, "bin.md") + ":2: binary file (NUL byte), not a Markdown text file"},
		{write("latin1.md", []byte("# T\n\ncaf\xe9\n")), filepath.Join(dir, "latin1.md") + ":3: invalid UTF-8 (byte 0xe9), not a Markdown text file"},
	}
	for _, tc := range cases {
		doc, err := Load(tc.path)
		var re *Error
		if doc != nil || !errors.As(err, &re) {
			t.Errorf("%s: doc %v err %v, want *Error", tc.path, doc, err)
			continue
		}
		if err.Error() != tc.want || strings.Contains(err.Error(), "\n") {
			t.Errorf("err = %q\nwant  %q", err, tc.want)
		}
	}
	// bad YAML loads, and Err names file and line
	p := write("bad.md", []byte("---\nvariables:\n  env: [x\n---\n# T\n"))
	doc, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Err(); err == nil || !strings.HasPrefix(err.Error(), p+":3: front matter: ") {
		t.Errorf("Err() = %v", err)
	}
}

func TestLoadBOMAndCRLF(t *testing.T) {
	doc, err := Load("testdata/fixtures/bom-tabs.md")
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, doc)
	if !strings.HasPrefix(string(doc.Source), utf8BOM) || doc.FrontMatter == nil || doc.Title != "BOM and tabs" {
		t.Fatalf("bom doc: fm %v title %q", doc.FrontMatter, doc.Title)
	}
	st := doc.Steps[0]
	if st.Code != "\techo\t\"tab <name>\"  \nfor i in 1 2; do echo $i; done\t" || string(doc.Source[st.CodeSpan.Start:st.CodeSpan.End]) != st.Code {
		t.Errorf("code = %q", st.Code)
	}
	doc, err = Load("testdata/fixtures/crlf.md")
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, doc)
	if doc.Steps[0].Code != `echo "hello {who}"` || doc.Steps[0].Line != 7 {
		t.Errorf("crlf step = %q line %d", doc.Steps[0].Code, doc.Steps[0].Line)
	}
	for _, q := range doc.Questions {
		if strings.HasSuffix(string(doc.Source[q.Block.Start:q.Block.End]), "\r") || strings.HasSuffix(string(doc.Source[q.TextSpan.Start:q.TextSpan.End]), "\r") {
			t.Errorf("question %s block %q ends in CR", q.ID, doc.Source[q.Block.Start:q.Block.End])
		}
	}
	if len(doc.Questions) != 2 || doc.Questions[0].Text != "Does the CRLF survive? Suggested: yes." || doc.Questions[0].Suggested != "yes" {
		t.Errorf("questions = %+v", doc.Questions)
	}
}

// A write-back killed between creating its temporary file and renaming it
// leaves ".doc.md.runbook-*.tmp" beside the doc: the next Load removes it.
func TestLoadRemovesTempFilesOfAnInterruptedWriteBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.md")
	if err := os.WriteFile(path, []byte("# Doc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, ".doc.md.runbook-4242.tmp")
	if err := os.WriteFile(left, []byte("# Doc\nhalf"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temporary file still there: %v", err)
	}
}
