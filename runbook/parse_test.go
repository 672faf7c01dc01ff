package runbook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, src string) *Document {
	t.Helper()
	d, err := Parse("t.md", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, d)
	return d
}

// checkInvariants asserts what every parse must satisfy, whatever the input.
func checkInvariants(t testing.TB, d *Document) {
	t.Helper()
	n := len(d.Source)
	in := func(s Span) bool { return s.Start >= 0 && s.Start <= s.End && s.End <= n }
	for _, s := range d.Sections {
		if !in(s.Heading) || !in(s.Body) || s.Line < 1 {
			t.Fatalf("section %q: bad span %v/%v line %d", s.Title, s.Heading, s.Body, s.Line)
		}
	}
	for _, st := range d.Steps {
		if !in(st.Span) || !in(st.CodeSpan) || !in(st.Box) || st.Line < 1 || st.EndLine < st.Line {
			t.Fatalf("step %s: bad span %v code %v box %v lines %d-%d", st.ID, st.Span, st.CodeSpan, st.Box, st.Line, st.EndLine)
		}
		if !st.Span.Contains(st.CodeSpan) {
			t.Fatalf("step %s: code span %v outside %v", st.ID, st.CodeSpan, st.Span)
		}
		if st.Kind == KindManual && !st.Span.Contains(st.Box) {
			t.Fatalf("step %s: box %v outside %v", st.ID, st.Box, st.Span)
		}
	}
	for _, q := range d.Questions {
		if !in(q.Block) || !q.Block.Contains(q.Marker) || !q.Block.Contains(q.TextSpan) || q.Line < 1 {
			t.Fatalf("question %s: marker %v text %v block %v line %d", q.ID, q.Marker, q.TextSpan, q.Block, q.Line)
		}
		if string(d.Source[q.Marker.Start:q.Marker.Start+len(markerText)]) != markerText {
			t.Fatalf("question %s: marker span %v holds %q", q.ID, q.Marker, d.Source[q.Marker.Start:q.Marker.End])
		}
		if q.TextSpan.Start < q.Marker.End {
			t.Fatalf("question %s: text %v before marker end %v", q.ID, q.TextSpan, q.Marker)
		}
	}
	for _, v := range d.Verified {
		if !in(v.Span) || v.Line < 1 {
			t.Fatalf("verified %s: bad span %v", v.ID, v.Span)
		}
	}
	for _, r := range d.References {
		if !in(r.Span) || r.Line < 1 {
			t.Fatalf("reference line %d: bad span %v", r.Line, r.Span)
		}
	}
	for _, p := range d.Placeholders {
		for _, l := range p.Lines {
			if l < 1 {
				t.Fatalf("placeholder %s: line %d", p.Name, l)
			}
		}
	}
	for _, dg := range d.Diagnostics {
		if dg.Line < 1 {
			t.Fatalf("diagnostic %+v: line < 1", dg)
		}
	}
}

func TestParseBasics(t *testing.T) {
	src := "# Deploy ¶\n\nIntro.\n\n## Build\n\n```bash {name=push-image timeout=10m confirm cwd=infra}\n# Push the image\ndocker push <account-id>.dkr.ecr/app:{env}\n```\n\n- [ ] Tell the team\n- [x] Done already\n"
	d := mustParse(t, src)
	if d.Title != "Deploy" {
		t.Errorf("title = %q", d.Title)
	}
	if len(d.Steps) != 3 {
		t.Fatalf("steps = %d", len(d.Steps))
	}
	st := d.Steps[0]
	if st.ID != "push-image" || st.Kind != KindShell || st.Attrs.Timeout != 10*time.Minute || !st.Attrs.Confirm || st.Attrs.Cwd != "infra" {
		t.Errorf("step 0 = %+v", st)
	}
	if st.Code != "# Push the image\ndocker push <account-id>.dkr.ecr/app:{env}" || st.Line != 7 || st.EndLine != 10 {
		t.Errorf("code %q lines %d-%d", st.Code, st.Line, st.EndLine)
	}
	if got := strings.Join(st.Placeholders, ","); got != "account-id,env" {
		t.Errorf("placeholders %q", got)
	}
	if d.Steps[1].ID != "build/2" || d.Steps[1].Kind != KindManual || d.Steps[1].Checked || src[d.Steps[1].Box.Start:d.Steps[1].Box.End] != "[ ]" {
		t.Errorf("step 1 = %+v", d.Steps[1])
	}
	if !d.Steps[2].Checked || src[d.Steps[2].Box.Start:d.Steps[2].Box.End] != "[x]" {
		t.Errorf("step 2 = %+v", d.Steps[2])
	}
}

func TestParseRejectsBinary(t *testing.T) {
	_, err := Parse("b.md", []byte("ok\nline\x00two"))
	var re *Error
	if !errors.As(err, &re) || re.Line != 2 || re.Path != "b.md" {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse("u.md", []byte("a\nb\nc\xff\n"))
	if !errors.As(err, &re) || re.Line != 3 {
		t.Fatalf("err = %v", err)
	}
}
