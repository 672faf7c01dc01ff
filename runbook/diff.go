package runbook

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/runbook-sh/runbook/runbook/termtext"
)

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// maxDiffEdits bounds the Myers search; past it the changed middle of the
// file is shown as one replaced block (still a correct diff, just not a
// minimal one). Write-back diffs change a few lines, never this many.
const maxDiffEdits = 1000

// Diff returns the unified diff (3 lines of context) from old to new for
// the file at path, as `diff -u` and `git diff` print it, or "" when they
// are equal. Lines keep their exact bytes: a CRLF line ends in "\r\n" in
// the output too, so the diff can be applied with patch(1) — except that
// the diff is for a person to read first: control characters in the doc
// (escape sequences, bidi overrides) are shown escaped (termtext.Escape),
// never sent raw to the terminal.
func Diff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	// only the changed middle, plus its context, is split into lines: a
	// write-back changes a few lines of a file that may be megabytes long
	pre, suf := commonEnds(old, new)
	line0 := bytes.Count(old[:pre], []byte{'\n'})
	a, b := splitLines(old[pre:len(old)-suf]), splitLines(new[pre:len(new)-suf])
	ops := diffLines(a, b)
	name := termtext.EscapeLine(strings.TrimPrefix(filepath.ToSlash(path), "./"))
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- a/%s\n+++ b/%s\n", name, name)
	for _, h := range hunks(ops) {
		writeHunk(&sb, h, a, b, line0)
	}
	return sb.String()
}

// commonEnds returns the byte lengths of an equal prefix and suffix of a
// and b made of whole lines, less diffContext lines on each side.
func commonEnds(a, b []byte) (pre, suf int) {
	n := min(len(a), len(b))
	for pre < n && a[pre] == b[pre] {
		pre++
	}
	pre = bytes.LastIndexByte(a[:pre], '\n') + 1
	for suf < n-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	atLine := func(x []byte, i int) bool { return i == 0 || x[i-1] == '\n' }
	if suf > 0 && !(atLine(a, len(a)-suf) && atLine(b, len(b)-suf)) {
		if i := bytes.IndexByte(a[len(a)-suf:], '\n'); i < 0 {
			suf = 0
		} else {
			suf -= i + 1
		}
	}
	for k := 0; k < diffContext && pre > 0; k++ {
		pre = bytes.LastIndexByte(a[:pre-1], '\n') + 1
	}
	for k := 0; k < diffContext && suf > 0; k++ {
		e := len(a) - suf
		if i := bytes.IndexByte(a[e:], '\n'); i < 0 {
			suf = 0
		} else {
			suf = len(a) - (e + i + 1)
		}
	}
	return pre, suf
}

// splitLines splits s after each "\n"; the last line may lack one.
func splitLines(s []byte) []string {
	var out []string
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, string(s))
			break
		}
		out = append(out, string(s[:i+1]))
		s = s[i+1:]
	}
	return out
}

type diffOpKind int

const (
	opEqual diffOpKind = iota
	opDelete
	opInsert
)

// diffOp is a run of n lines starting at a[i] (equal, delete) or b[j]
// (equal, insert).
type diffOp struct {
	kind diffOpKind
	i, j int
	n    int
}

// diffLines returns the edit script from a to b, in order.
func diffLines(a, b []string) []diffOp {
	// common prefix and suffix first: write-back changes are small
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []diffOp
	add := func(op diffOp) {
		if op.n == 0 {
			return
		}
		if k := len(ops) - 1; k >= 0 && ops[k].kind == op.kind &&
			ops[k].i+ifEq(op.kind != opInsert, ops[k].n) == op.i &&
			ops[k].j+ifEq(op.kind != opDelete, ops[k].n) == op.j {
			ops[k].n += op.n
			return
		}
		ops = append(ops, op)
	}
	add(diffOp{opEqual, 0, 0, pre})
	for _, op := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		op.i += pre
		op.j += pre
		add(op)
	}
	add(diffOp{opEqual, len(a) - suf, len(b) - suf, suf})
	return ops
}

