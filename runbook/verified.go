package runbook

import (
	"strings"
	"time"
)

// The write-back format. Answering a question removes its `[VERIFY]` marker
// and appends, at the end of the question's text and inside the same block:
//
//	**Verified:** <answer> _(<who>, <YYYY-MM-DD>)_
//
// Parse recognises this suffix and reports the item as Verified, not as a
// Question. The answer is kept on one line and escaped so that it cannot end
// the block, open a table cell or become a new `[VERIFY]` marker.
const verifiedLabel = "**Verified:**"

var verifiedRE = &lazyRE{expr: `\*\*Verified:\*\* (.*) _\(([^()]*), (\d{4}-\d{2}-\d{2})\)_`}

// markdownEscaper escapes the characters that would change the structure or
// emphasis of the written answer.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, "#", `\#`,
)

// FormatVerified renders the suffix written after an answered question.
// Newlines and tabs in the answer become spaces: the answer must stay inside
// the question's block.
func FormatVerified(answer, who string, when time.Time) string {
	answer = strings.Join(strings.Fields(answer), " ")
	who = strings.Join(strings.Fields(strings.NewReplacer("(", "", ")", "", ",", "").Replace(who)), " ")
	if who == "" {
		who = "unknown"
	}
	return " " + verifiedLabel + " " + markdownEscaper.Replace(answer) +
		" _(" + markdownEscaper.Replace(who) + ", " + when.Format("2006-01-02") + ")_"
}

// ParseVerified finds a write-back suffix in a block's source text and
// returns the unescaped answer, who and when.
func ParseVerified(src string) (answer, who, when string, ok bool) {
	m := verifiedRE.FindStringSubmatch(src)
	if m == nil {
		return "", "", "", false
	}
	return unescapeMarkdown(m[1]), unescapeMarkdown(m[2]), m[3], true
}

func unescapeMarkdown(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_[]<>|#", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
