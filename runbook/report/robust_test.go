package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// everyStatus gives the doc's steps a run in which they cycle through every
// status, each with a one-line log, so any document makes a full report.
func everyStatus(t testing.TB, doc *runbook.Document) Input {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	all := []journal.Status{journal.OK, journal.Failed, journal.Skipped, journal.DoneByHand, journal.Pending,
		journal.Interrupted, journal.TimedOut, journal.AlreadyDone, journal.Running}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := journal.NewState()
	st.Run, st.Who, st.Host, st.Started, st.Updated = "r", "me", "box", at, at
	one := 1
	// one log for all: creating files is what would make this slow
	log := "logs/all.log"
	if err := os.WriteFile(filepath.Join(dir, log), []byte("a line with ```` in it\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, s := range doc.Steps {
		status := all[i%len(all)]
		if status == journal.Pending {
			continue
		}
		st.Steps[s.ID] = &journal.StepState{Status: status, Hash: s.Hash, Note: "note *" + s.ID + "*",
			Attempts: []journal.Attempt{{N: 1, Started: at, Duration: time.Second, ExitCode: &one, Status: status, Log: log}}}
	}
	for i, q := range doc.Questions {
		switch i % 3 {
		case 0:
			st.Answers[q.ID] = journal.Answer{Value: "yes | no <b> `x`", Who: "me", Time: at}
		case 1:
			st.Answers[q.ID] = journal.Answer{Skipped: true, Who: "me", Time: at}
		}
	}
	return Input{Doc: doc, State: st, RunDir: dir, Now: at}
}

func loadDoc(t testing.TB, path string) *runbook.Document {
	t.Helper()
	doc, err := runbook.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRealDocuments renders the runbook package's fixtures (modelled on the
// seeds: scraped, CRLF, BOM and tabs) through the real parser: every step's
// card lands in the HTML, and every step gets exactly one status block in
// the Markdown, which goldmark reads back as a block quote inside the same
// container as the step.
func TestRealDocuments(t *testing.T) {
	files, _ := filepath.Glob("../testdata/fixtures/*.md")
	seeds, _ := filepath.Glob("../testdata/seeds/*.txt")
	files = append(files, seeds...)
	if len(files) == 0 {
		t.Skip("no fixtures in ../testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc := loadDoc(t, f)
			in := everyStatus(t, doc)
			html := string(render(t, "html", in))
			if strings.Contains(html, "RBSTEP") {
				t.Error("a step token was left in the HTML (a card was not placed)")
			}
			if n := strings.Count(html, `<div class="step `); n != len(doc.Steps) {
				t.Errorf("HTML has %d step cards, the doc %d steps", n, len(doc.Steps))
			}
			md := render(t, "md", in)
			checkStatusBlocks(t, doc, md)
			for _, format := range []string{"json", "junit"} {
				render(t, format, in)
			}
		})
	}
}

// checkStatusBlocks parses the Markdown report and finds, for every step,
// one block quote starting with its status line; a status block of a step
// inside a list item must be inside a list item too.
func checkStatusBlocks(t *testing.T, doc *runbook.Document, md []byte) {
	t.Helper()
	root := newMarkdown().Parser().Parse(text.NewReader(md))
	found := map[string]int{}
	inItem := map[string]bool{}
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		bq, ok := n.(*ast.Blockquote)
		if !entering || !ok || bq.FirstChild() == nil || bq.FirstChild().Lines().Len() == 0 {
			return ast.WalkContinue, nil
		}
		first := bq.FirstChild().Lines().At(0)
		line := string(first.Value(md))
		for _, s := range doc.Steps {
			if strings.Contains(line, "· "+mdCode(s.ID)) && strings.HasPrefix(line, "**") {
				found[s.ID]++
				for p := n.Parent(); p != nil; p = p.Parent() {
					if p.Kind() == ast.KindListItem {
						inItem[s.ID] = true
					}
				}
			}
		}
		return ast.WalkContinue, nil
	})
	for _, s := range doc.Steps {
		if found[s.ID] != 1 {
			t.Errorf("step %s (line %d): %d status blocks in the Markdown report", s.ID, s.Line, found[s.ID])
			continue
		}
		ls := lineStart(doc.Source, s.Span.Start)
		lead := strings.TrimLeft(string(doc.Source[ls:s.Span.Start]), " \t>")
		nested := s.Kind != runbook.KindCheck && (strings.TrimSpace(string(doc.Source[ls:s.Span.Start])) != "" ||
			s.Kind == runbook.KindManual || lead != "")
		if s.Kind == runbook.KindManual || (nested && strings.ContainsAny(lead, "-*+")) {
			if !inItem[s.ID] {
				t.Errorf("step %s (line %d) is in a list item, its status block is not", s.ID, s.Line)
			}
		}
	}
}

