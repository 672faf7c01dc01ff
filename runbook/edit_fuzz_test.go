package runbook

import (
	"strings"
	"testing"
)

// FuzzAnswer answers a question of an arbitrary document and re-parses:
// only bytes inside the question's block may change, the question must be
// gone and a Verified item with the answer in its place, in the same kind
// of block; answering all questions in one edit must leave none. CI runs
// it for a fixed short time:
//
//	go test -run='^$' -fuzz=FuzzAnswer -fuzztime=20s ./runbook/
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{
		"[VERIFY] One VPC per env?\n",
		"- [VERIFY] item?\n- [ ] task\n",
		"| a | b |\n|---|---|\n| [VERIFY] cell? | x |\n",
		"> [VERIFY] quoted?\n> more\n",
		"\xef\xbb\xbf# T\r\n\r\n[VERIFY]\tcrlf?  \r\n",
		"Intro\n[VERIFY] - dash\n*\n",
		"[VERIFY] a? [VERIFY] b?\n",
		"1. [VERIFY] x\n   2) y\n",
		"---\nvariables:\n  env: {default: x}\n---\n[VERIFY] fm?\n",
	} {
		f.Add(s, "yes", uint(0))
	}
	f.Add("[VERIFY]", "\xff", uint(3))
	f.Add("[VERIFY] x", "nul\x00", uint(0))
	for i, d := range wbCorpus(f) {
		f.Add(string(d.src), "one VPC | per env `x` *y*", uint(i))
	}
	f.Fuzz(func(t *testing.T, src, answer string, idx uint) {
		doc, err := Parse("fuzz.md", []byte(src))
		if err != nil || len(doc.Questions) == 0 {
			return
		}
		qi := int(idx % uint(len(doc.Questions)))
		if strings.TrimSpace(answer) == "" {
			if err := NewEdit(doc).Answer(doc.Questions[qi], answer, "fuzz", wbWhen); err == nil {
				t.Fatal("a blank answer was accepted")
			}
			return
		}
		if checkAnswerText(answer, "answer") != nil {
			if err := NewEdit(doc).Answer(doc.Questions[qi], answer, "fuzz", wbWhen); err == nil {
				t.Fatal("an answer that is not text was accepted")
			}
			return
		}
		if err := wbCheckAnswer(doc, qi, answer, "fuzz"); err != nil {
			t.Fatal(err)
		}
		if err := wbCheckAnswerAtOnce(doc); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSetDefault writes arbitrary values as defaults in every declaration
// style: the edit is refused, or the doc re-parses with exactly that default
// and nothing outside the front matter changed.
func FuzzSetDefault(f *testing.F) {
	for _, v := range []string{"staging", "", "3306", "yes", "a: b # c", "\"q\" \\ '", "line\nbreak", "{x}", "- y", "ünï ✓", "\t"} {
		f.Add(v, uint8(0))
	}
	docs := []string{
		"---\nvariables:\n  env:\n    prompt: Environment\n    default: staging   # usual\n---\n# Doc\n",
		"---\r\nvariables:\r\n  env: {prompt: Region, default: 'us-west-2'}\r\n---\r\n# Doc\r\n",
		"---\nvariables:\n  env:\n    prompt: Environment\n---\n# Doc\n",
		"---\nvariables:\n  env: {prompt: x}\n---\n# Doc\n",
		"---\nvariables:\n  env: {}\n---\n# Doc\n",
		"---\nvars:\n  env:   # per run\n---\n# Doc\n",
		"---\nvariables:\n  env: us-west-2\n---\n# Doc\n",
	}
	f.Fuzz(func(t *testing.T, value string, which uint8) {
		src := docs[int(which)%len(docs)]
		doc, err := Parse("fm.md", []byte(src))
		if err != nil || doc.FrontMatter == nil || len(doc.FrontMatter.Variables) != 1 {
			t.Fatalf("fixture %d: %v", which, err)
		}
		e := NewEdit(doc)
		if err := e.SetDefault(doc.FrontMatter.Variables[0], value); err != nil {
			if len(e.Patches()) != 0 {
				t.Fatal("a refused edit left a patch")
			}
			return
		}
		out, err := e.Apply()
		if err != nil {
			t.Fatal(err)
		}
		fm := doc.FrontMatter.Span
		if !strings.HasPrefix(string(out), src[:fm.Start]) || !strings.HasSuffix(string(out), src[fm.End:]) {
			t.Fatalf("bytes outside the front matter changed: %q", out)
		}
		if strings.Count(string(out), "\n") > strings.Count(src, "\n")+1 {
			t.Fatalf("more than one line added: %q", out)
		}
		doc2, err := Parse("fm.md", out)
		if err != nil || doc2.Err() != nil || doc2.FrontMatter == nil || len(doc2.FrontMatter.Variables) != 1 {
			t.Fatalf("re-parse of %q: %v %v", out, err, doc2.Err())
		}
		if got := doc2.FrontMatter.Variables[0].Default; got != value {
			t.Fatalf("default %q, want %q, in %q", got, value, out)
		}
	})
}

// FuzzRecordValue records any value for a placeholder in docs of every
// shape (declared or not, no front matter, a value table, CRLF, BOM):
// either nothing changes and an error says why, or the doc re-parses with
// the value as the variable's default and in the table's value cell, and
// every byte outside the front matter and that cell is as it was.
func FuzzRecordValue(f *testing.F) {
	for _, v := range []string{"db-1.rds.amazonaws.com", "a|b `c` d", "", "yes", "line\nbreak", " lead", "`", "ünï ✓", "x\x00", "- y", "# c"} {
		f.Add(v, uint8(0))
	}
	docs := []string{
		"---\nvariables:\n  env:\n    prompt: Environment\n---\n# Doc\n\n| Name | Value |\n|---|---|\n| `<endpoint>` | |\n\n```sh\necho <endpoint> <env>\n```\n",
		"# Doc\n\n| Placeholder | Value | Note |\n| --- | --- | --- |\n| <endpoint> | old | x |\n\n```sh\necho <endpoint>\n```\n",
		"\xef\xbb\xbf# Doc\r\n\r\n```sh\r\necho <endpoint>\r\n```\r\n",
		"---\r\ntitle: T\r\n---\r\n# Doc\r\n\r\n```sh\r\necho <endpoint>\r\n```\r\n",
		"---\nvariables: {env: x}\n---\n```sh\necho <endpoint>\n```\n",
		"---\nvars: {}\n---\n```sh\necho <endpoint>\n```\n",
		"---\nvariables:\n  ENDPOINT: {prompt: Where}\n---\n```sh\necho <endpoint>\n```\n| Key | Value |\n|-|-|\n| endpoint |\n",
	}
	f.Fuzz(func(t *testing.T, value string, which uint8) {
		src := docs[int(which)%len(docs)]
		doc, err := Parse("rec.md", []byte(src))
		if err != nil || doc.Err() != nil {
			t.Fatalf("fixture %d: %v %v", which, err, doc.Err())
		}
		e := NewEdit(doc)
		if err := e.RecordValue("endpoint", value); err != nil {
			if len(e.Patches()) != 0 {
				t.Fatal("a refused edit left a patch")
			}
			return
		}
		out, err := e.Apply()
		if err != nil {
			t.Fatal(err)
		}
		doc2, err := Parse("rec.md", out)
		if err != nil || doc2.Err() != nil {
			t.Fatalf("re-parse of %q: %v %v", out, err, doc2.Err())
		}
		if ph := doc2.Placeholder("endpoint"); ph == nil || ph.Default != value {
			t.Fatalf("default of <endpoint> in %q: %+v, want %q", out, ph, value)
		}
		// Outside the patches, the bytes are the doc's.
		ps := e.Patches()
		at, o := 0, 0
		for _, p := range ps {
			if !strings.HasPrefix(string(out[o:]), src[at:p.Span.Start]) {
				t.Fatalf("bytes before %s changed: %q", p.What, out)
			}
			o += p.Span.Start - at + len(p.New)
			at = p.Span.End
		}
		if string(out[o:]) != src[at:] {
			t.Fatalf("bytes at the end changed: %q", out)
		}
		if row := doc2.ValueRow("endpoint"); row != nil && !strings.ContainsAny(value, "\r\n") {
			cells := splitRow(out, row.Row.Start, row.Row.End)
			if got := CellText(out[cells[row.Col].Start:cells[row.Col].End]); got != value {
				t.Fatalf("table cell %q, want %q, in %q", got, value, out)
			}
		}
	})
}
