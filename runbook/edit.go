package runbook

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Patch replaces the bytes at Span of the source it was made for (which must
// be Old) with New. Anchor is the enclosing block (a question's paragraph,
// list item, quote or cell; a task item; a front-matter block): when the
// file changed on disk after it was read, WriteFile finds the Anchor's
// bytes again and re-applies the patch relative to them.
type Patch struct {
	Span   Span
	Old    []byte
	New    []byte
	Anchor Span
	// What names the target for people, e.g. "question 21-networking/q1 (line 17)".
	What string
}

// Edit collects the write-back patches of one document. It never modifies
// Document.Source: Apply returns a new source, WriteFile writes it.
type Edit struct {
	doc     *Document
	patches []Patch // in the order they were made
	// declared are the variables RecordValue adds to the front matter:
	// one patch holds them all (they go in at the same place), rebuilt
	// as each is added.
	declared []declared
}

// NewEdit starts an empty edit of doc.
func NewEdit(doc *Document) *Edit { return &Edit{doc: doc} }

// Patches returns the patches made so far, ordered by position.
func (e *Edit) Patches() []Patch {
	ps := slices.Clone(e.patches)
	sortPatches(ps)
	return ps
}

// Apply returns the document's source with every patch applied. Bytes
// outside the patched spans are copied unchanged.
func (e *Edit) Apply() ([]byte, error) {
	return applyPatches(e.doc.Source, e.patches)
}

// Diff is the unified diff of the edit, for the engineer to review before
// it is written.
func (e *Edit) Diff() (string, error) {
	out, err := e.Apply()
	if err != nil {
		return "", err
	}
	return Diff(e.doc.Path, e.doc.Source, out), nil
}

// WriteFile writes the edit to the document's file (see WriteFile).
func (e *Edit) WriteFile() error {
	return WriteFile(e.doc.Path, e.doc.Source, e.patches)
}

// Answer writes the answer to q into the source: the `[VERIFY]` marker is
// removed and FormatVerified's suffix is inserted after the question's text,
// both inside q.Block, so the block re-parses as a Verified item of the same
// kind. Removing the marker never lets the rest of its line start a new
// block (a list item, heading, fence, …): such a character is
// backslash-escaped, which renders the same.
func (e *Edit) Answer(q *Question, answer, who string, when time.Time) error {
	if q == nil {
		return errors.New("answer: no question")
	}
	what := fmt.Sprintf("question %s (line %d)", q.ID, q.Line)
	if strings.TrimSpace(answer) == "" {
		return fmt.Errorf("answer %s: the answer is empty", what)
	}
	if err := checkAnswerText(answer, "answer"); err != nil {
		return fmt.Errorf("answer %s: %w", what, err)
	}
	if err := checkAnswerText(who, "name"); err != nil {
		return fmt.Errorf("answer %s: %w", what, err)
	}
	src := e.doc.Source
	if err := checkQuestionSpans(src, q); err != nil {
		return fmt.Errorf("answer %s: %w", what, err)
	}
	suffix := FormatVerified(answer, who, when)
	p := answerPatch(src, q, suffix)
	p.Anchor, p.What = q.Block, what
	if e.overlapping(p) {
		// another answer in the same block reaches this far (a marker alone
		// on its line takes the line break before it): the answer replaces
		// just the marker, which no other edit touches
		p = markerOnlyPatch(src, q, suffix)
		p.Anchor, p.What = q.Block, what
	}
	return e.add(p)
}

// markerOnlyPatch replaces just the "[VERIFY]" with the answer: text where
// text was, so nothing about the line changes but its words.
func markerOnlyPatch(src []byte, q *Question, suffix string) Patch {
	ms := q.Marker.Start
	if ms == wbLineStart(src, ms) || wbBlank(src[ms-1]) {
		suffix = strings.TrimPrefix(suffix, " ")
	}
	me := ms + len(markerText)
	return Patch{Span: Span{ms, me}, Old: slices.Clone(src[ms:me]), New: []byte(suffix)}
}

func (e *Edit) overlapping(p Patch) bool {
	for _, o := range e.patches {
		if patchOverlaps(o.Span, p.Span) {
			return true
		}
	}
	return false
}

// checkAnswerText refuses what would make the doc binary or garble a terminal:
// invalid UTF-8 and control characters other than blanks and line breaks
// (which FormatVerified folds into spaces).
func checkAnswerText(s, what string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("the %s is not valid UTF-8", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return fmt.Errorf("the %s holds control character %U", what, r)
		}
	}
	return nil
}