func TestContainerPrefix(t *testing.T) {
	for lead, want := range map[string]string{
		"":          "",
		"   ":       "   ",
		"- ":        "  ",
		"  * ":      "    ",
		"10. ":      "    ",
		"1) ":       "   ",
		"> ":        "> ",
		"> - ":      ">   ",
		">> 2. ":    ">>    ",
		"\t":        "\t",
		"-notalist": "",
	} {
		if got := containerPrefix([]byte(lead)); got != want {
			t.Errorf("containerPrefix(%q) = %q, want %q", lead, got, want)
		}
	}
}

func TestCRLFDocumentKeepsItsLineEndings(t *testing.T) {
	src := "# T\r\n\r\n- [ ] do it\r\n\r\n```sh {name=a}\r\necho a\r\n```\r\n"
	doc, err := runbook.Parse("crlf.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	md := string(render(t, "md", everyStatus(t, doc)))
	if strings.Contains(strings.ReplaceAll(md, "\r\n", ""), "\n") {
		t.Errorf("a bare \\n in the report of a CRLF document:\n%q", md)
	}
}

func writeLog(t *testing.T, body func(w *bufio.Writer)) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.log")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	body(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExcerptBounds(t *testing.T) {
	const secret = "TOPSECRETVALUE"
	m := newMasker([]string{secret})
	t.Run("many lines", func(t *testing.T) {
		p := writeLog(t, func(w *bufio.Writer) {
			for i := 1; i <= 200000; i++ {
				fmt.Fprintf(w, "line %d %s\n", i, secret)
			}
		})
		x := readExcerpt(p, m)
		if x.Lines != 200000 || len(x.Head) != headLines || len(x.Tail) != tailLines || x.Cut != 200000-60 {
			t.Fatalf("lines %d head %d tail %d cut %d", x.Lines, len(x.Head), len(x.Tail), x.Cut)
		}
		if x.Head[0] != "line 1 ****" || x.Tail[tailLines-1] != "line 200000 ****" || x.Tail[0] != "line 199961 ****" {
			t.Errorf("head %q tail %q…%q", x.Head[0], x.Tail[0], x.Tail[tailLines-1])
		}
		if !strings.Contains(x.Text(), "… 199940 lines cut; full log: "+p) {
			t.Errorf("no cut note in %q", x.Text())
		}
	})
	t.Run("huge lines stay under 8 KiB", func(t *testing.T) {
		p := writeLog(t, func(w *bufio.Writer) {
			for i := 0; i < 100; i++ {
				w.WriteString(strings.Repeat("x", 5000) + "\n")
			}
		})
		x := readExcerpt(p, m)
		if n := len(x.Text()); n > excerptBytes+200 {
			t.Errorf("excerpt is %d bytes", n)
		}
		if x.Lines != 100 || x.Cut != 100-len(x.Head)-len(x.Tail) || len(x.Head) == 0 || len(x.Tail) == 0 {
			t.Errorf("lines %d head %d tail %d cut %d", x.Lines, len(x.Head), len(x.Tail), x.Cut)
		}
		if !strings.HasSuffix(x.Head[0], " …") || len(x.Head[0]) > lineBytes+len(" …") {
			t.Errorf("long line not cut: %d bytes", len(x.Head[0]))
		}
	})
	t.Run("one 20 MB line without a newline", func(t *testing.T) {
		p := writeLog(t, func(w *bufio.Writer) {
			chunk := strings.Repeat("y", 1<<20)
			for i := 0; i < 20; i++ {
				w.WriteString(chunk)
			}
		})
		x := readExcerpt(p, m)
		if x.Lines != 1 || x.Cut != 0 || len(x.Head) != 1 || len(x.Head[0]) > lineBytes+4 || x.Bytes != 20<<20 {
			t.Errorf("lines %d cut %d head %d (%d bytes) size %d", x.Lines, x.Cut, len(x.Head), len(x.Head[0]), x.Bytes)
		}
	})
	t.Run("a secret cut in half by the line limit", func(t *testing.T) {
		for pad := lineBytes - len(secret); pad <= lineBytes; pad++ {
			got := cleanLine([]byte(strings.Repeat("a", pad)+secret+" tail"), false, m)
			if strings.Contains(got, secret[:4]) {
				t.Fatalf("pad %d: partial secret in %q", pad, got[len(got)-30:])
			}
		}
	})
	t.Run("terminal output", func(t *testing.T) {
		got := cleanLine([]byte("\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07 10%\r 55%\r100%\r"), false, m)
		if got != "100%" {
			t.Errorf("progress line: %q", got)
		}
		got = cleanLine([]byte("\x1b[32mok\x1b[0m\tdone\x07\x00 \xff"), false, m)
		if got != "ok\tdone \uFFFD" {
			t.Errorf("cleaned: %q", got)
		}
	})
	t.Run("missing log", func(t *testing.T) {
		x := readExcerpt(filepath.Join(t.TempDir(), "nope.log"), m)
		if x.Err != "log file missing" || !x.Empty() {
			t.Errorf("%+v", x)
		}
	})
}

