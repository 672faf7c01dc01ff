package runbook

import (
	"bytes"
	"sort"
)

// Docs copied out of a rendered web page lose their fences and heading
// markup; what is left of a heading is a line ending in the "¶" permalink.
// Such docs still get sections and questions, found line by line.

const pilcrow = "¶"

// maxContinuation bounds how many following lines a scraped question may
// swallow while looking for the end of its sentence.
const maxContinuation = 8

// looksScraped reports whether ¶ lines that are not Markdown headings
// outnumber the headings: the "# …" headings such a doc has are comment
// lines of its lost code blocks.
func (p *parser) looksScraped() bool {
	if !bytes.Contains(p.src, []byte(pilcrow)) {
		return false
	}
	n := 0
	for _, off := range p.lines {
		if off < len(p.src) && !p.headingLines[off] && p.isPilcrowLine(off) && p.src[off] != '#' {
			n++
		}
	}
	return n > 0 && n >= p.headings
}

func (p *parser) isPilcrowLine(off int) bool {
	line := bytes.TrimRight(p.src[off:p.lineEnd(off)], " \t")
	return bytes.HasSuffix(line, []byte(pilcrow)) && len(bytes.TrimSpace(line)) > len(pilcrow)
}

// scrapedSections makes a section of every line ending in ¶; its level
// comes from the numbering ("2." → 1, "2.1" → 2).
func (p *parser) scrapedSections() {
	for _, off := range p.lines {
		if off >= len(p.src) || !p.isPilcrowLine(off) {
			continue
		}
		if off < p.base {
			off = p.base
		}
		end := p.lineEnd(off)
		start := off
		for start < end && (p.src[start] == ' ' || p.src[start] == '\t') {
			start++
		}
		title := cleanTitle(string(p.src[start:end]))
		p.doc.Sections = append(p.doc.Sections, &Section{
			Title:   title,
			Level:   numberingLevel(title),
			Line:    p.lineOf(start),
			Heading: Span{start, end},
		})
	}
}

// numberingLevel is the depth of a leading "2.1.3" numbering, 1 otherwise.
func numberingLevel(title string) int {
	i, level := 0, 0
	for {
		j := i
		for j < len(title) && title[j] >= '0' && title[j] <= '9' {
			j++
		}
		if j == i {
			break
		}
		level++
		i = j
		if i < len(title) && title[i] == '.' {
			i++
			continue
		}
		break
	}
	if level == 0 {
		return 1
	}
	return level
}

// endsSentence reports whether a line's text ends a sentence.
func endsSentence(line []byte) bool {
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 {
		return true
	}
	switch line[len(line)-1] {
	case '.', '!', '?':
		return true
	}
	return false
}

// scrapedQuestions finds every unescaped marker. A question runs from its
// marker to the end of the line, and on over the following lines while the
// sentence has not ended (a wrapped "Suggested:" keeps its value).
func (p *parser) scrapedQuestions() {
	var marks []int
	for off := 0; ; {
		i := bytes.Index(p.src[off:], []byte(markerText))
		if i < 0 {
			break
		}
		m := off + i
		off = m + len(markerText)
		if !escaped(p.src, m) {
			marks = append(marks, m)
		}
	}
	for k, m := range marks {
		next := len(p.src)
		if k+1 < len(marks) {
			next = marks[k+1]
		}
		mEnd := m + len(markerText)
		lineEnd := p.lineEnd(m)
		if mEnd < lineEnd && p.src[mEnd] == ' ' {
			mEnd++
		}
		end := lineEnd
		for n := 0; n < maxContinuation && end < next && !endsSentence(p.src[p.lineStart(end):end]); n++ {
			nl := p.nextLine(end)
			if nl >= len(p.src) || nl >= next {
				break
			}
			le := p.lineEnd(nl)
			if len(bytes.TrimSpace(p.src[nl:le])) == 0 || p.isPilcrowLine(nl) || p.src[nl] == '|' {
				break
			}
			end = le
		}
		end = min(end, next)
		ts := trimSpan(p.src, Span{mEnd, max(end, mEnd)})
		if ts.Len() == 0 {
			ts = Span{mEnd, mEnd}
		}
		block := Span{p.lineStart(m), max(end, mEnd)}
		txt := foldSpace(string(p.src[ts.Start:ts.End]))
		p.qitems = append(p.qitems, qitem{q: p.newQuestion(Question{
			Text:      txt,
			Suggested: suggestion(txt),
			Line:      p.lineOf(m),
			In:        InParagraph,
			Marker:    Span{m, mEnd},
			TextSpan:  ts,
			Block:     block,
		})})
	}
	// answers written back into a scraped doc sit on lines of their own
	// question, which no longer has a marker
	for _, off := range p.lines {
		if off >= len(p.src) {
			continue
		}
		le := p.lineEnd(off)
		line := p.src[off:le]
		if !bytes.Contains(line, []byte(verifiedLabel)) {
			continue
		}
		if i := bytes.Index(line, []byte(markerText)); i >= 0 {
			le = off + i
		}
		p.verifiedPart(Span{off, le}, []Span{{off, le}})
	}
	sort.SliceStable(p.qitems, func(i, j int) bool { return p.qitems[i].start() < p.qitems[j].start() })
}
