package runbook

import (
	"bytes"
	"sort"
	"strings"

	"github.com/yuin/goldmark/text"
)

// checkColumns are the first words of header cells that make a table a
// table of checks ("Check | How", "Component | Verify", "Health check"):
// only such tables yield check steps. A package table's "Command" column
// installs things; it checks nothing.
var checkColumns = map[string]bool{
	"check": true, "checks": true, "verify": true, "verification": true, "how": true,
	"test": true, "tests": true, "validation": true, "validate": true, "health": true,
	"probe": true, "smoke": true,
}

// commandColumns name the column that holds a check table's command when
// the check column is the description ("Check | Command").
var commandColumns = map[string]bool{
	"command": true, "commands": true, "cmd": true, "run": true, "query": true,
}

// commandWords are the first words of commands plausible in a check table
// cell that does not sit in a named command column.
var commandWords = map[string]bool{
	"aws": true, "az": true, "gcloud": true, "gsutil": true, "curl": true, "wget": true,
	"http": true, "kubectl": true, "helm": true, "docker": true, "podman": true,
	"mysql": true, "mysqladmin": true, "psql": true, "pg_isready": true, "redis-cli": true,
	"git": true, "terraform": true, "ssh": true, "scp": true, "dig": true, "nslookup": true,
	"host": true, "ping": true, "nc": true, "telnet": true, "openssl": true,
	"systemctl": true, "journalctl": true, "service": true, "ls": true, "cat": true,
	"grep": true, "test": true, "stat": true, "df": true, "du": true, "ps": true,
	"pm2": true, "nginx": true, "node": true, "npm": true, "npx": true, "yarn": true,
	"pnpm": true, "python": true, "python3": true, "go": true, "make": true, "jq": true,
	"echo": true, "env": true, "printenv": true, "sudo": true, "tail": true, "head": true,
	"wc": true, "find": true, "vault": true, "consul": true, "nomad": true, "ansible": true,
	"prisma": true, "bash": true, "sh": true, "uptime": true, "free": true, "id": true,
	"whoami": true, "crontab": true, "eksctl": true, "sam": true, "cdk": true, "pulumi": true,
	"k6": true, "ab": true, "traceroute": true, "ss": true, "netstat": true, "lsof": true,
}

// tableStartLines returns the index of the header line of a GFM table at
// the end of a paragraph's lines, or -1. It follows goldmark's table
// extension: the first delimiter row (from the second line on) decides, and
// the header may not have more cells than it has columns (goldmark pads a
// short header with empty cells).
func tableStartLines(md []byte, lines *text.Segments) int {
	for i := 1; i < lines.Len(); i++ {
		d := lines.At(i)
		n := delimColumns(md[d.Start:d.Stop])
		if n < 0 {
			continue
		}
		h := lines.At(i - 1)
		if headerColumns(md[h.Start:h.Stop]) > n {
			return -1
		}
		return i - 1
	}
	return -1
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) && c != '\f' && c != '\v' {
			return false
		}
	}
	return true
}

// delimColumns counts the columns of a delimiter row (`|:--|--:|`), -1
// when line is not one.
func delimColumns(line []byte) int {
	indent := 0
	for _, c := range line {
		if c == ' ' {
			indent++
		} else if c == '\t' {
			indent += 4 - indent%4
		} else {
			break
		}
	}
	if indent > 3 {
		return -1
	}
	allDash := true
	for _, c := range line {
		if c != '-' {
			allDash = false
		}
		if !(isSpace(c) || c == '\f' || c == '\v' || c == '-' || c == '|' || c == ':') {
			return -1
		}
	}
	if allDash {
		return -1
	}
	cols := bytes.Split(line, []byte{'|'})
	if isBlank(cols[0]) {
		cols = cols[1:]
	}
	if len(cols) > 0 && isBlank(cols[len(cols)-1]) {
		cols = cols[:len(cols)-1]
	}
	for _, col := range cols {
		t := bytes.TrimFunc(col, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) || r == '\f' || r == '\v' })
		t = bytes.TrimPrefix(t, []byte(":"))
		t = bytes.TrimSuffix(t, []byte(":"))
		if len(t) == 0 || len(bytes.Trim(t, "-")) != 0 {
			return -1
		}
	}
	return len(cols)
}

