package runbook

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	lines := func(n int, crlf bool) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			b.WriteString("line " + strconv.Itoa(i))
			if crlf {
				b.WriteString("\r")
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	ten := lines(10, false)
	tests := []struct {
		name, old, new, want string
	}{
		{"equal", ten, ten, ""},
		{"one line changed in the middle", ten, strings.Replace(ten, "line 5\n", "line five\n", 1),
			"--- a/doc.md\n+++ b/doc.md\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n"},
		{"first line", ten, strings.Replace(ten, "line 1\n", "LINE 1\n", 1),
			"--- a/doc.md\n+++ b/doc.md\n@@ -1,4 +1,4 @@\n-line 1\n+LINE 1\n line 2\n line 3\n line 4\n"},
		{"insert at end without newline", "a\nb", "a\nb\nc",
			"--- a/doc.md\n+++ b/doc.md\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n"},
		{"two hunks", lines(20, false), strings.Replace(strings.Replace(lines(20, false), "line 2\n", "two\n", 1), "line 19\n", "nineteen\n", 1),
			"--- a/doc.md\n+++ b/doc.md\n@@ -1,5 +1,5 @@\n line 1\n-line 2\n+two\n line 3\n line 4\n line 5\n@@ -16,5 +16,5 @@\n line 16\n line 17\n line 18\n-line 19\n+nineteen\n line 20\n"},
		{"close changes share a hunk", ten, strings.Replace(strings.Replace(ten, "line 3\n", "three\n", 1), "line 8\n", "eight\n", 1),
			"--- a/doc.md\n+++ b/doc.md\n@@ -1,10 +1,10 @@\n line 1\n line 2\n-line 3\n+three\n line 4\n line 5\n line 6\n line 7\n-line 8\n+eight\n line 9\n line 10\n"},
		{"crlf kept", lines(3, true), strings.Replace(lines(3, true), "line 2\r\n", "line two\r\n", 1),
			"--- a/doc.md\n+++ b/doc.md\n@@ -1,3 +1,3 @@\n line 1\r\n-line 2\r\n+line two\r\n line 3\r\n"},
		{"pure insertion", "a\nb\n", "a\nx\nb\n", "--- a/doc.md\n+++ b/doc.md\n@@ -1,2 +1,3 @@\n a\n+x\n b\n"},
		{"from empty", "", "a\n", "--- a/doc.md\n+++ b/doc.md\n@@ -0,0 +1 @@\n+a\n"},
		{"to empty", "a\n", "", "--- a/doc.md\n+++ b/doc.md\n@@ -1 +0,0 @@\n-a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff("doc.md", []byte(tt.old), []byte(tt.new))
			if got != tt.want {
				t.Errorf("Diff:\n%q\nwant\n%q", got, tt.want)
			}
			if got != "" {
				if back := wbApplyUnified(t, tt.old, got); back != tt.new {
					t.Errorf("applying the diff gives %q, want %q", back, tt.new)
				}
			}
		})
	}
}

// TestDiffApplies checks on random edits that every diff, applied to the
// old text, gives the new one, and that context is never more than 3 lines.
func TestDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"a\n", "b\n", "c\n", "d\r\n", "e", "\n", "f\n"}
	gen := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = words[r.IntN(len(words))]
		}
		return out
	}
	for i := 0; i < 500; i++ {
		a := gen(r.IntN(40))
		b := append([]string(nil), a...)
		for k := r.IntN(5); k > 0; k-- {
			switch p := r.IntN(len(b) + 1); r.IntN(3) {
			case 0:
				b = append(b[:p], append(gen(1+r.IntN(3)), b[p:]...)...)
			case 1:
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			default:
				if p < len(b) {
					b[p] = words[r.IntN(len(words))]
				}
			}
		}
		old, new := strings.Join(a, ""), strings.Join(b, "")
		d := Diff("x", []byte(old), []byte(new))
		if (d == "") != (old == new) {
			t.Fatalf("Diff(%q, %q) = %q", old, new, d)
		}
		if d == "" {
			continue
		}
		if back := wbApplyUnified(t, old, d); back != new {
			t.Fatalf("diff of %q -> %q:\n%s\napplies to %q", old, new, d, back)
		}
	}
}

var wbHunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// wbApplyUnified applies a unified diff to old, checking the hunk counts.
func wbApplyUnified(t *testing.T, old, diff string) string {
	t.Helper()
	a := splitLines([]byte(old))
	var body []string
	for _, l := range strings.SplitAfter(diff, "\n") {
		if l != "" {
			body = append(body, l)
		}
	}
	if len(body) < 2 || !strings.HasPrefix(body[0], "--- a/") || !strings.HasPrefix(body[1], "+++ b/") {
		t.Fatalf("bad diff header:\n%s", diff)
	}
	body = body[2:]
	var out []string
	at := 0 // next line of a to copy
	for len(body) > 0 {
		m := wbHunkHeader.FindStringSubmatch(strings.TrimSuffix(body[0], "\n"))
		if m == nil {
			t.Fatalf("bad hunk header %q in\n%s", body[0], diff)
		}
		num := func(s string, def int) int {
			if s == "" {
				return def
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		as, an, bn := num(m[1], 0), num(m[2], 1), num(m[4], 1)
		start := as - 1
		if an == 0 {
			start = as
		}
		out = append(out, a[at:start]...)
		at = start
		body = body[1:]
		ctx, gotA, gotB := 0, 0, 0
		for len(body) > 0 && !strings.HasPrefix(body[0], "@@") {
			l := body[0]
			body = body[1:]
			text := l[1:]
			if len(body) > 0 && body[0] == "\\ No newline at end of file\n" {
				text = strings.TrimSuffix(text, "\n")
				body = body[1:]
			}
			switch l[0] {
			case ' ':
				if a[at] != text {
					t.Fatalf("context %q does not match %q", text, a[at])
				}
				out = append(out, text)
				at++
				gotA++
				gotB++
				ctx++
			case '-':
				if a[at] != text {
					t.Fatalf("removed %q does not match %q", text, a[at])
				}
				at++
				gotA++
				ctx = 0
			case '+':
				out = append(out, text)
				gotB++
				ctx = 0
			default:
				t.Fatalf("bad diff line %q", l)
			}
			if ctx > 2*diffContext {
				t.Fatalf("more than %d context lines in a row:\n%s", 2*diffContext, diff)
			}
		}
		if gotA != an || gotB != bn {
			t.Fatalf("hunk counts %d,%d but header says %d,%d:\n%s", gotA, gotB, an, bn, diff)
		}
	}
	out = append(out, a[at:]...)
	return strings.Join(out, "")
}

func ExampleDiff() {
	old := "# Networking\n[VERIFY] One VPC per env?\n"
	new := "# Networking\nOne VPC per env? **Verified:** yes _(alice, 2026-11-24)_\n"
	fmt.Print(Diff("docs/first-deployment.md", []byte(old), []byte(new)))
	// Output:
	// --- a/docs/first-deployment.md
	// +++ b/docs/first-deployment.md
	// @@ -1,2 +1,2 @@
	//  # Networking
	// -[VERIFY] One VPC per env?
	// +One VPC per env? **Verified:** yes _(alice, 2026-11-24)_
}
