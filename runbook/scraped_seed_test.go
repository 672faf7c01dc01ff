package runbook

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// seedQuestionsReport lists every question of a doc with its spans, then
// the diff of answering all of them at once: a golden of it pins the
// questions and their write-back byte for byte.
func seedQuestionsReport(t *testing.T, d *Document) string {
	t.Helper()
	var b strings.Builder
	for _, q := range d.Questions {
		fmt.Fprintf(&b, "%s line %d %s marker %v text %v block %v\n  text: %s\n  suggested: %s\n",
			q.ID, q.Line, q.In, q.Marker, q.TextSpan, q.Block, q.Text, q.Suggested)
	}
	e := NewEdit(d)
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for i, q := range d.Questions {
		if err := e.Answer(q, fmt.Sprintf("answer %d", i+1), "Alice Ops", when); err != nil {
			t.Fatal(err)
		}
	}
	diff, err := e.Diff()
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	b.WriteString(diff)
	return b.String()
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s (run with -update and review the diff):\n%s", path, got)
	}
}

// TestScrapedSeedQuestionsUnchanged: recovering steps from the scraped
// seed changes nothing about its 25 questions or their write-back. The
// golden file was made by the parser before steps were recovered.
func TestScrapedSeedQuestionsUnchanged(t *testing.T) {
	d, err := Load("testdata/seeds/first-deployment.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Questions) != 25 {
		t.Fatalf("questions = %d, want 25", len(d.Questions))
	}
	checkGolden(t, "testdata/golden/seed-first-deployment.questions.txt", seedQuestionsReport(t, d))
}

// seedSteps is what a golden file pins of a document's steps and
// placeholders.
func seedSteps(t *testing.T, d *Document) string {
	t.Helper()
	type step struct {
		ID           string   `json:"id"`
		Kind         string   `json:"kind"`
		Title        string   `json:"title"`
		Section      string   `json:"section"`
		Line         int      `json:"line"`
		EndLine      int      `json:"endLine"`
		Lang         string   `json:"lang,omitempty"`
		Inferred     bool     `json:"inferred"`
		Placeholders []string `json:"placeholders"`
		Code         []string `json:"code"`
	}
	type placeholder struct {
		Name   string `json:"name"`
		Secret bool   `json:"secret"`
		Lines  []int  `json:"lines"`
	}
	var out struct {
		Steps        []step        `json:"steps"`
		Placeholders []placeholder `json:"placeholders"`
	}
	for _, st := range d.Steps {
		out.Steps = append(out.Steps, step{st.ID, st.Kind.String(), st.Title, d.SectionTitle(st.Section), st.Line, st.EndLine,
			st.Lang, st.Inferred, st.Placeholders, strings.Split(st.Code, "\n")})
	}
	for _, p := range d.Placeholders {
		out.Placeholders = append(out.Placeholders, placeholder{p.Name, p.Secret, p.Lines})
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSeedStepsGolden pins, for both seeds, the steps and placeholders the
// parser finds (reviewed by hand, line by line, against the seed).
func TestSeedStepsGolden(t *testing.T) {
	for _, name := range []string{"first-deployment", "production-deployment-guide"} {
		t.Run(name, func(t *testing.T) {
			d, err := Load("testdata/seeds/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, d)
			checkGolden(t, "testdata/golden/seed-"+name+".steps.json", seedSteps(t, d))
		})
	}
}

// TestScrapedSeedRecovered: the commands the first-deployment seed lost its
// fences for are steps again, and nothing else is — not the JSON task
// definitions of §5, not the `Key: value` settings, not prose.
func TestScrapedSeedRecovered(t *testing.T) {
	d, err := Load("testdata/seeds/first-deployment.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range d.Steps {
		got = append(got, fmt.Sprintf("%s %s %d-%d inferred=%v %v", st.ID, st.Kind, st.Line, st.EndLine, st.Inferred, st.Placeholders))
		if raw := string(d.Source[st.CodeSpan.Start:st.CodeSpan.End]); raw != st.Code {
			t.Errorf("step %s: code %q is not its source bytes %q", st.ID, st.Code, raw)
		}
	}
	want := []string{
		"22-rds-mysql/i1 sql 30-35 inferred=true [strong-password]",
		"3-build-the-container-image/i1 shell 82-100 inferred=true [account-id env]",
		"6-database-schema-bootstrap/i1 shell 198-199 inferred=true [rds-endpoint]",
		"8-first-deploy-verification/i1 check 231-231 inferred=true [env]",
		"8-first-deploy-verification/i2 check 233-234 inferred=true [env]",
		"8-first-deploy-verification/i3 check 235-236 inferred=true [env]",
		"8-first-deploy-verification/i4 check 239-239 inferred=true [rds]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := d.Placeholder("strong-password"); p == nil || !p.Secret {
		t.Errorf("strong-password = %+v, want a secret by its name", p)
	}
	if p := d.Placeholder("task-role-arn"); p != nil {
		t.Errorf("a placeholder of the §5 JSON became one to ask: %+v", p)
	}
	if s := d.Step("3-build-the-container-image/i1"); s != nil && !strings.Contains(s.Code, "aws ecr get-login-password --region us-west-2 \\\n| docker login") {
		t.Errorf("the ECR login lost its continuation:\n%s", s.Code)
	}
}

// TestScrapedSeedWriteBackKeepsSteps: answering every question of the
// scraped seed changes only the questions' lines; the recovered steps are
// the same steps (ids, code, lines) in the new source, and no question is
// left.
func TestScrapedSeedWriteBackKeepsSteps(t *testing.T) {
	d, err := Load("testdata/seeds/first-deployment.txt")
	if err != nil {
		t.Fatal(err)
	}
	e := NewEdit(d)
	for _, q := range d.Questions {
		if err := e.Answer(q, "confirmed: yes", "Alice Ops", time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.Apply()
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse(d.Path, out)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, d2)
	if len(d2.Questions) != 0 || len(d2.Verified) != 25 || !d2.Scraped {
		t.Fatalf("after answering: %d questions, %d verified, scraped %v", len(d2.Questions), len(d2.Verified), d2.Scraped)
	}
	if len(d2.Steps) != len(d.Steps) {
		t.Fatalf("steps %d, want %d", len(d2.Steps), len(d.Steps))
	}
	for i, st := range d.Steps {
		s2 := d2.Steps[i]
		if s2.ID != st.ID || s2.Code != st.Code || s2.Line != st.Line || s2.EndLine != st.EndLine || s2.Hash != st.Hash || !s2.Inferred {
			t.Errorf("step %d: %s %q lines %d-%d became %s %q lines %d-%d", i, st.ID, st.Code, st.Line, st.EndLine, s2.ID, s2.Code, s2.Line, s2.EndLine)
		}
	}
	// the patches touch question lines only: no step byte changed
	for _, p := range e.Patches() {
		for _, st := range d.Steps {
			if p.Span.Start < st.Span.End && st.Span.Start < p.Span.End {
				t.Errorf("patch %s overlaps step %s", p.What, st.ID)
			}
		}
	}
}
