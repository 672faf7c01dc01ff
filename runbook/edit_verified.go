package runbook

import (
	"strings"
)

// verifiedEndRE is the "_(who, date)_" that closes a write-back suffix.
var verifiedEndRE = &lazyRE{expr: ` _\(([^()]*), (\d{4}-\d{2}-\d{2})\)_`}

// VerifiedSuffix is one write-back answer found in a block's text.
type VerifiedSuffix struct {
	// Start and End delimit "**Verified:** … _(who, date)_" in the text.
	Start, End        int
	Answer, Who, When string
}

// FindVerified returns every write-back suffix in text, in order. A block
// can hold several answered questions ("A? **Verified:** x _(…)_ B?
// **Verified:** y _(…)_"): each answer belongs to the text between the
// previous suffix (or the start) and its own Start. Within that stretch the
// last "**Verified:**" label is the write-back's, since an answer is
// escaped and cannot hold one while the question's text might.
func FindVerified(text string) []VerifiedSuffix {
	var out []VerifiedSuffix
	prev := 0
	for _, m := range verifiedEndRE.FindAllStringSubmatchIndex(text, -1) {
		if m[0] < prev {
			continue
		}
		l := strings.LastIndex(text[prev:m[0]], verifiedLabel+" ")
		if l < 0 {
			continue
		}
		l += prev
		out = append(out, VerifiedSuffix{
			Start:  l,
			End:    m[1],
			Answer: unescapeMarkdown(text[l+len(verifiedLabel)+1 : m[0]]),
			Who:    unescapeMarkdown(text[m[2]:m[3]]),
			When:   text[m[4]:m[5]],
		})
		prev = m[1]
	}
	return out
}
