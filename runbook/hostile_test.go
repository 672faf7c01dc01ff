package runbook

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
)

// hostileInputs are documents built to make a parser slow or hungry:
// what issue 11 §5 measured at 10–20 s and 364 MB before the bounds.
func hostileInputs() map[string]string {
	var ph, list, quotes strings.Builder
	ph.WriteString("# P\n\n```bash\necho")
	for i := range 100000 {
		fmt.Fprintf(&ph, " <v%d>", i)
	}
	ph.WriteString("\n```\n")
	list.WriteString("# L\n\n")
	for i := range 2000 {
		list.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	quotes.WriteString("# Q\n\n")
	for i := 1; i <= 3000; i++ {
		quotes.WriteString(strings.Repeat(">", i) + " x\n")
	}
	return map[string]string{
		"100k placeholders in one step": ph.String(),
		"list nested 2000 levels":       list.String(),
		"3000 nested block quotes":      quotes.String(),
		"3000 quotes on one line":       "# Q\n\n" + strings.Repeat(">", 3000) + " x\n",
	}
}

// hostileHandled are inputs within the limits whose placeholder analysis
// was once quadratic (every candidate rescanned its line; every shell
// word rescanned every candidate): they must parse, and fast.
func hostileHandled() map[string]string {
	var awk strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&awk, "awk '{print}' <v%d> '{x%d}' # <c>\n", i%5000, i)
	}
	return map[string]string{
		"one placeholder 100k times on a line": "```sh\necho" + strings.Repeat(" <v>", 100000) + "\n```\n",
		"jq braces on 50k lines":               "```sh\n" + strings.Repeat("jq '{v}' x{v}\n", 50000) + "```\n",
		"awk, placeholders, comments":          "```sh\n" + awk.String() + "```\n",
	}
}

// BenchmarkHostile measures each hostile input (scripts/bench runs it with
// -benchmem; the target is ≤ 2 s and ≤ 512 MB per command).
func BenchmarkHostile(b *testing.B) {
	inputs := hostileInputs()
	maps.Copy(inputs, hostileHandled())
	for name, src := range inputs {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Parse("h.md", []byte(src))
			}
		})
	}
}

// Each hostile input is refused with a one-line error naming the line and
// the limit, or handled; what is within the limits still parses.
func TestHostileInputsRefusedOrHandled(t *testing.T) {
	want := map[string]struct {
		line int
		msg  string
	}{
		"100k placeholders in one step": {4, "more than 10000 different placeholders"},
		"list nested 2000 levels":       {3 + MaxNesting, "nested more than 64 levels deep"},
		"3000 nested block quotes":      {3 + MaxNesting, "nested more than 64 levels deep"},
		"3000 quotes on one line":       {3, "nested more than 64 levels deep"},
	}
	for name, src := range hostileInputs() {
		_, err := Parse("h.md", []byte(src))
		var re *Error
		w := want[name]
		if !errors.As(err, &re) || !errors.Is(err, ErrLimit) || re.Line != w.line || !strings.Contains(err.Error(), w.msg) {
			t.Errorf("%s: got %v, want h.md:%d: …%s…", name, err, w.line, w.msg)
		}
	}
	// the limits themselves are fine
	var nest strings.Builder
	for i := range MaxNesting {
		nest.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	ok := map[string]string{
		"64 nested lists":        nest.String(),
		"64 nested quotes":       strings.Repeat(">", MaxNesting) + " x\n",
		"the same placeholder":   "```sh\necho" + strings.Repeat(" <v>", 100000) + "\n```\n",
		"10000 placeholders":     "```sh\necho" + placeholders(MaxPlaceholders) + "\n```\n",
		"20000 [VERIFY] markers": strings.Repeat("[VERIFY] q\n\n", MaxQuestions),
	}
	maps.Copy(ok, hostileHandled())
	for name, src := range ok {
		if _, err := Parse("ok.md", []byte(src)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct {
		src, msg string
	}{
		"lines":    {strings.Repeat("\n", MaxLines+1), "more than 500000 lines"},
		"markers":  {strings.Repeat("[VERIFY] q\n\n", MaxQuestions+1), "more than 20000 [VERIFY] markers"},
		"steps":    {strings.Repeat("```sh\nx\n```\n", MaxSteps+1), "more than 20000 steps"},
		"blocks":   {strings.Repeat("# h\n", MaxBlocks+1), "more than 100000 blocks"},
		"uses":     {"```sh\necho" + strings.Repeat(" <v>", MaxPlaceholderUses+1) + "\n```\n", "more than 200000 uses"},
		"distinct": {"```sh\necho" + placeholders(MaxPlaceholders+1) + "\n```\n", "more than 10000 different"},
		"too deep": {strings.Repeat(">", MaxNesting+1) + " x\n", "nested more than 64"},
	} {
		if _, err := Parse("big.md", []byte(c.src)); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", name, err, c.msg)
		}
	}
}

// noLimits lifts every limit, for tests of linearity and throughput.
var noLimits = Limits{1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30}

func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " <v%d>", i)
	}
	return b.String()
}