// checkQuestionSpans refuses a question whose spans do not fit the source,
// e.g. one taken from another parse of a changed file.
func checkQuestionSpans(src []byte, q *Question) error {
	b := q.Block
	if b.Start < 0 || b.End > len(src) || b.Start > b.End ||
		!b.Contains(q.Marker) || !b.Contains(q.TextSpan) || q.TextSpan.Start > q.TextSpan.End {
		return errors.New("the question's position does not fit this document")
	}
	if !bytes.HasPrefix(src[q.Marker.Start:q.Marker.End], []byte(markerText)) {
		return fmt.Errorf("no %s marker at the question's position", markerText)
	}
	return nil
}

// Tick sets a task item's box to "[x]" (done) or "[ ]". A box already in
// that state needs no patch.
func (e *Edit) Tick(step *Step, done bool) error {
	if step == nil {
		return errors.New("tick: no step")
	}
	what := fmt.Sprintf("step %s (line %d)", step.ID, step.Line)
	src := e.doc.Source
	b := step.Box
	if step.Kind != KindManual || b.Len() != 3 || b.Start < 0 || b.End > len(src) ||
		src[b.Start] != '[' || src[b.End-1] != ']' || !strings.Contains(" xX", string(src[b.Start+1])) {
		return fmt.Errorf("tick %s: not a task item with a [ ] box", what)
	}
	want := []byte("[ ]")
	if done {
		want = []byte("[x]")
	}
	old := src[b.Start:b.End]
	if (src[b.Start+1] != ' ') == done {
		return nil
	}
	anchor := step.Span
	if !anchor.Contains(b) {
		anchor = b
	}
	return e.add(Patch{Span: b, Old: slices.Clone(old), New: want, Anchor: anchor, What: what})
}

// add records p, refusing one that patchOverlaps an earlier patch of this edit:
// two edits of the same bytes have no well-defined order.
func (e *Edit) add(p Patch) error {
	for _, o := range e.patches {
		if patchOverlaps(o.Span, p.Span) {
			return fmt.Errorf("%s: overlaps the edit of %s", p.What, o.What)
		}
	}
	e.patches = append(e.patches, p)
	return nil
}

// patchOverlaps reports whether two patch spans touch the same bytes. Two
// insertions at one offset overlap too: their order would be ambiguous.
func patchOverlaps(a, b Span) bool {
	if a.Len() == 0 && b.Len() == 0 {
		return a.Start == b.Start
	}
	return a.Start < b.End && b.Start < a.End
}

func sortPatches(ps []Patch) {
	slices.SortStableFunc(ps, func(a, b Patch) int {
		if a.Span.Start != b.Span.Start {
			return a.Span.Start - b.Span.Start
		}
		return a.Span.End - b.Span.End
	})
}

