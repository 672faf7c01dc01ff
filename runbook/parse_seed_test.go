package runbook

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScrapedSeed(t *testing.T) {
	d, err := Load("testdata/seeds/first-deployment.txt")
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, d)
	if !d.Scraped || d.Title != "First Deployment — Standing Up a New Environment" {
		t.Fatalf("scraped %v title %q", d.Scraped, d.Title)
	}
	// the seed has 25 markers; every one is a question
	if len(d.Questions) != 25 {
		t.Fatalf("questions = %d, want 25", len(d.Questions))
	}
	if len(d.Sections) != 30 {
		t.Errorf("sections = %d, want 30", len(d.Sections))
	}
	byTitle := map[string]*Section{}
	for _, s := range d.Sections {
		byTitle[s.Title] = s
	}
	for title, level := range map[string]int{
		"2. AWS account prerequisites": 1, "2.1 Networking": 2, "5.3 ECS service per task definition": 2,
		"Appendix A — EC2 / Lightsail + PM2 (if you must)": 1, "12. What to do when this doc is wrong": 1,
	} {
		s := byTitle[title]
		if s == nil || s.Level != level {
			t.Errorf("section %q = %+v, want level %d", title, s, level)
		}
	}
	if s := byTitle["2.1 Networking"]; s != nil && d.Sections[s.Parent].Title != "2. AWS account prerequisites" {
		t.Errorf("2.1 parent = %d", s.Parent)
	}
	q := d.Question("23-s3-buckets/q1")
	if q == nil || q.Suggested != "someli-{env}-primary-{region}andsomeli-{env}-media-{region}" || q.Line != 42 {
		t.Fatalf("bucket question = %+v", q)
	}
	if q := d.Question("21-networking/q1"); q == nil || q.Suggested != "one VPC per environment with public + private subnets in 2+ AZs" {
		t.Errorf("networking question = %+v", q)
	}
	if q := d.Question("24-ecr-repository/q1"); q == nil || !strings.HasSuffix(q.Text, "New environments should use a parallel naming scheme.") {
		t.Errorf("ecr question = %+v", q)
	}
	// the intro marker glued to its text still counts
	if q := d.Questions[0]; q.ID != "first-deployment--standing-up-a-new-environment/q1" || !strings.HasPrefix(q.Text, "markers in this document") {
		t.Errorf("first question = %+v", q)
	}
}

func TestMojibakeSeed(t *testing.T) {
	d, err := Load("testdata/seeds/production-deployment-guide.txt")
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, d)
	if d.Scraped || len(d.Steps) != 11 || len(d.References) != 2 || len(d.Sections) != 17 {
		t.Errorf("scraped %v steps %d refs %d sections %d", d.Scraped, len(d.Steps), len(d.References), len(d.Sections))
	}
}

// fixtureCounts pins what each fixture yields; the golden `list --json`
// files in cmd/runbook tests pin the details.
func TestFixtures(t *testing.T) {
	want := map[string][4]int{ // steps, questions, placeholders, references
		"first-deployment.md":            {14, 9, 6, 1},
		"production-deployment-guide.md": {10, 3, 2, 3},
		"crlf.md":                        {2, 2, 1, 0},
		"bom-tabs.md":                    {3, 0, 2, 0},
	}
	files, _ := filepath.Glob("testdata/fixtures/*.md")
	if len(files) != len(want) {
		t.Fatalf("fixtures = %v", files)
	}
	for _, f := range files {
		d, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, d)
		if err := d.Err(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		got := [4]int{len(d.Steps), len(d.Questions), len(d.Placeholders), len(d.References)}
		if got != want[filepath.Base(f)] {
			t.Errorf("%s: steps, questions, placeholders, refs = %v, want %v", f, got, want[filepath.Base(f)])
		}
		for _, st := range d.Steps {
			if st.Kind == KindManual {
				continue
			}
			raw := string(d.Source[st.CodeSpan.Start:st.CodeSpan.End])
			if !st.Console && strings.ReplaceAll(raw, "\r\n", "\n") != st.Code && !strings.Contains(raw, "\n  ") {
				t.Errorf("%s: step %s code %q differs from its span %q", f, st.ID, st.Code, raw)
			}
		}
	}
}

