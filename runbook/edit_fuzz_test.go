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
