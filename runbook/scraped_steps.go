package runbook

import (
	"bytes"
	"slices"
	"strings"
)

// A page copied out of a browser keeps its code blocks as plain lines: the
// fences are gone, the commands are not. In a scraped doc those lines are
// recovered as *inferred* steps (Step.Inferred): shell where a run of lines
// parses as shell and starts with a program, SQL where it is statements
// ending in ';', checks where a "Check | How" table the page broke across
// lines names a command. What is not clearly a command (JSON, `Key: value`
// settings, prose that happens to start with a program's name) stays text:
// a missed step is seen and fenced by hand, a wrong one could run.

// lineKind is what a physical line of a scraped doc is, before commands
// are looked for.
type lineKind uint8

const (
	lnText    lineKind = iota
	lnBlank            // only whitespace
	lnHeading          // ends in ¶: a section
	lnTaken            // part of a question, an answered item or a task item
	lnTable            // a row (or a piece of a row) of a table
)

// sline is one physical line: its content without the line ending.
type sline struct {
	start, end int
	kind       lineKind
}

// Bounds that keep recovery linear on hostile input: how many lines a
// `\` continuation, an SQL statement or an unfinished shell construct
// (heredoc, if/for) may span, and how many lines in all may be re-parsed
// while extending unfinished constructs.
const (
	maxJoined      = 200
	maxSQLLines    = 60
	maxExtension   = 60
	extendedBudget = 20000
)

// scrapedSteps recovers the commands and check-table rows of a scraped
// doc as inferred steps. Questions must already be known: their lines are
// never commands.
func (p *parser) scrapedSteps() {
	lines := p.scrapedLines()
	p.scrapedTables(lines)
	r := recovery{p: p, lines: lines, budget: extendedBudget}
	r.run()
	// a check-table row found on goldmark's view of the page would be a
	// second, differently cut copy of the rows recovered above
	p.doc.Steps = slices.DeleteFunc(p.doc.Steps, func(st *Step) bool { return st.Kind == KindCheck && !st.Inferred })
	slices.SortStableFunc(p.doc.Steps, func(a, b *Step) int { return a.Span.Start - b.Span.Start })
}

// scrapedLines classifies every line after the front matter.
func (p *parser) scrapedLines() []sline {
	lines := make([]sline, 0, len(p.lines))
	for _, off := range p.lines {
		end := p.lineEnd(off)
		if end < p.base {
			continue // front matter
		}
		off = max(off, p.base)
		if off >= len(p.src) {
			break
		}
		k := lnText
		switch {
		case len(bytes.TrimSpace(p.src[off:end])) == 0:
			k = lnBlank
		case p.isPilcrowLine(off):
			k = lnHeading
		}
		lines = append(lines, sline{start: off, end: end, kind: k})
	}
	// question blocks, answered items and task items (a command on a task
	// item's continuation line is part of its text), each in source order
	var spans []Span
	for _, it := range p.qitems {
		if it.q != nil {
			spans = append(spans, it.q.Block)
		} else {
			spans = append(spans, it.v.Span)
		}
	}
	p.markTaken(lines, spans)
	spans = spans[:0]
	for _, st := range p.doc.Steps {
		if st.Kind == KindManual {
			spans = append(spans, st.Span)
		}
	}
	p.markTaken(lines, spans)
	return lines
}

// markTaken marks the text lines that spans (sorted) touch as taken.
func (p *parser) markTaken(lines []sline, spans []Span) {
	i := 0
	for _, sp := range spans {
		for i < len(lines) && lines[i].end < sp.Start {
			i++
		}
		for j := i; j < len(lines) && lines[j].start <= sp.End; j++ {
			if lines[j].kind == lnText {
				lines[j].kind = lnTaken
			}
		}
	}
}

// text is a line's bytes without surrounding whitespace.
func (p *parser) text(l sline) []byte { return bytes.TrimSpace(p.src[l.start:l.end]) }

// recovery walks the text lines of a scraped doc and groups them into
// blocks of one kind: comments, blank lines and plain assignments are held
// as pending and join a block only when a command of that kind follows.
type recovery struct {
	p      *parser
	lines  []sline
	budget int // lines left to re-parse while extending unfinished constructs

	blk     *rblock
	pending []unit
	// prose is true when the line before the current one is prose: a
	// command-looking line right after a sentence that has not ended is
	// the rest of that sentence (an inline `code` span the page unwrapped).
	prose bool
}

