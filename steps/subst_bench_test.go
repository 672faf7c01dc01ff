package steps

import (
	"strings"
	"testing"
)

// BenchmarkSubstituteManyPlaceholders keeps the analysis linear in the
// number of placeholders, variables and statements (each following a
// value through variables, heredocs and written files once): a step of
// 5000 such lines took 27 s and 81 s per 1000 assignments before.
func BenchmarkSubstituteManyPlaceholders(b *testing.B) {
	for _, tmpl := range []string{"echo <x>\n", "echo \"<x>\" > f.sh\n", "X=<x>; echo \"$X\"\n", "while read l; do echo; done <<< \"<x>\"\n"} {
		code := strings.Repeat(tmpl, 5000)
		b.Run(strings.Fields(tmpl)[0], func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Substitute(sh(code, "x"), code, vals("x", "a b")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