func TestFenceFor(t *testing.T) {
	for text, want := range map[string]string{"": "```", "a ``` b": "````", "`````": "``````"} {
		if got := fenceFor(text, '`'); got != want {
			t.Errorf("fenceFor(%q) = %q", text, got)
		}
	}
	if got := mdCode("a|b`c"); got != "``a\\|b`c``" {
		t.Errorf("mdCode: %q", got)
	}
}

// FuzzReport: any document, any run shape: no panic, no token left in the
// HTML, the Markdown keeps every step's status block, JUnit stays XML.
func FuzzReport(f *testing.F) {
	files, _ := filepath.Glob("../testdata/fixtures/*.md")
	for _, p := range append(files, fixtureDoc) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("> - [ ] quoted task\n>\n> ```sh\n> echo x\n> ```\n| a | `b` |\n|---|---|\n| c | `d` |"))
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := runbook.Parse("fuzz.md", src)
		if err != nil {
			return
		}
		in := everyStatus(t, doc)
		var b bytes.Buffer
		for _, format := range Formats() {
			b.Reset()
			if err := Write(&b, format, in); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if format == "html" && bytes.Contains(b.Bytes(), []byte("RBSTEP")) && !bytes.Contains(src, []byte("RBSTEP")) {
				t.Fatal("a step token was left in the HTML")
			}
		}
	})
}

// BenchmarkReport renders a generated 2000-section runbook (4000 steps,
// 2000 questions, every status) in each format.
func BenchmarkReport(b *testing.B) {
	var src strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&src, "## Section %d\n\nSome prose [VERIFY] question %d?\n\n- [ ] task %d\n\n```sh\necho %d\n```\n\n", i, i, i, i)
	}
	doc, err := runbook.Parse("big.md", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	in := everyStatus(b, doc)
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if err := Write(io.Discard, format, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