// headerColumns counts a header row's cells the way goldmark does: a
// leading and a trailing pipe are dropped, unescaped pipes split.
func headerColumns(line []byte) int {
	line = bytes.TrimFunc(line, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	pos, limit := 0, len(line)
	if limit > 0 && line[0] == '|' {
		pos++
	}
	if limit > 0 && line[limit-1] == '|' {
		limit--
	}
	n := 0
	for pos < limit {
		c := pos
		for ; c < limit; c++ {
			if line[c] == '|' && (c == 0 || line[c-1] != '\\') {
				break
			}
		}
		n++
		pos = c + 1
	}
	return n
}

// table finds check rows and questions in a GFM table given as its lines:
// header, delimiter, body rows.
func (p *parser) table(rows []Span) {
	checks, cmdCol, valueCol := false, -1, -1
	p.tableRows += len(rows) - 1
	for ri, r := range rows {
		if ri == 1 {
			continue // the delimiter row
		}
		start := r.Start
		for start < r.End && (p.src[start] == ' ' || p.src[start] == '\t') {
			start++
		}
		end := p.lineEnd(start)
		if end > r.End {
			end = trimEOL(p.src, r).End
		}
		cells := splitRow(p.src, start, end)
		if ri == 0 {
			checks, cmdCol = checkHeader(p.src, cells)
			valueCol = valueColumn(p.src, cells)
		} else if checks {
			p.checkRow(cells, cmdCol, Span{start, end})
		}
		if ri > 1 && valueCol > 0 && valueCol < len(cells) {
			if name, ok := rowPlaceholder(p.src, cells[0]); ok {
				p.doc.ValueRows = append(p.doc.ValueRows, &ValueRow{Name: name, Line: p.lineOf(start), Row: Span{start, end}, Col: valueCol})
			}
		}
		for _, c := range cells {
			raw := p.src[c.Start:c.End]
			if !bytes.Contains(raw, []byte(markerText)) && !bytes.Contains(raw, []byte(verifiedLabel)) {
				continue
			}
			p.scanBlock(c, []Span{c}, exclusions(p.src, c), InTableCell)
		}
	}
}

// checkHeader says whether a header row names a check column, and which
// column holds the command: a check column other than the first (the
// first describes the check: "Check | How"), else a Command column, else
// -1 (any cell whose code span starts with a common command).
func checkHeader(src []byte, cells []Span) (checks bool, cmdCol int) {
	cmdCol = -1
	named := -1
	for i, c := range cells {
		name := strings.ToLower(strings.TrimSpace(stripInline(string(src[c.Start:c.End]))))
		first, _, _ := strings.Cut(name, " ")
		if checkColumns[first] {
			checks = true
			if i > 0 && cmdCol < 0 {
				cmdCol = i
			}
		}
		if commandColumns[name] && named < 0 {
			named = i
		}
	}
	if cmdCol < 0 {
		cmdCol = named
	}
	return checks, cmdCol
}

// nameColumns head the first column of a two-column table of values.
var nameColumns = map[string]bool{
	"name": true, "variable": true, "placeholder": true, "parameter": true, "key": true,
	"setting": true, "field": true,
}

// valueColumn is the column of a header row that holds values: the first
// cell (after the first) with the word "value", else the second of a
// two-column table whose first column names things; -1 when none.
func valueColumn(src []byte, cells []Span) int {
	for i, c := range cells {
		if i == 0 {
			continue
		}
		for _, w := range strings.Fields(strings.ToLower(stripInline(string(src[c.Start:c.End])))) {
			if strings.Trim(w, "().:*") == "value" {
				return i
			}
		}
	}
	if len(cells) == 2 && nameColumns[strings.TrimSuffix(strings.ToLower(strings.TrimSpace(stripInline(string(src[cells[0].Start:cells[0].End])))), "s")] {
		return 1
	}
	return -1
}

// rowPlaceholder is the placeholder a value row's first cell names:
// `<name>`, `{name}` or a bare name, in a code span or not.
func rowPlaceholder(src []byte, c Span) (string, bool) {
	s := strings.TrimSpace(stripInline(string(src[c.Start:c.End])))
	if len(s) > 2 && (s[0] == '<' && s[len(s)-1] == '>' || s[0] == '{' && s[len(s)-1] == '}') {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > maxPlaceholderLen || !isAlpha(s[0]) {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) && s[i] != '-' && s[i] != '.' {
			return "", false
		}
	}
	return PlaceholderName(s), true
}

// splitRow returns the trimmed content span of each cell of a table row
// held in src[start:end]. A pipe splits cells unless backslash-escaped, even
// inside a code span (GFM).
func splitRow(src []byte, start, end int) []Span {
	cells := rawCells(src, start, end)
	for i, c := range cells {
		cells[i] = trimSpan(src, c)
	}
	return cells
}

// exclusions finds the code spans, HTML comments, tags and autolinks in a
// block's raw bytes: a marker inside them is literal text, not a question.
// It is linear in the block's size whatever the input (unclosed "<a",
// backtick runs of every length).
func exclusions(src []byte, c Span) []Span {
	var out []Span
	ticks := codeSpans(src, c)
	noClose := false // no '>' left: no more tags
	for i := c.Start; i < c.End; i++ {
		if len(ticks) > 0 && i >= ticks[0].Start {
			out = append(out, ticks[0])
			i = ticks[0].End - 1
			ticks = ticks[1:]
			continue
		}
		switch src[i] {
		case '\\':
			i++
		case '<':
			if bytes.HasPrefix(src[i:c.End], []byte("<!--")) {
				e := c.End
				if j := bytes.Index(src[i+4:c.End], []byte("-->")); j >= 0 {
					e = i + 4 + j + 3
				}
				out = append(out, Span{i, e})
				for len(ticks) > 0 && ticks[0].Start < e {
					ticks = ticks[1:]
				}
				i = e - 1
				continue
			}
			if !noClose && i+1 < c.End && (isAlpha(src[i+1]) || src[i+1] == '/' || src[i+1] == '!' || src[i+1] == '?') {
				if j := bytes.IndexByte(src[i:c.End], '>'); j >= 0 {
					out = append(out, Span{i, i + j + 1})
					for len(ticks) > 0 && ticks[0].Start < i+j+1 {
						ticks = ticks[1:]
					}
					i += j
				} else {
					noClose = true
				}
			}
		}
	}
	return out
}

// codeSpans pairs backtick runs as CommonMark does (an opener closes at the
// next run of the same length; a backslash escapes an opener's first
// backtick, never a closer's) and returns the spans, backticks included.
func codeSpans(src []byte, c Span) []Span {
	type run struct{ start, n int }
	var runs []run
	for i := c.Start; i < c.End; {
		if src[i] != '`' {
			i++
			continue
		}
		n := runLen(src, i, c.End, '`')
		runs = append(runs, run{i, n})
		i += n
	}
	if len(runs) < 2 {
		return nil
	}
	byLen := map[int][]int{} // run length -> indexes of runs, ascending
	for k, r := range runs {
		byLen[r.n] = append(byLen[r.n], k)
	}
	var out []Span
	for k := 0; k < len(runs); k++ {
		r := runs[k]
		start, n := r.start, r.n
		if escaped(src, start) {
			start, n = start+1, n-1
			if n == 0 {
				continue
			}
		}
		idx := byLen[n]
		j := sort.SearchInts(idx, k+1)
		if j == len(idx) {
			continue // no closer: the run is literal text
		}
		cl := runs[idx[j]]
		out = append(out, Span{start, cl.start + cl.n})
		k = idx[j]
	}
	return out
}

func runLen(src []byte, i, end int, c byte) int {
	n := 0
	for i+n < end && src[i+n] == c {
		n++
	}
	return n
}

// closeTicks finds a run of exactly n backticks at or after i, or -1.
func closeTicks(src []byte, i, end, n int) int {
	for i < end {
		if src[i] != '`' {
			i++
			continue
		}
		m := runLen(src, i, end, '`')
		if m == n {
			return i
		}
		i += m
	}
	return -1
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// firstCodeSpan returns the content span of the first code span in c.
func firstCodeSpan(src []byte, c Span) (Span, bool) {
	for i := c.Start; i < c.End; i++ {
		switch src[i] {
		case '\\':
			i++
		case '`':
			n := runLen(src, i, c.End, '`')
			j := closeTicks(src, i+n, c.End, n)
			if j < 0 {
				return Span{}, false
			}
			return trimSpan(src, Span{i + n, j}), true
		}
	}
	return Span{}, false
}

// checkRow makes a check step of a row whose cell holds a command.
func (p *parser) checkRow(cells []Span, cmdCol int, row Span) {
	for i, c := range cells {
		cs, ok := firstCodeSpan(p.src, c)
		if !ok || cs.Len() == 0 {
			continue
		}
		code := strings.ReplaceAll(string(p.src[cs.Start:cs.End]), `\|`, "|")
		word, rest, hasArg := strings.Cut(code, " ")
		if i == cmdCol {
			if !hasArg && !commandWords[word] {
				continue
			}
		} else if !(hasArg && commandWords[word] && strings.TrimSpace(rest) != "") {
			continue
		}
		title := ""
		if len(cells) > 0 {
			title = foldSpace(stripInline(string(p.src[cells[0].Start:cells[0].End])))
		}
		p.addStep(p.newStep(Step{
			Kind:     KindCheck,
			Title:    title,
			Line:     p.lineOf(row.Start),
			EndLine:  p.lineOf(row.Start),
			Code:     code,
			Span:     row,
			CodeSpan: cs,
		}))
		return
	}
}

// stripInline removes the commonest inline Markdown syntax from a cell or
// heading for display.
func stripInline(s string) string {
	if !strings.ContainsAny(s, "`*_\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_[]<>|#", s[i+1]) >= 0:
			i++
			b.WriteByte(s[i])
		case c == '`' || c == '*':
		case c == '_' && (i == 0 || i+1 == len(s) || s[i-1] == ' ' || s[i+1] == ' '):
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
