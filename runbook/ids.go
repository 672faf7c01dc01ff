package runbook

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// slugify makes a GitHub-style anchor: lower case, spaces to '-', every
// other character but letters, digits, '-' and '_' dropped.
func slugify(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(title)) {
		switch {
		case r == ' ' || r == '\t':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "section"
	}
	return b.String()
}

// idSet hands out unique ids, suffixing repeats with -2, -3, ….
type idSet map[string]bool

func (s idSet) unique(id string) string {
	if !s[id] {
		s[id] = true
		return id
	}
	for n := 2; ; n++ {
		c := id + "-" + strconv.Itoa(n)
		if !s[c] {
			s[c] = true
			return c
		}
	}
}

// sectionSlug is the innermost section's slug, "intro" before any heading.
func (p *parser) sectionSlug(sec int) string {
	if sec < 0 {
		return "intro"
	}
	id := p.doc.Sections[sec].ID
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// finish assigns sections, ids, titles and hashes to steps and questions,
// and collects placeholders.
func (p *parser) finish() {
	if p.tooManyItems() {
		return // refused: no ids, hashes or placeholders for a doc this big
	}
	steps := p.doc.Steps
	// inferred steps are numbered apart (<slug>/i<n>), so that what the
	// parser recognises as commands never renumbers the labelled steps
	perSection, perSectionInferred := map[int]int{}, map[int]int{}
	index := make([]int, len(steps))
	fmCwd := ""
	if fm := p.doc.FrontMatter; fm != nil {
		fmCwd = fm.Cwd
	}
	for i, st := range steps {
		st.Section = p.sectionAt(st.Span.Start)
		count := perSection
		if st.Inferred {
			count = perSectionInferred
		}
		count[st.Section]++
		index[i] = count[st.Section]
		if fmCwd != "" && st.Kind != KindManual {
			st.Attrs.Cwd = joinCwd(fmCwd, st.Attrs.Cwd)
		}
	}
	ids := make(idSet, len(steps))
	// names are reserved first so that an explicit name never gets a suffix
	// because of a derived id earlier in the doc
	for _, st := range steps {
		if st.Attrs.Name != "" {
			st.ID = ids.unique(st.Attrs.Name)
		}
	}
	for i, st := range steps {
		n := strconv.Itoa(index[i])
		of := perSection[st.Section]
		if st.Inferred {
			n, of = "i"+n, perSectionInferred[st.Section]
		}
		if st.ID == "" {
			st.ID = ids.unique(p.sectionSlug(st.Section) + "/" + n)
		}
		if st.Title == "" {
			st.Title = p.stepTitle(st, index[i], of)
		}
		st.Hash = p.stepHash(st)
	}

	qids := make(idSet, len(p.qitems))
	qn := map[int]int{}
	for _, it := range p.qitems {
		sec := p.sectionAt(it.start())
		qn[sec]++
		id := qids.unique(p.sectionSlug(sec) + "/q" + strconv.Itoa(qn[sec]))
		if it.q != nil {
			it.q.ID, it.q.Section = id, sec
			p.doc.Questions = append(p.doc.Questions, it.q)
		} else {
			it.v.ID, it.v.Section = id, sec
			p.doc.Verified = append(p.doc.Verified, it.v)
		}
	}
	for _, r := range p.doc.References {
		r.Section = p.sectionAt(r.Span.Start)
	}
	p.placeholders()
	p.stepOutputs()
}

// stepTitle: the name, else the code's first `# comment` line (`-- ` for
// SQL), else a console block's first command, else the section title,
// numbered when the section has several steps.
func (p *parser) stepTitle(st *Step, n, of int) string {
	if st.Attrs.Name != "" {
		return st.Attrs.Name
	}
	for line := range strings.SplitSeq(st.Code, "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		var c string
		switch {
		case strings.HasPrefix(t, "#!"):
			continue
		case strings.HasPrefix(t, "#"):
			c = strings.TrimLeft(t, "# ")
		case st.Kind == KindSQL && strings.HasPrefix(t, "--"):
			c = strings.TrimLeft(t, "- ")
		}
		if c != "" {
			return c
		}
	}
	// A transcript or an inferred block says what it runs better than
	// its section does.
	if cmds := strings.TrimSpace(st.Code); (st.Console || st.Inferred) && cmds != "" {
		// The first command, its `\` continuation lines joined.
		var first []string
		lines := strings.Split(cmds, "\n")
		i := 0
		for ; i < len(lines); i++ {
			l := strings.TrimSpace(lines[i])
			cont := strings.HasSuffix(l, "\\")
			first = append(first, strings.TrimSpace(strings.TrimSuffix(l, "\\")))
			if !cont {
				break
			}
		}
		title := "$ " + strings.Join(strings.Fields(strings.Join(first, " ")), " ")
		if i+1 < len(lines) {
			title += " …"
		}
		return title
	}
	title := p.doc.SectionTitle(st.Section)
	if title == "" {
		title = p.doc.Title
	}
	if title == "" {
		title = st.Kind.String()
	}
	if of > 1 {
		title += " (" + strconv.Itoa(n) + ")"
	}
	return title
}

// joinCwd resolves a step's cwd against the front matter's (runme's
// `cwd`): an absolute step cwd wins, a relative one is inside it.
func joinCwd(base, cwd string) string {
	switch {
	case cwd == "":
		return base
	case strings.HasPrefix(cwd, "/") || strings.HasPrefix(cwd, "~"):
		return cwd
	}
	return path.Join(base, cwd)
}

// stepHash digests what changes a step's behaviour, so a resumed run can
// flag steps edited since they ran.
func (p *parser) stepHash(st *Step) string {
	b := p.hbuf[:0]
	for _, s := range []string{
		st.Kind.String(), st.Lang, st.Code, st.Attrs.Timeout.String(), st.Attrs.Cwd,
		strconv.FormatBool(st.Attrs.Interactive), st.Attrs.Shell,
	} {
		b = append(b, s...)
		b = append(b, 0)
	}
	// Attributes added later go in only when set, so that the hash of
	// every step written before them stays what runs journaled.
	for _, s := range []struct {
		on  bool
		key string
	}{
		{st.Attrs.Isolated, "isolated"}, {st.Attrs.Background, "background"},
		{st.Attrs.ReadyIf != "", "ready-if=" + st.Attrs.ReadyIf},
		{st.Attrs.ReadyAfter > 0, "ready-after=" + st.Attrs.ReadyAfter.String()},
		// The program that runs the code, where the front matter's
		// `shell:` (not the step itself, whose lang and shell= are in
		// already) decides it: a doc switched from sh to bash runs every
		// step differently, so each is stale.
		{p.docShell() != "" && st.Shell.String() != ResolveInterp(st.Kind, st.Lang, st.Attrs, "").String(),
			"interp=" + st.Shell.String() + "/" + st.Shell.Dialect.String()},
	} {
		if s.on {
			b = append(b, s.key...)
			b = append(b, 0)
		}
	}
	p.hbuf = b
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