type rblock struct {
	kind        StepKind
	first, last int // line indexes
}

// unitKind is what a logical line is.
type unitKind uint8

const (
	uProse unitKind = iota
	uBlank
	uComment    // `# …`: shell (and MySQL) comment
	uSQLComment // `-- …`
	uAssign     // NAME=value: shell, but not enough to start a block
	uShell
	uSQL
)

// unit is a logical line: one or more physical lines (continuations, a
// multi-line statement, a heredoc).
type unit struct {
	kind        unitKind
	first, last int
}

func (r *recovery) run() {
	for i := 0; i < len(r.lines); {
		l := r.lines[i]
		if l.kind != lnText && l.kind != lnBlank {
			r.close()
			r.pending = r.pending[:0]
			r.prose = false
			i++
			continue
		}
		u := r.classify(i)
		r.add(u)
		i = u.last + 1
	}
	r.close()
}

// add puts a unit into the current block, the pending units, or ends the
// block.
func (r *recovery) add(u unit) {
	switch u.kind {
	case uProse:
		r.close()
		r.pending = r.pending[:0]
		r.prose = !endsClause(r.p.text(r.lines[u.last]))
		return
	case uBlank:
		r.prose = false
		if r.blk != nil || len(r.pending) > 0 {
			r.pending = append(r.pending, u)
		}
		return
	case uComment, uSQLComment, uAssign:
		if r.blk != nil && !compatible(u.kind, r.blk.kind) {
			r.close()
		}
		r.pending = append(r.pending, u)
		r.prose = false
		return
	}
	kind := KindShell
	if u.kind == uSQL {
		kind = KindSQL
	}
	r.prose = false
	if r.blk != nil && r.blk.kind == kind {
		r.blk.last = u.last
		r.pending = r.pending[:0]
		return
	}
	r.close()
	first := u.first
	// the pending units right before it that fit its kind lead the block
	for k := len(r.pending) - 1; k >= 0 && compatible(r.pending[k].kind, kind); k-- {
		first = r.pending[k].first
	}
	for first < u.first && r.lines[first].kind == lnBlank {
		first++
	}
	r.pending = r.pending[:0]
	r.blk = &rblock{kind: kind, first: first, last: u.last}
}

// compatible reports whether a pending unit may lead or sit in a block of
// the given kind.
func compatible(u unitKind, kind StepKind) bool {
	switch u {
	case uBlank, uComment:
		return true
	case uSQLComment:
		return kind == KindSQL
	case uAssign:
		return kind == KindShell
	}
	return false
}

// close emits the current block as an inferred step. Pending units stay:
// the ones that fit may lead the next block.
func (r *recovery) close() {
	if r.blk == nil {
		return
	}
	b := r.blk
	r.blk = nil
	start, end := r.lines[b.first].start, r.lines[b.last].end
	code := string(r.p.src[start:end])
	if strings.Contains(code, "\r\n") {
		code = strings.ReplaceAll(code, "\r\n", "\n")
	}
	r.p.addStep(r.p.newStep(Step{
		Kind:     b.kind,
		Title:    inferredTitle(code),
		Line:     r.p.lineOf(start),
		EndLine:  r.p.lineOf(end),
		Code:     code,
		Inferred: true,
		Span:     Span{start, end},
		CodeSpan: Span{start, end},
	}))
}