// FuzzParse: never panics, every span in bounds, markers and text inside
// their block, code inside its step.
func FuzzParse(f *testing.F) {
	for _, g := range []string{"testdata/fixtures/*.md", "testdata/seeds/*.txt"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("- [ ] x\n> [VERIFY] q\n| a |\n|---|\n| `ls -l` [VERIFY] |\n"))
	f.Add([]byte("---\nvariables: {a: 1}\n---\n```sh {name=\"x\"}\n<a-b> {c}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse("f.md", src)
		if err != nil {
			if utf8.Valid(src) && !strings.Contains(string(src), "\x00") && !errors.Is(err, ErrLimit) {
				t.Fatalf("valid text rejected: %v", err)
			}
			return
		}
		checkInvariants(t, d)
	})
}

type specExample struct {
	Markdown string `json:"markdown"`
	Example  int    `json:"example"`
}

// TestCommonMarkSpecParse parses every example of the CommonMark spec
// shipped with goldmark, alone and wrapped in list items, quotes and
// [VERIFY] markers: no panic, all spans in bounds.
func TestCommonMarkSpecParse(t *testing.T) {
	dir := goldmarkModuleDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "_test", "spec.json"))
	if err != nil {
		t.Skipf("spec.json: %v", err)
	}
	var ex []specExample
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex) < 600 {
		t.Fatalf("spec has %d examples", len(ex))
	}
	for _, e := range ex {
		for _, src := range []string{
			e.Markdown,
			"[VERIFY] " + e.Markdown,
			"- [ ] " + strings.ReplaceAll(e.Markdown, "\n", "\n  "),
			"> " + strings.ReplaceAll(e.Markdown, "\n", "\n> ") + " [VERIFY] q",
			"| a | b |\n|---|---|\n| " + strings.ReplaceAll(e.Markdown, "\n", " ") + " | [VERIFY] x |\n",
		} {
			d, err := Parse("spec.md", []byte(src))
			if err != nil {
				continue // a few examples hold NUL or invalid UTF-8 on purpose
			}
			checkInvariants(t, d)
		}
	}
}

// goldmarkModuleDir finds the goldmark module in the module cache from this
// package's build info or GOMODCACHE.
func goldmarkModuleDir(t *testing.T) string {
	t.Helper()
	out, err := execGoList()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	return out
}

// A heading or a fence behind `>` and a tab: goldmark counts the tab as
// the columns it spans, which put `>\t#` at the end of a file past the
// end of the source (a panic in list, found by FuzzScraped). Each parses,
// in bounds, its heading starting at its `#`, its step at its fence.
func TestHeadingAfterQuoteAndTab(t *testing.T) {
	for _, src := range []string{">\t#", ">\t# A", "# T\n\n>\t#", ">\t#\n", "> \t## B\nx", "T¶\n>\t#", ">\t# A\r\n",
		">\t```sh\n>\techo hi\n>\t```\n", ">\t~~~sh\n>\techo hi\n>\t~~~"} {
		d, err := Parse("f.md", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		checkInvariants(t, d)
		for _, s := range d.Sections {
			if h := s.Heading; h.Start < len(src) && src[h.Start] != '#' && !strings.Contains(src, "¶") {
				t.Errorf("%q: heading %q starts at %q", src, s.Title, src[h.Start:])
			}
		}
		for _, st := range d.Steps {
			if c := src[st.Span.Start]; c != '`' && c != '~' || st.Code != "echo hi" {
				t.Errorf("%q: step %s at %q, code %q", src, st.ID, src[st.Span.Start:], st.Code)
			}
		}
	}
}
