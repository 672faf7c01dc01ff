package runbook

import (
	"strings"
	"testing"
)

// FuzzAnswer answers a question of an arbitrary document and re-parses:
// only bytes inside the question's block may change, the question must be
// gone and a Verified item with the answer in its place, in the same kind
// of block. CI runs it for a fixed short time:
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
	})
}