// applyPatches returns src with the patches applied; each patch's Old must
// match src at its Span and no two may overlap.
func applyPatches(src []byte, patches []Patch) ([]byte, error) {
	ps := slices.Clone(patches)
	sortPatches(ps)
	grow := 0
	for i, p := range ps {
		if p.Span.Start < 0 || p.Span.End > len(src) || p.Span.Start > p.Span.End {
			return nil, fmt.Errorf("%s: span %d-%d is outside the document (%d bytes)", p.What, p.Span.Start, p.Span.End, len(src))
		}
		if !bytes.Equal(src[p.Span.Start:p.Span.End], p.Old) {
			return nil, fmt.Errorf("%s: the document does not hold the expected bytes at line %d", p.What, wbLineAt(src, p.Span.Start))
		}
		if i > 0 && patchOverlaps(ps[i-1].Span, p.Span) {
			return nil, fmt.Errorf("%s: overlaps the edit of %s", p.What, ps[i-1].What)
		}
		grow += len(p.New) - p.Span.Len()
	}
	out := make([]byte, 0, len(src)+grow)
	at := 0
	for _, p := range ps {
		out = append(out, src[at:p.Span.Start]...)
		out = append(out, p.New...)
		at = p.Span.End
	}
	return append(out, src[at:]...), nil
}

// wbLineAt is the 1-based line of offset off.
func wbLineAt(src []byte, off int) int {
	return 1 + bytes.Count(src[:min(max(off, 0), len(src))], []byte{'\n'})
}

// ---- answering -----------------------------------------------------------

// wbPiece is one change inside an answer patch: src[start:end] becomes text.
type wbPiece struct {
	start, end int
	text       []byte
}

