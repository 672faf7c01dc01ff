package runbook

import (
	"fmt"
	"strings"
)

// scrapedDiagnostics are `check`'s warnings for a doc copied out of a web
// page: one for the doc, then one per inferred step with the Markdown that
// would make it an ordinary step (a fence, a code span in its table row),
// so the engineer can review each and fix the doc once.
func scrapedDiagnostics(doc *Document) []Diagnostic {
	if !doc.Scraped {
		return nil
	}
	var n [4]int
	for _, st := range doc.Steps {
		if st.Inferred && int(st.Kind) < len(n) {
			n[st.Kind]++
		}
	}
	found := "no runnable steps found"
	if total := n[KindShell] + n[KindSQL] + n[KindCheck]; total > 0 {
		found = fmt.Sprintf("%s inferred from unfenced lines (%d shell, %d SQL, %d check): review them before running",
			plural(total, "step"), n[KindShell], n[KindSQL], n[KindCheck])
	}
	out := []Diagnostic{{Severity: SevWarning, Line: 1, Code: "scraped",
		Message: fmt.Sprintf("document looks copied from a web page (no code fences, headings end in ¶): %s; %s",
			found, plural(len(doc.Questions), "question"))}}
	for _, st := range doc.Steps {
		if !st.Inferred {
			continue
		}
		d := Diagnostic{Severity: SevWarning, Line: st.Line, Code: "inferred-step"}
		switch st.Kind {
		case KindCheck:
			d.Message = fmt.Sprintf("step %s: check inferred from the table row on %s: put its command in a code span:", st.ID, lineRange(st))
			d.Suggestion = checkRowMarkdown(doc, st)
		default:
			kind, lang := "Shell", "bash"
			if st.Kind == KindSQL {
				kind, lang = "SQL", "sql"
			}
			d.Message = fmt.Sprintf("step %s: %s step inferred from unfenced %s: fence it:", st.ID, kind, lineRange(st))
			fence := CodeFence(st.Code, '`')
			d.Suggestion = fence + lang + "\n" + st.Code + "\n" + fence
		}
		out = append(out, d)
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func lineRange(st *Step) string {
	if st.EndLine > st.Line {
		return fmt.Sprintf("lines %d–%d", st.Line, st.EndLine)
	}
	return fmt.Sprintf("line %d", st.Line)
}

// CodeFence is a fence of c (at least three) longer than any run of c in
// text, so that the text cannot close it.
func CodeFence(text string, c byte) string {
	return strings.Repeat(string(c), max(3, LongestRun(text, c)+1))
}

// LongestRun is the length of the longest run of c in s.
func LongestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// checkRowMarkdown is the check's table row on one line, its command in a
// code span.
func checkRowMarkdown(doc *Document, st *Step) string {
	src := doc.Source
	code := string(src[st.CodeSpan.Start:st.CodeSpan.End])
	span := "`" + code + "`"
	if st.CodeSpan.Start > 0 && src[st.CodeSpan.Start-1] == '`' {
		span = code // the page kept the code span
	} else if n := LongestRun(code, '`'); n > 0 {
		ticks := strings.Repeat("`", n+1)
		span = ticks + " " + code + " " + ticks
	}
	row := string(src[st.Span.Start:st.CodeSpan.Start]) + span + string(src[st.CodeSpan.End:st.Span.End])
	row = strings.NewReplacer("\r\n", " ", "\n", " ").Replace(row)
	if !strings.HasPrefix(row, "|") {
		row = "| " + row
	}
	return row
}