func ifEq(cond bool, n int) int {
	if cond {
		return n
	}
	return 0
}

// myers is Myers' O(ND) shortest edit script, one line per op.
func myers(a, b []string) []diffOp {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return []diffOp{{opDelete, 0, 0, n}, {opInsert, n, 0, m}}
	}
	total := n + m
	off := total + 1
	v := make([]int, 2*total+3)
	var trace [][]int
	found := false
	for d := 0; d <= total && d <= maxDiffEdits; d++ {
		// keep V's diagonals -d-1..d+1: all that round d reads
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return []diffOp{{opDelete, 0, 0, n}, {opInsert, n, 0, m}}
	}
	// walk back through the trace (trace[d] is V before round d)
	var rev []diffOp
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd, o := trace[d], d+1 // vd[o+k] is V[k] before round d
		k := x - y
		pk := k - 1
		if k == -d || (k != d && vd[o+k-1] < vd[o+k+1]) {
			pk = k + 1
		}
		px := vd[o+pk]
		py := px - pk
		for x > px && y > py && x > 0 && y > 0 {
			x--
			y--
			rev = append(rev, diffOp{opEqual, x, y, 1})
		}
		if d == 0 {
			break
		}
		if x == px {
			rev = append(rev, diffOp{opInsert, px, py, 1})
		} else {
			rev = append(rev, diffOp{opDelete, px, py, 1})
		}
		x, y = px, py
	}
	ops := make([]diffOp, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops
}

// hunk is a range of ops shown together.
type hunk []diffOp

// hunks groups the ops into hunks, trimming equal runs to the context.
func hunks(ops []diffOp) []hunk {
	var out []hunk
	var cur hunk
	for idx, op := range ops {
		if op.kind != opEqual {
			cur = append(cur, op)
			continue
		}
		first, last := len(cur) == 0, idx == len(ops)-1
		switch {
		case first && last:
		case first:
			// leading context of the first change
			k := min(op.n, diffContext)
			cur = append(cur, diffOp{opEqual, op.i + op.n - k, op.j + op.n - k, k})
		case last || op.n > 2*diffContext:
			k := min(op.n, diffContext)
			cur = append(cur, diffOp{opEqual, op.i, op.j, k})
			out = append(out, cur)
			cur = nil
			if !last {
				k := min(op.n, diffContext)
				cur = hunk{{opEqual, op.i + op.n - k, op.j + op.n - k, k}}
			}
		default:
			cur = append(cur, op)
		}
	}
	if len(cur) > 0 && hasChange(cur) {
		out = append(out, cur)
	}
	return out
}

func hasChange(h hunk) bool {
	for _, op := range h {
		if op.kind != opEqual {
			return true
		}
	}
	return false
}

func writeHunk(sb *strings.Builder, h hunk, a, b []string, line0 int) {
	ai, bj := line0+h[0].i, line0+h[0].j
	na, nb := 0, 0
	for _, op := range h {
		if op.kind != opInsert {
			na += op.n
		}
		if op.kind != opDelete {
			nb += op.n
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(ai, na), hunkRange(bj, nb))
	line := func(prefix byte, s string) {
		sb.WriteByte(prefix)
		sb.WriteString(termtext.Escape(s))
		if !strings.HasSuffix(s, "\n") {
			sb.WriteString("\n\\ No newline at end of file\n")
		}
	}
	for _, op := range h {
		for k := 0; k < op.n; k++ {
			switch op.kind {
			case opEqual:
				line(' ', a[op.i+k])
			case opDelete:
				line('-', a[op.i+k])
			case opInsert:
				line('+', b[op.j+k])
			}
		}
	}
}

// hunkRange formats a 0-based start and a count as diff -u does: "3",
// "3,2", or "2,0" for an empty range after line 2.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
