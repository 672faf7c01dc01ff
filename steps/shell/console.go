package shell

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// maxConsoleCapture bounds the output kept to compare a console block with
// its documented output; past it the comparison is skipped (a documented
// transcript is never that long).
const maxConsoleCapture = 1 << 20

// maxDiffLines bounds the diff printed under a console step.
const maxDiffLines = 40

// captureWriter passes output through and keeps its first limit bytes.
type captureWriter struct {
	w        io.Writer
	buf      []byte
	limit    int
	overflow bool
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if !c.overflow {
		if len(c.buf)+len(p) > c.limit {
			c.overflow = true
			c.buf = nil
		} else {
			c.buf = append(c.buf, p...)
		}
	}
	return c.w.Write(p)
}

// ansiSeq matches terminal escape sequences (CSI, OSC, and two-byte ESC
// sequences): colours are not part of what a transcript documents.
var ansiSeq = regexp.MustCompile(`\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])`)

// normalizeTranscript makes documented and actual output comparable: no
// escape sequences, LF line ends (a pty prints CRLF), no trailing spaces,
// no trailing blank lines. A line redrawn with \r (a progress bar) keeps
// only its final text.
func normalizeTranscript(s string) []string {
	s = ansiSeq.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.LastIndexByte(l, '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// consoleNotice compares a console block's documented output with what the
// commands printed and returns a notice with a diff when they differ ("" when
// they match, or when there is nothing to compare). A difference is not a
// failure: versions, ids and dates legitimately change.
func consoleNotice(expected string, c *captureWriter) string {
	if c == nil || c.overflow {
		return ""
	}
	want := normalizeTranscript(expected)
	got := normalizeTranscript(string(c.buf))
	if len(want) == 0 || slicesEqual(want, got) {
		return ""
	}
	var b strings.Builder
	b.WriteString("\r\n[runbook] the output differs from the output documented in the runbook (not a failure):\r\n")
	b.WriteString("--- documented\r\n+++ actual\r\n")
	for i, l := range lineDiff(want, got) {
		if i == maxDiffLines {
			b.WriteString("… (diff truncated)\r\n")
			break
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	return b.String()
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diffContext is how many unchanged lines are shown around a change.
const diffContext = 2

// lineDiff is a small LCS line diff in unified style: " " common, "-"
// documented only, "+" actual only; long runs of common lines are elided.
func lineDiff(a, b []string) []string {
	const maxLines = 2000 // the LCS table is len(a)×len(b)
	if len(a) > maxLines || len(b) > maxLines {
		return []string{fmt.Sprintf("(too long to diff: %d documented lines, %d actual lines)", len(a), len(b))}
	}
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, " "+a[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, "-"+a[i])
			i++
		default:
			ops = append(ops, "+"+b[j])
			j++
		}
	}
	// Keep diffContext common lines around each change.
	keep := make([]bool, len(ops))
	for k, op := range ops {
		if op[0] != ' ' {
			for d := max(0, k-diffContext); d <= min(len(ops)-1, k+diffContext); d++ {
				keep[d] = true
			}
		}
	}
	var out []string
	skipped := false
	for k, op := range ops {
		if !keep[k] {
			skipped = true
			continue
		}
		if skipped {
			out = append(out, "@@ … @@")
			skipped = false
		}
		out = append(out, op)
	}
	if skipped {
		out = append(out, "@@ … @@")
	}
	return out
}
