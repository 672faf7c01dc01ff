package runbook

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

var wbDay = time.Date(2026, 11, 24, 15, 4, 5, 0, time.UTC)

func wbMustParse(t *testing.T, src string) *Document {
	t.Helper()
	doc, err := Parse("doc.md", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return doc
}

// TestAnswerBlockKinds answers one question in each kind of block, with
// CRLF line ends, a BOM, tabs and trailing spaces around, and checks the
// exact new bytes plus the generic guarantees (wbCheckAnswer).
func TestAnswerBlockKinds(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	tests := []struct {
		name string
		in   BlockKind
		src  string
		want string
	}{
		{
			"paragraph", InParagraph,
			bom + "# Net\t \r\n\r\n[VERIFY] One VPC per env?\r\nRecommended: yes.  \r\n\r\nAfter.\t\r\n",
			bom + "# Net\t \r\n\r\nOne VPC per env?\r\nRecommended: yes. **Verified:** one VPC \\| per env _(Alice ops, 2026-11-24)_  \r\n\r\nAfter.\t\r\n",
		},
		{
			"paragraph, marker at the end", InParagraph,
			"Text before.\r\n\r\nIs the region us-west-2? [VERIFY]\r\n\r\nAfter.\r\n",
			"Text before.\r\n\r\nIs the region us-west-2? **Verified:** one VPC \\| per env _(Alice ops, 2026-11-24)_\r\n\r\nAfter.\r\n",
		},
		{
			"list item", InListItem,
			"- first\r\n- [VERIFY]\tWhich AZs?\r\n  Suggested: two.\r\n- last \r\n",
			"- first\r\n- Which AZs?\r\n  Suggested: two. **Verified:** one VPC \\| per env _(Alice ops, 2026-11-24)_\r\n- last \r\n",
		},
		{
			"task list item", InListItem,
			"- [ ] [VERIFY] Tag the image?\r\n- [ ] other\r\n",
			"- [ ] Tag the image? **Verified:** one VPC \\| per env _(Alice ops, 2026-11-24)_\r\n- [ ] other\r\n",
		},
		{
			"table cell", InTableCell,
			"| Item | Answer |\r\n|---|---|\r\n| VPC\t| [VERIFY] which one? |\r\n| AZ | two |\r\n",
			"| Item | Answer |\r\n|---|---|\r\n| VPC\t| which one? **Verified:** one VPC \\| per env _(Alice ops, 2026-11-24)_ |\r\n| AZ | two |\r\n",
		},
		{
			"block quote", InBlockQuote,
			"> Note\r\n>\r\n> [VERIFY] Behind CloudFront?\r\n> If yes, one per bucket.\r\n\r\nAfter.\r\n",
			"> Note\r\n>\r\n> Behind CloudFront?\r\n> If yes, one per bucket. **Verified:** one VPC \\| per env _(Alice ops, 2026-11-24)_\r\n\r\nAfter.\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := wbMustParse(t, tt.src)
			if len(doc.Questions) != 1 {
				t.Fatalf("%d questions, want 1", len(doc.Questions))
			}
			q := doc.Questions[0]
			if q.In != tt.in {
				t.Fatalf("question in a %s, want %s", q.In, tt.in)
			}
			e := NewEdit(doc)
			if err := e.Answer(q, "one VPC\n| per env", "Alice (ops)", wbDay); err != nil {
				t.Fatal(err)
			}
			got, err := e.Apply()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			if err := wbCheckAnswer(doc, 0, "one VPC\n| per env", "Alice (ops)"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestAnswerMarkerPlacement covers where the marker sits in its line and
// what its removal must not turn the rest of the line into.
func TestAnswerMarkerPlacement(t *testing.T) {
	const v = " **Verified:** ok _(bob, 2026-11-24)_"
	tests := []struct{ name, src, want string }{
		{"no space after marker", "[VERIFY]markers in this doc?\n", "markers in this doc?" + v + "\n"},
		{"inside a sentence", "Use the [VERIFY] default VPC?\n", "Use the default VPC?" + v + "\n"},
		{"glued to a word", "Use the[VERIFY] default VPC?\n", "Use the default VPC?" + v + "\n"},
		{"rest starts a list item", "Intro line\n[VERIFY] - dash item?\n", "Intro line\n\\- dash item?" + v + "\n"},
		{"rest is a heading", "[VERIFY] # not a heading?\n", "\\# not a heading?" + v + "\n"},
		{"rest is an ordered item", "Intro\n[VERIFY] 1. first?\n", "Intro\n1\\. first?" + v + "\n"},
		{"rest is a setext underline", "Title?\n[VERIFY] ===\n", "Title?\n\\===" + v + "\n"},
		{"rest is indented", "[VERIFY]     code?\n", "code?" + v + "\n"},
		{"rest is an html block", "[VERIFY] <div> ok?\n", "**Verified:** ok _(bob, 2026-11-24)_ <div> ok?\n"},
		{"rest is a details block", "[VERIFY] <details> open by default?\n", "**Verified:** ok _(bob, 2026-11-24)_ <details> open by default?\n"},
		{"rest is inline html", "[VERIFY] <span>x</span> ok?\n", "<span>x</span> ok?" + v + "\n"},
		{"rest is a code span over lines", "[VERIFY] ```\nx [VERIFY] y ``` z\n", "**Verified:** ok _(bob, 2026-11-24)_ ```\nx [VERIFY] y ``` z\n"},
		{"rest is a fence without a closer", "[VERIFY] ```go\n", "**Verified:** ok _(bob, 2026-11-24)_ ```go\n"},
		{"rest starts with a pipe", "a | b\n[VERIFY] |---|---|\n", "a | b\n**Verified:** ok _(bob, 2026-11-24)_ |---|---|\n"},
		{"rest is an autolink", "[VERIFY] <https://example.com> ok?\n", "<https://example.com> ok?" + v + "\n"},
		{"rest is a link definition", "[VERIFY] [foo]: /url\n", "**Verified:** ok _(bob, 2026-11-24)_ [foo]: /url\n"},
		{"emphasis stays", "[VERIFY] *Really* ok?\n", "*Really* ok?" + v + "\n"},
		{"marker alone on the first line", "[VERIFY]\nIs this right?\n", "Is this right?" + v + "\n"},
		{"marker alone in a quote", "> [VERIFY]\n> Is this right?\n", "> Is this right?" + v + "\n"},
		{"marker alone on a later line", "Is this\n[VERIFY]\nright?\n", "Is this\nright?" + v + "\n"},
		{"marker alone on the last line", "Is this right?\n[VERIFY]\n", "Is this right?" + v + "\n"},
		{"marker alone after an empty list marker", "| x |\n1. \n  [VERIFY]\n", "| x |\n1\\. " + v[1:] + "\n"},
		{"marker alone in the block", "[VERIFY]\n", "**Verified:** ok _(bob, 2026-11-24)_\n"},
		{"marker alone in a cell", "| a | b |\n|---|---|\n| [VERIFY] | x |\n", "| a | b |\n|---|---|\n| **Verified:** ok _(bob, 2026-11-24)_ | x |\n"},
		{"empty list marker on the last line", "[VERIFY] Is this right?\n*\n", "Is this right?" + v + "\n*\n"},
		{"ordered marker on the last line", "[VERIFY] Is this right?\n2)\n", "Is this right?\n2\\)" + v + "\n"},
		{"strong marker", "**[VERIFY]**\n", "\\****" + v + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := wbMustParse(t, tt.src)
			if len(doc.Questions) != 1 {
				t.Fatalf("%d questions, want 1", len(doc.Questions))
			}
			e := NewEdit(doc)
			if err := e.Answer(doc.Questions[0], "ok", "bob", wbDay); err != nil {
				t.Fatal(err)
			}
			got, err := e.Apply()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			if err := wbCheckAnswer(doc, 0, "ok", "bob"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestAnswerSameBlock answers questions sharing a block, first alone, then
// all in one edit as the engine does at the end of a run.
func TestAnswerSameBlock(t *testing.T) {
	tests := []struct{ name, src, first, all string }{
		{
			"lines of a paragraph",
			"[VERIFY] MySQL version?\n[VERIFY] Multi-AZ?\n",
			"MySQL version? **Verified:** 0 _(bob, 2026-11-24)_\n[VERIFY] Multi-AZ?\n",
			"MySQL version? **Verified:** 0 _(bob, 2026-11-24)_\nMulti-AZ? **Verified:** 1 _(bob, 2026-11-24)_\n",
		},
		{
			"lines of a quote",
			"> [VERIFY] a?\n> [VERIFY] b?\n",
			"> a? **Verified:** 0 _(bob, 2026-11-24)_\n> [VERIFY] b?\n",
			"> a? **Verified:** 0 _(bob, 2026-11-24)_\n> b? **Verified:** 1 _(bob, 2026-11-24)_\n",
		},
		{
			"strong marker on the next line",
			"[VERIFY] a?\n**[VERIFY]** b?\n",
			"a? **Verified:** 0 _(bob, 2026-11-24)_\n**[VERIFY]** b?\n",
			"a? **Verified:** 0 _(bob, 2026-11-24)_\n**** b? **Verified:** 1 _(bob, 2026-11-24)_\n",
		},
		{
			"marker alone between two questions",
			"[VERIFY] a?\n[VERIFY]\n[VERIFY] b?\n",
			"a? **Verified:** 0 _(bob, 2026-11-24)_\n[VERIFY]\n[VERIFY] b?\n",
			"a? **Verified:** 0 _(bob, 2026-11-24)_ **Verified:** 1 _(bob, 2026-11-24)_\nb? **Verified:** 2 _(bob, 2026-11-24)_\n",
		},
		{
			"two on one line",
			"[VERIFY] a? [VERIFY] b?\n",
			"a? **Verified:** 0 _(bob, 2026-11-24)_ [VERIFY] b?\n",
			"a? **Verified:** 0 _(bob, 2026-11-24)_ b? **Verified:** 1 _(bob, 2026-11-24)_\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := wbMustParse(t, tt.src)
			e := NewEdit(doc)
			if err := e.Answer(doc.Questions[0], "0", "bob", wbDay); err != nil {
				t.Fatal(err)
			}
			if got, err := e.Apply(); err != nil || string(got) != tt.first {
				t.Errorf("first alone:\n%q, %v\nwant\n%q", got, err, tt.first)
			}
			for i, q := range doc.Questions[1:] {
				if err := e.Answer(q, fmt.Sprint(i+1), "bob", wbDay); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.Apply()
			if err != nil || string(got) != tt.all {
				t.Errorf("all:\n%q, %v\nwant\n%q", got, err, tt.all)
			}
			if doc2 := wbMustParse(t, string(got)); len(doc2.Questions) != 0 {
				t.Errorf("%d questions left", len(doc2.Questions))
			}
		})
	}
}

func TestAnswerErrors(t *testing.T) {
	doc := wbMustParse(t, "[VERIFY] One?\n\n[VERIFY] Two?\n")
	e := NewEdit(doc)
	if err := e.Answer(doc.Questions[0], "  \n", "bob", wbDay); err == nil {
		t.Error("an empty answer was accepted")
	}
	if err := e.Answer(doc.Questions[0], "yes", "bob", wbDay); err != nil {
		t.Fatal(err)
	}
	err := e.Answer(doc.Questions[0], "no", "bob", wbDay)
	if err == nil || !strings.Contains(err.Error(), "overlaps the edit of question") {
		t.Errorf("answering twice: err = %v", err)
	}
	stale := *doc.Questions[1]
	stale.Marker.Start++
	stale.Marker.End++
	if err := e.Answer(&stale, "no", "bob", wbDay); err == nil || !strings.Contains(err.Error(), "no [VERIFY] marker") {
		t.Errorf("stale question: err = %v", err)
	}
	stale = *doc.Questions[1]
	stale.Block.End = len(doc.Source) + 10
	if err := e.Answer(&stale, "no", "bob", wbDay); err == nil {
		t.Error("a question outside the document was accepted")
	}
	if len(e.Patches()) != 1 {
		t.Errorf("%d patches after the refusals, want 1", len(e.Patches()))
	}
}

func TestAnswerSeveral(t *testing.T) {
	src := "# T\n\n[VERIFY] One?\n\n| a | b |\n|---|---|\n| [VERIFY] two? | [VERIFY] three? |\n\n- [ ] Step\n"
	doc := wbMustParse(t, src)
	if len(doc.Questions) != 3 {
		t.Fatalf("%d questions, want 3", len(doc.Questions))
	}
	e := NewEdit(doc)
	for i, q := range doc.Questions {
		if err := e.Answer(q, []string{"1", "2", "3"}[i], "bob", wbDay); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Tick(doc.Steps[0], true); err != nil {
		t.Fatal(err)
	}
	got, err := e.Apply()
	if err != nil {
		t.Fatal(err)
	}
	want := "# T\n\nOne? **Verified:** 1 _(bob, 2026-11-24)_\n\n| a | b |\n|---|---|\n| two? **Verified:** 2 _(bob, 2026-11-24)_ | three? **Verified:** 3 _(bob, 2026-11-24)_ |\n\n- [x] Step\n"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	ps := e.Patches()
	if len(ps) != 4 || ps[0].What != "question t/q1 (line 3)" || ps[3].What != "step "+doc.Steps[0].ID+" (line 9)" {
		t.Errorf("patches: %+v", ps)
	}
	doc2 := wbMustParse(t, string(got))
	if len(doc2.Questions) != 0 || len(doc2.Verified) != 3 || !doc2.Steps[0].Checked {
		t.Errorf("re-parse: %d questions, %d verified, checked %v", len(doc2.Questions), len(doc2.Verified), doc2.Steps[0].Checked)
	}
	if d := Diff("doc.md", []byte(src), got); !strings.HasPrefix(d, "--- a/doc.md\n+++ b/doc.md\n@@ -1,9 +1,9 @@\n # T\n \n-[VERIFY] One?\n+One? **Verified:** 1") {
		t.Errorf("diff:\n%s", d)
	}
}

func TestTick(t *testing.T) {
	src := "- [ ] one\r\n- [x] two\r\n- [X] three\r\n"
	doc := wbMustParse(t, src)
	if len(doc.Steps) != 3 {
		t.Fatalf("%d steps, want 3", len(doc.Steps))
	}
	e := NewEdit(doc)
	for i, done := range []bool{true, false, true} {
		if err := e.Tick(doc.Steps[i], done); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.Apply()
	if err != nil {
		t.Fatal(err)
	}
	if want := "- [x] one\r\n- [ ] two\r\n- [X] three\r\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(e.Patches()) != 2 {
		t.Errorf("%d patches, want 2 (the third box is already ticked)", len(e.Patches()))
	}
	doc2 := wbMustParse(t, string(got))
	if !doc2.Steps[0].Checked || doc2.Steps[1].Checked || !doc2.Steps[2].Checked {
		t.Errorf("re-parse: checked %v %v %v", doc2.Steps[0].Checked, doc2.Steps[1].Checked, doc2.Steps[2].Checked)
	}
	shell := wbMustParse(t, "```sh\necho hi\n```\n")
	if err := NewEdit(shell).Tick(shell.Steps[0], true); err == nil {
		t.Error("ticking a shell step was accepted")
	}
}

func TestSetDefault(t *testing.T) {
	tests := []struct {
		name, src, variable, value, want string
	}{
		{
			"replace a plain default in a block mapping",
			"---\r\nvariables:\r\n  env:\r\n    prompt: Environment\r\n    default: staging   # usual\r\n---\r\n# Doc\r\n",
			"env", "prod-2",
			"---\r\nvariables:\r\n  env:\r\n    prompt: Environment\r\n    default: prod-2   # usual\r\n---\r\n# Doc\r\n",
		},
		{
			"replace a quoted default in a flow mapping",
			"---\nvariables:\n  region: {prompt: Region, default: 'us-west-2'}\n---\n",
			"region", "eu-west-1, or \"eu-central-1\"",
			"---\nvariables:\n  region: {prompt: Region, default: \"eu-west-1, or \\\"eu-central-1\\\"\"}\n---\n",
		},
		{
			"value that YAML would read as a number",
			"---\nvariables:\n  port: {default: x}\n---\n",
			"port", "3306",
			"---\nvariables:\n  port: {default: \"3306\"}\n---\n",
		},
		{
			"value that YAML would read as a boolean",
			"---\nvariables:\n  flag:\n    default: x\n---\n",
			"flag", "yes",
			"---\nvariables:\n  flag:\n    default: \"yes\"\n---\n",
		},
		{
			"insert into a block mapping",
			"---\r\nvariables:\r\n  env:\r\n    prompt: Environment\r\n    pattern: '^[a-z]+$'\r\n---\r\n",
			"env", "a: b # c",
			"---\r\nvariables:\r\n  env:\r\n    default: \"a: b # c\"\r\n    prompt: Environment\r\n    pattern: '^[a-z]+$'\r\n---\r\n",
		},
		{
			"insert into a flow mapping",
			"---\nvariables:\n  env: {prompt: Environment}\n  other: {}\n---\n",
			"env", "dev",
			"---\nvariables:\n  env: {default: dev, prompt: Environment}\n  other: {}\n---\n",
		},
		{
			"insert into an empty flow mapping",
			"---\nvariables:\n  env: {prompt: Environment}\n  other: {}\n---\n",
			"other", "tab\there",
			"---\nvariables:\n  env: {prompt: Environment}\n  other: {default: \"tab\\there\"}\n---\n",
		},
		{
			"fill the shorthand",
			"---\nvariables:\n  env:   # set per run\n  region: us-west-2\n---\n",
			"env", "staging",
			"---\nvariables:\n  env: staging   # set per run\n  region: us-west-2\n---\n",
		},
		{
			"fill a null shorthand",
			"---\nvariables:\n  env: ~\n---\n",
			"env", "new value",
			"---\nvariables:\n  env: \"new value\"\n---\n",
		},
		{
			"replace a tagged default",
			"---\nvariables:\n  env:\n    default: !!str 123\n---\n",
			"env", "456",
			"---\nvariables:\n  env:\n    default: \"456\"\n---\n",
		},
		{
			"replace the shorthand",
			"---\nvars:\n  region: us-west-2\n---\n",
			"region", "ünïcode ✓",
			"---\nvars:\n  region: \"ünïcode ✓\"\n---\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := wbMustParse(t, tt.src)
			if err := doc.Err(); err != nil {
				t.Fatalf("fixture: %v", err)
			}
			v := wbVariable(t, doc, tt.variable)
			e := NewEdit(doc)
			if err := e.SetDefault(v, tt.value); err != nil {
				t.Fatal(err)
			}
			got, err := e.Apply()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			doc2 := wbMustParse(t, string(got))
			if err := doc2.Err(); err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if v2 := wbVariable(t, doc2, tt.variable); v2.Default != tt.value {
				t.Errorf("re-parsed default %q, want %q", v2.Default, tt.value)
			}
			fm := doc.FrontMatter.Span
			if !bytes.Equal(got[fm.End+len(got)-len(doc.Source):], doc.Source[fm.End:]) {
				t.Error("bytes after the front matter changed")
			}
		})
	}
}

func TestSetDefaultRefusals(t *testing.T) {
	tests := []struct{ name, src, variable, value, err string }{
		{"secret", "---\nvariables:\n  token: {secret: true}\n---\n", "token", "x",
			"set default of variable token (line 3): the variable is secret; secrets are never written into the doc"},
		{"secret source", "---\nvariables:\n  db: {source: 'aws-secretsmanager:prod#password'}\n---\n", "db", "x",
			"set default of variable db (line 3): the variable is secret; secrets are never written into the doc"},
		{"anchored default", "---\nvariables:\n  env:\n    default: &a x\n  other: *a\n---\n", "env", "y",
			"set default of variable env (line 3): the edited front matter would not be valid YAML (unknown anchor 'a' referenced); nothing changed"},
		{"list declaration", "---\nvariables:\n  env: [a, b]\n---\n", "env", "y",
			"set default of variable env (line 3): its declaration is not a mapping; add the default by hand"},
		{"block scalar default", "---\nvariables:\n  env:\n    default: |\n      multi\n---\n", "env", "x",
			"set default of variable env (line 3): its default is a block scalar over several lines; change it by hand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := wbMustParse(t, tt.src)
			v := wbVariable(t, doc, tt.variable)
			e := NewEdit(doc)
			err := e.SetDefault(v, tt.value)
			if err == nil || err.Error() != tt.err {
				t.Errorf("err = %v\nwant %s", err, tt.err)
			}
			if len(e.Patches()) != 0 {
				t.Error("a refused edit left a patch")
			}
		})
	}
	doc := wbMustParse(t, "# no front matter\n")
	if err := NewEdit(doc).SetDefault(&Variable{Name: "x", Line: 1}, "v"); err == nil {
		t.Error("a default without front matter was accepted")
	}
}

func wbVariable(t *testing.T, doc *Document, name string) *Variable {
	t.Helper()
	if doc.FrontMatter == nil {
		t.Fatal("no front matter")
	}
	for _, v := range doc.FrontMatter.Variables {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no variable %s", name)
	return nil
}

func TestYAMLScalar(t *testing.T) {
	for in, want := range map[string]string{
		"staging":     "staging",
		"us-west-2":   "us-west-2",
		"":            `""`,
		"3306":        `"3306"`,
		"true":        `"true"`,
		"null":        `"null"`,
		"-":           `"-"`,
		"a b":         `"a b"`,
		"#x":          `"#x"`,
		"say \"hi\"":  `"say \"hi\""`,
		"back\\slash": `"back\\slash"`,
		"nl\nx\r":     `"nl\nx\r"`,
		"\x01\u2028":  `"\x01\u2028"`,
		"{a}":         `"{a}"`,
		"Yes":         `"Yes"`,
		"off":         `"off"`,
	} {
		if got := yamlScalar(in); got != want {
			t.Errorf("yamlScalar(%q) = %s, want %s", in, got, want)
		}
	}
}