// inferredTitle is the block's leading comment, else its first command
// line (with " …" when more follow): the section title says little when a
// section has prose and commands mixed.
func inferredTitle(code string) string {
	rest := strings.TrimSpace(code)
	for rest != "" {
		var first string
		first, rest, _ = strings.Cut(rest, "\n")
		first, rest = strings.TrimSpace(first), strings.TrimSpace(rest)
		switch {
		case first == "" || strings.HasPrefix(first, "#!"):
			continue
		case strings.HasPrefix(first, "#"):
			if t := strings.TrimSpace(strings.TrimLeft(first, "#")); t != "" {
				return t
			}
			continue
		case strings.HasPrefix(first, "--"):
			if t := strings.TrimSpace(strings.TrimLeft(first, "-")); t != "" {
				return t
			}
			continue
		}
		first = strings.TrimSpace(strings.TrimSuffix(first, `\`))
		if rest != "" {
			first += " …"
		}
		return first
	}
	return ""
}

// endsClause reports whether a line of prose ends where a command could
// follow it: after a sentence, a colon or a closing parenthesis.
func endsClause(t []byte) bool {
	if len(t) == 0 {
		return true
	}
	switch t[len(t)-1] {
	case '.', ':', '!', '?', ';', ')':
		return true
	}
	return false
}

// classify reads the logical line starting at line i.
func (r *recovery) classify(i int) unit {
	l := r.lines[i]
	if l.kind == lnBlank {
		return unit{kind: uBlank, first: i, last: i}
	}
	t := r.p.text(l)
	switch {
	case t[0] == '#':
		return unit{kind: uComment, first: i, last: i}
	case bytes.HasPrefix(t, []byte("--")) && (len(t) == 2 || t[2] == ' ' || t[2] == '\t'):
		return unit{kind: uSQLComment, first: i, last: i}
	}
	if r.prose {
		// the rest of a sentence the page unwrapped
		return unit{kind: uProse, first: i, last: i}
	}
	if last, ok := r.sqlStatement(i); ok {
		return unit{kind: uSQL, first: i, last: last}
	}
	if u, ok := r.shellCommand(i); ok {
		return u
	}
	return unit{kind: uProse, first: i, last: i}
}

// sqlStatement reports whether line i starts an SQL statement that ends,
// with ';', on this or one of the next lines; it returns that line.
func (r *recovery) sqlStatement(i int) (int, bool) {
	w := firstWord(r.p.text(r.lines[i]))
	upper := w == strings.ToUpper(w)
	if !sqlKeywords[strings.ToUpper(w)] || (!upper && w != strings.ToLower(w)) {
		return 0, false // "Show the logs;" is a sentence
	}
	limit := i + maxSQLLines
	if !upper {
		limit = i + 1 // "update the records\nand restart;" is one too
	}
	for j := i; j < len(r.lines) && j < limit; j++ {
		l := r.lines[j]
		if l.kind != lnText {
			return 0, false
		}
		t := r.p.text(l)
		if j > i && bytes.HasPrefix(t, []byte("--")) {
			continue
		}
		if bytes.HasSuffix(t, []byte(";")) {
			return j, true
		}
	}
	return 0, false
}

// sqlKeywords start the SQL statements a runbook runs.
var sqlKeywords = map[string]bool{
	"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "REPLACE": true,
	"CREATE": true, "ALTER": true, "DROP": true, "RENAME": true, "TRUNCATE": true,
	"GRANT": true, "REVOKE": true, "FLUSH": true, "USE": true, "SHOW": true, "SET": true,
	"CALL": true, "START": true, "BEGIN": true, "COMMIT": true, "ROLLBACK": true,
	"DESCRIBE": true, "EXPLAIN": true, "LOCK": true, "UNLOCK": true, "ANALYZE": true,
	"OPTIMIZE": true, "KILL": true, "WITH": true,
}

// firstWord is t up to its first space or tab.
func firstWord(t []byte) string {
	if i := bytes.IndexAny(t, " \t"); i >= 0 {
		t = t[:i]
	}
	return string(t)
}

// shellCommand reports whether a command starts at line i, joining `\`
// continuation lines and, for an unfinished construct (heredoc, if, for),
// the lines that finish it.
func (r *recovery) shellCommand(i int) (unit, bool) {
	first := firstWord(r.p.text(r.lines[i]))
	if !mayStartCommand(first) {
		return unit{}, false
	}
	last := i
	for last+1 < len(r.lines) && last-i < maxJoined && r.lines[last+1].kind == lnText && continues(r.p.src[r.lines[last].start:r.lines[last].end]) {
		last++
	}
	for {
		code := string(r.p.src[r.lines[i].start:r.lines[last].end])
		kind, incomplete := shellUnit(code)
		if kind != uProse {
			return unit{kind: kind, first: i, last: last}, true
		}
		// an unfinished construct: take the next line, within bounds
		if !incomplete || last+1 >= len(r.lines) || last-i >= maxExtension || r.budget <= 0 {
			return unit{}, false
		}
		if k := r.lines[last+1].kind; k != lnText && k != lnBlank {
			return unit{}, false
		}
		last++
		r.budget -= last - i + 1
	}
}

// continues reports whether a line ends in an unescaped backslash.
func continues(line []byte) bool {
	line = bytes.TrimRight(line, "\r")
	n := 0
	for n < len(line) && line[len(line)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}