// answerPatch builds the single patch that removes q's marker and inserts
// suffix after its text, all inside q.Block, without changing what kind of
// block it is or how it splits into lines, cells and code spans:
//
//   - marker inside a line ("Is it X? [VERIFY]", "a [VERIFY] b"): remove it,
//     keeping one space between words and never joining backtick runs;
//   - marker starting the line's content ("[VERIFY] Is it X?"): remove it
//     and the blanks after it, so the text does not become indented code;
//   - marker alone on the block's first line: join the next line onto it
//     when it continues the block in the same containers; alone on a later
//     line: remove that line with the line break before it;
//   - if the line's content then opens a block (`- `, `#`, `>`, "1.", `===`,
//     `[x]: /url`, …) its first character is backslash-escaped, and so is
//     an empty list marker that the suffix would turn into a list item.
//
// Where no escape is neutral — a backtick fence (even an escaped backtick
// closes an earlier code span), an HTML block, a leading pipe, a possible
// link reference definition, a line whose cell count as a table row would
// change, a lazy continuation line, a marker alone in its block — the answer
// takes the marker's place instead.
func answerPatch(src []byte, q *Question, suffix string) Patch {
	blk := q.Block
	ms, me := q.Marker.Start, q.Marker.End
	ins := wbTextEnd(src, q.TextSpan, blk)
	ls := wbLineStart(src, ms)
	le := min(wbContentEnd(src, me), blk.End)
	atContent := wbContainerPrefix(src[ls:ms]) == ms-ls
	// a cell after a pipe holds inline text only; a row's first cell
	// without a leading pipe starts its line like a paragraph does
	inline := q.In == InTableCell && bytes.IndexByte(src[ls:max(blk.Start, ls)], '|') >= 0
	rest := src[me:le]
	blankRest := len(bytes.TrimLeft(rest, " \t")) == 0

	if wbLinkLabelStart(src[blk.Start:wbContentEnd(src, blk.Start)]) {
		// "[x]: …" may become a link reference definition, which takes the
		// rest of the paragraph with it if a removal completes it
		return markerOnlyPatch(src, q, suffix)
	}

	var del wbPiece // what replaces the marker
	del.start, del.end = ms, me
	escapeLine := -1 // offset of the line start whose content may need an escape
	switch {
	case atContent && blankRest && ls <= blk.Start:
		// alone on the block's first line
		nl := wbNextLine(src, le)
		if nl < 0 || nl >= blk.End || nl >= q.TextSpan.End {
			// nothing else in the block: the answer replaces the marker
			return wbMergePieces(src, []wbPiece{{ms, le, []byte(strings.TrimPrefix(suffix, " "))}})
		}
		// join the next line onto this one when it continues the block in
		// the same containers (same quote markers, list indentation);
		// otherwise, e.g. a lazy continuation line, its prefix is text and
		// the answer takes the marker's place instead
		c, ok := wbSamePrefix(src, ls, ms, nl, blk.End)
		if !ok {
			return wbMergePieces(src, []wbPiece{{ms, le, []byte(strings.TrimPrefix(suffix, " "))}})
		}
		del.end = c
		escapeLine = ls
	case atContent && blankRest:
		// alone on a later line: remove the line break before it and the line
		del.start = wbPrevLineEnd(src, ls)
		del.end = le
	case atContent:
		for del.end < le && (src[del.end] == ' ' || src[del.end] == '\t') {
			del.end++
		}
		escapeLine = ls
	default:
		if me > ms+len(markerText) && ms > ls && wbWordByte(src[ms-1]) {
			// "word[VERIFY] next": keep the space between the words
			del.end = me - 1
		} else if ms > ls && me < le && wbWordByte(src[ms-1]) && wbWordByte(src[me]) {
			del.text = []byte(" ")
		}
		if !inline && blankRest {
			// "text [VERIFY]" at a line end: drop the blanks before it too,
			// so no trailing spaces turn into a hard line break
			for del.start > ls && wbBlank(src[del.start-1]) {
				del.start--
			}
			del.end = le
		}
		if !inline {
			// "**[VERIFY]**" would leave "****", a thematic break
			escapeLine = ls
		}
		if del.start > 0 && del.end < len(src) && src[del.start-1] == '`' && src[del.end] == '`' && len(del.text) == 0 {
			// "`a`[VERIFY]`b`": joined backtick runs would pair differently
			del.text = []byte(" ")
		}
	}

	if !inline && bytes.IndexByte(src[del.start:del.end], '\n') < 0 {
		// a line that could be a table row keeps its number of cells: the
		// marker can be a cell of its own ("| x | y | [VERIFY]")
		before := src[ls:wbContentEnd(src, ls)]
		after := slices.Concat(src[ls:del.start], del.text, src[del.end:wbContentEnd(src, del.end)])
		if bytes.IndexByte(before, '|') >= 0 && wbCells(before) != wbCells(after) {
			return markerOnlyPatch(src, q, suffix)
		}
	}
	pieces := []wbPiece{del}
	if escapeLine >= 0 && escapeLine+wbContainerPrefix(src[escapeLine:del.start]) == del.start {
		// the text now starting the line opens a fence or an HTML block,
		// and a backslash would change it inline (a code span spanning
		// lines, raw HTML): the answer takes the marker's place instead
		if rest := src[del.end:wbContentEnd(src, del.end)]; wbLinkLabelStart(rest) {
			return markerOnlyPatch(src, q, suffix)
		} else if wbRawBlockStart(rest) {
			del.text = []byte(strings.TrimPrefix(suffix, " ") + " ")
			return wbMergePieces(src, []wbPiece{del})
		}
	}
	if escapeLine >= 0 {
		if at, ok := wbLineEscape(src, escapeLine, del); ok {
			if src[at] == '[' {
				// "[VERIFY][x]: y" would become a link definition, and
				// "\[x]" would hide a marker there: the answer replaces
				// the marker instead
				return markerOnlyPatch(src, q, suffix)
			}
			pieces = append(pieces, wbPiece{at, at, []byte(`\`)})
		}
	}
	// insert the suffix at ins, outside any deleted range
	for _, pc := range pieces {
		joins := bytes.IndexByte(src[pc.start:pc.end], '\n') >= 0
		if ins > pc.start && (ins < pc.end || ins == pc.end && joins) {
			// never after a removed line break: the suffix belongs to the
			// line the question's text now ends on
			ins = pc.start
		}
	}
	if !inline {
		if at, ok := wbSuffixEscape(src, blk, ins, del); ok {
			pieces = append(pieces, wbPiece{at, at, []byte(`\`)})
		}
	}
	slices.SortStableFunc(pieces, func(a, b wbPiece) int { return a.start - b.start })
	for i := 1; i < len(pieces); i++ {
		if pieces[i].start < pieces[i-1].end {
			// an escape inside the removed bytes is moot
			pieces = slices.Delete(pieces, i, i+1)
			i--
		}
	}
	return wbMergeWithSuffix(src, pieces, ins, suffix, blk.Start)
}

// wbTextEnd is where the answer goes: the end of the question's text, but
// never after a line break, and not on a last line that holds no word of
// the text: a question's text runs up to the next marker, so it can end
// with the next line's quote marker or the "**" opening "**[VERIFY]**".
func wbTextEnd(src []byte, ts, blk Span) int {
	ins := ts.End
	for ins > ts.Start && ins > blk.Start && (src[ins-1] == '\n' || src[ins-1] == '\r') {
		ins--
	}
	for {
		ls := wbLineStart(src, ins)
		if ls <= ts.Start || ls <= blk.Start || slices.ContainsFunc(src[ls:ins], wbWordByte) {
			return ins
		}
		e := wbPrevLineEnd(src, ls)
		for e > ts.Start && wbBlank(src[e-1]) {
			e--
		}
		if !slices.ContainsFunc(src[ts.Start:e], wbWordByte) {
			return ins
		}
		ins = e
	}
}

// wbMergeWithSuffix turns ordered, non-overlapping pieces plus the suffix
// inserted at ins (before a wbPiece starting there, after one ending there)
// into one patch spanning all of them. The suffix's leading space is dropped
// where it would follow a blank, a line start or the block's start.
func wbMergeWithSuffix(src []byte, pieces []wbPiece, ins int, suffix string, blockStart int) Patch {
	start, end := min(pieces[0].start, ins), max(pieces[len(pieces)-1].end, ins)
	var nb []byte
	at := start
	put := func() {
		before := wbByteBefore(src, start)
		if len(nb) > 0 {
			before = nb[len(nb)-1]
		}
		s := suffix
		if before == 0 || wbBlank(before) || before == '\n' || before == '\r' || ins == blockStart {
			s = strings.TrimPrefix(s, " ")
		}
		nb = append(nb, s...)
		ins = -1
	}
	for _, pc := range pieces {
		if ins >= 0 && ins <= pc.start {
			nb = append(nb, src[at:ins]...)
			at = ins
			put()
		}
		nb = append(nb, src[at:pc.start]...)
		nb = append(nb, pc.text...)
		at = pc.end
	}
	if ins >= 0 {
		nb = append(nb, src[at:ins]...)
		at = ins
		put()
	}
	nb = append(nb, src[at:end]...)
	return Patch{Span: Span{start, end}, Old: slices.Clone(src[start:end]), New: nb}
}

// wbMergePieces turns ordered, non-overlapping pieces into one patch spanning
// all of them.
func wbMergePieces(src []byte, pieces []wbPiece) Patch {
	start, end := pieces[0].start, pieces[len(pieces)-1].end
	var nb []byte
	at := start
	for _, pc := range pieces {
		nb = append(nb, src[at:pc.start]...)
		nb = append(nb, pc.text...)
		at = pc.end
	}
	nb = append(nb, src[at:end]...)
	return Patch{Span: Span{start, end}, Old: slices.Clone(src[start:end]), New: nb}
}

// wbCells counts the cells a line would have as a GFM table row.
func wbCells(line []byte) int {
	line = bytes.TrimSpace(line)
	n := 1
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\':
			i++
		case line[i] == '|' && i > 0 && i < len(line)-1:
			n++
		}
	}
	return n
}

// wbSamePrefix checks that the line at nl continues the block in the same
// containers as the marker's line (prefix src[ls:ms], list markers counting
// as their width in spaces), up to three more spaces, and has text after
// that prefix. It returns where that text starts.
func wbSamePrefix(src []byte, ls, ms, nl, end int) (int, bool) {
	want := bytes.Clone(src[ls:ms])
	for i, c := range want {
		if c != '>' && c != '\t' {
			want[i] = ' '
		}
	}
	if !bytes.HasPrefix(src[nl:end], want) {
		return 0, false
	}
	c := nl + len(want)
	for k := 0; k < 3 && c < end && src[c] == ' '; k++ {
		c++
	}
	if c >= end || src[c] == ' ' || src[c] == '\t' || src[c] == '\n' || src[c] == '\r' {
		return 0, false
	}
	return c, true
}

// wbSuffixEscape guards the line the suffix is appended to: "foo\n*" is one
// paragraph, but "foo\n* **Verified:** …" would start a list, because a
// list item may interrupt a paragraph only when it is not empty. It returns
// where a backslash keeps such an empty list marker (inside the block) text.
func wbSuffixEscape(src []byte, blk Span, ins int, del wbPiece) (int, bool) {
	ls := wbLineStart(src, ins)
	pre := src[ls:ins]
	if del.start >= ls && del.end <= ins {
		pre = slices.Concat(src[ls:del.start], del.text, src[del.end:ins])
	}
	j := 0
	for j < len(pre) && (wbBlank(pre[j]) || pre[j] == '>') {
		j++
	}
	t := bytes.TrimRight(pre[j:], " \t")
	at := j
	switch {
	case len(t) == 1 && (t[0] == '-' || t[0] == '+' || t[0] == '*'):
	case len(t) >= 2 && len(t) <= 10 && (t[len(t)-1] == '.' || t[len(t)-1] == ')') &&
		len(bytes.Trim(t[:len(t)-1], "0123456789")) == 0:
		at += len(t) - 1
	default:
		return 0, false
	}
	// back to a source offset
	off := ls + at
	if del.start >= ls && del.end <= ins {
		d0 := del.start - ls
		switch {
		case at < d0:
		case at < d0+len(del.text):
			return 0, false
		default:
			off = del.end + at - d0 - len(del.text)
		}
	}
	return off, off >= blk.Start
}

// wbLineEscape decides whether the content of the line starting at ls, once
// del is applied, would open a block that the original line did not, and
// returns where to put a backslash. It never points into del.
func wbLineEscape(src []byte, ls int, del wbPiece) (int, bool) {
	cs := ls + wbContainerPrefix(src[ls:del.start])
	if cs < del.start {
		// content before the marker stays; the line was already content
		orig := src[cs:wbContentEnd(src, cs)]
		if wbOpensBlock(orig) {
			return 0, false
		}
	}
	var after []byte
	after = append(after, src[cs:del.start]...)
	after = append(after, del.text...)
	restEnd := wbContentEnd(src, del.end)
	after = append(after, src[del.end:restEnd]...)
	k, ok := wbEscapeAt(after)
	if !ok {
		return 0, false
	}
	// map k back to the source
	if k < del.start-cs {
		return cs + k, true
	}
	k -= del.start - cs + len(del.text)
	if k < 0 {
		return 0, false
	}
	return del.end + k, true
}

// wbOpensBlock reports whether a line's content (container prefix removed)
// would start a block other than paragraph text.
func wbOpensBlock(line []byte) bool {
	_, ok := wbEscapeAt(line)
	return ok
}

// wbEscapeAt returns the index in a line's content before which a backslash
// keeps it paragraph text, if it would otherwise open a block: ATX heading,
// block quote, list item, thematic break, setext underline, fence, HTML
// block, table delimiter row or link reference definition.
func wbEscapeAt(line []byte) (int, bool) {
	if len(line) == 0 {
		return 0, false
	}
	blankOrEnd := func(i int) bool { return i >= len(line) || wbBlank(line[i]) }
	c := line[0]
	switch c {
	case '#':
		n := 0
		for n < len(line) && line[n] == '#' {
			n++
		}
		return 0, n <= 6 && blankOrEnd(n)
	case '>':
		return 0, true
	case '-', '+', '*':
		if blankOrEnd(1) || wbIsRule(line) || wbIsSetext(line) || wbIsDelimRow(line) {
			return 0, true
		}
	case '_':
		return 0, wbIsRule(line)
	case '=':
		return 0, wbIsSetext(line)
	case '`', '~':
		n := 0
		for n < len(line) && line[n] == c {
			n++
		}
		return 0, n >= 3
	case '|', ':':
		return 0, wbIsDelimRow(line)
	case '<':
		return 0, wbHTMLBlockStart(line)
	case '[':
		if i := bytes.IndexByte(line, ']'); i > 1 && i+1 < len(line) && line[i+1] == ':' {
			return 0, true
		}
	}
	if c >= '0' && c <= '9' {
		n := 0
		for n < len(line) && n < 10 && line[n] >= '0' && line[n] <= '9' {
			n++
		}
		if n <= 9 && n < len(line) && (line[n] == '.' || line[n] == ')') && blankOrEnd(n+1) {
			return n, true
		}
	}
	return 0, false
}

// wbLinkLabelStart reports a line that starts like a link reference
// definition: a label closed by "]:", or not closed on this line.
func wbLinkLabelStart(line []byte) bool {
	if len(line) == 0 || line[0] != '[' {
		return false
	}
	for i := 1; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case ']':
			return i+1 < len(line) && line[i+1] == ':'
		}
	}
	return true
}

// wbRawBlockStart reports a line whose start a backslash cannot neutralise
// without changing it: a backtick fence (backticks are code span
// delimiters), an HTML block start (escaping would turn the raw HTML into
// text), or a leading pipe (the marker's cell would vanish and the row
// could turn into a table header).
func wbRawBlockStart(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	switch line[0] {
	case '`':
		// "\```" leaves a run of two, and even an escaped backtick can
		// close an earlier code span: no escape keeps the inline structure
		n := 0
		for n < len(line) && line[n] == '`' {
			n++
		}
		return n >= 3
	case '<':
		return wbHTMLBlockStart(line)
	case '|':
		return true
	}
	return false
}

// wbHTMLBlockTags are the tag names of CommonMark's HTML block type 6.
var wbHTMLBlockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "base": true, "basefont": true, "blockquote": true,
	"body": true, "caption": true, "center": true, "col": true, "colgroup": true, "dd": true,
	"details": true, "dialog": true, "dir": true, "div": true, "dl": true, "dt": true,
	"fieldset": true, "figcaption": true, "figure": true, "footer": true, "form": true, "frame": true,
	"frameset": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"head": true, "header": true, "hr": true, "html": true, "iframe": true, "legend": true,
	"li": true, "link": true, "main": true, "menu": true, "menuitem": true, "nav": true,
	"noframes": true, "ol": true, "optgroup": true, "option": true, "p": true, "param": true,
	"search": true, "section": true, "summary": true, "table": true, "tbody": true, "td": true,
	"tfoot": true, "th": true, "thead": true, "title": true, "tr": true, "track": true, "ul": true,
}

// wbHTMLBlockStart reports whether a line starting with '<' opens an HTML
// block (CommonMark types 1 to 7), rather than holding inline HTML or an
// autolink.
func wbHTMLBlockStart(line []byte) bool {
	if len(line) < 2 || line[0] != '<' {
		return false
	}
	if line[1] == '!' || line[1] == '?' {
		return true // comments, declarations, CDATA, processing instructions
	}
	i := 1
	if line[i] == '/' {
		i++
	}
	j := i
	for j < len(line) && (wbLetter(line[j]) || j > i && (line[j] >= '0' && line[j] <= '9' || line[j] == '-')) {
		j++
	}
	if j == i {
		return false
	}
	name := strings.ToLower(string(line[i:j]))
	end := j >= len(line) || wbBlank(line[j]) || line[j] == '>' || bytes.HasPrefix(line[j:], []byte("/>"))
	switch {
	case i == 1 && (name == "script" || name == "pre" || name == "style" || name == "textarea") && end:
		return true
	case wbHTMLBlockTags[name] && end:
		return true
	}
	// type 7: a complete tag alone on its line
	t := bytes.TrimRight(line, " \t")
	return end && t[len(t)-1] == '>' && bytes.Count(t, []byte("<")) == 1 && bytes.Count(t, []byte(">")) == 1 &&
		!bytes.ContainsAny(t, "\"'`=") || end && j < len(line) && line[j] == '>' && len(bytes.TrimSpace(line[j+1:])) == 0
}

func wbIsRule(line []byte) bool {
	c, n := line[0], 0
	for _, b := range line {
		switch {
		case b == c:
			n++
		case wbBlank(b):
		default:
			return false
		}
	}
	return n >= 3
}

func wbIsSetext(line []byte) bool {
	t := bytes.TrimRight(line, " \t")
	return len(t) > 0 && len(bytes.Trim(t, string(t[:1]))) == 0 && (t[0] == '=' || t[0] == '-')
}

func wbIsDelimRow(line []byte) bool {
	return bytes.IndexByte(line, '-') >= 0 && len(bytes.Trim(line, "|:- \t")) == 0
}

func wbLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func wbBlank(c byte) bool { return c == ' ' || c == '\t' }

// wbContainerPrefix is how much of b (the start of a line) is indentation,
// block-quote markers and list markers: what may precede a block's content
// on its line.
func wbContainerPrefix(b []byte) int {
	i := 0
	for {
		for i < len(b) && wbBlank(b[i]) {
			i++
		}
		if i >= len(b) {
			return i
		}
		switch {
		case b[i] == '>':
			i++
			continue
		case b[i] == '-' || b[i] == '+' || b[i] == '*':
			if i+1 < len(b) && wbBlank(b[i+1]) {
				i += 2
				continue
			}
		case b[i] >= '0' && b[i] <= '9':
			j := i
			for j < len(b) && j-i < 10 && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			if j-i <= 9 && j+1 < len(b) && (b[j] == '.' || b[j] == ')') && wbBlank(b[j+1]) {
				i = j + 2
				continue
			}
		}
		return i
	}
}

// wbLineStart is the start of off's line; on the first line, after a BOM.
func wbLineStart(src []byte, off int) int {
	ls := bytes.LastIndexByte(src[:off], '\n') + 1
	if ls == 0 && off >= len(utf8BOM) && bytes.HasPrefix(src, []byte(utf8BOM)) {
		return len(utf8BOM)
	}
	return ls
}

// wbWordByte is a byte of a word: not a blank, not ASCII punctuation.
func wbWordByte(c byte) bool {
	return c >= 0x80 || c >= '0' && c <= '9' || wbLetter(c)
}

// wbContentEnd is the end of off's line, before "\n" or "\r\n".
func wbContentEnd(src []byte, off int) int {
	e := len(src)
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		e = off + i
	}
	if e > off && src[e-1] == '\r' {
		e--
	}
	return e
}

// wbNextLine is the offset after the line break at or after off, or -1.
func wbNextLine(src []byte, off int) int {
	i := bytes.IndexByte(src[off:], '\n')
	if i < 0 {
		return -1
	}
	return off + i + 1
}

// wbPrevLineEnd is where the line break ending the line before ls starts.
func wbPrevLineEnd(src []byte, ls int) int {
	e := ls - 1
	if e > 0 && src[e-1] == '\r' {
		e--
	}
	return e
}

func wbByteBefore(src []byte, off int) byte {
	if off <= 0 {
		return 0
	}
	return src[off-1]
}
