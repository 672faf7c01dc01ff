package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"github.com/runbook-sh/runbook/runbook/journal"
)

//go:embed report.css
var reportCSS string

// HTML writes one self-contained page: inline CSS, no scripts, nothing
// fetched (a Content-Security-Policy forbids it even if the document's
// prose asks), outputs collapsible with <details>, a table of contents
// with each section's status, and a print stylesheet.
func HTML(w io.Writer, in Input) error {
	v, err := buildView(in)
	if err != nil {
		return err
	}
	pg, err := buildPage(v)
	if err != nil {
		return err
	}
	var p page
	writePage(&p, pg)
	_, err = io.WriteString(w, p.String())
	return err
}

type htmlPage struct {
	*view
	CSS       string
	Summary   [][2]string
	Legend    []journal.Status
	Worst     journal.Status
	Preamble  string // HTML
	Sections  []htmlSection
	TOC       []*tocItem
	StatusRow []statusCount
	Orphans   []string // HTML of each step's card
}

type statusCount struct {
	Status journal.Status
	N      int
}

type htmlSection struct {
	*sectionView
	Anchor string
	Body   string // HTML
}

type tocItem struct {
	Section  *sectionView
	Anchor   string
	Children []*tocItem
}

type htmlStep struct {
	*stepView
	Anchor  string
	Facts   string
	Last    *attemptView
	Summary string
}

func buildPage(v *view) (*htmlPage, error) {
	p := &htmlPage{view: v, CSS: reportCSS, Legend: statusOrder, Worst: worst(v.Counts)}
	for _, s := range statuses(v.Counts) {
		p.StatusRow = append(p.StatusRow, statusCount{s, v.Counts[s]})
	}
	p.Summary = v.htmlSummary()

	doc := v.in.Doc
	src := doc.Source
	body := 0
	if fm := doc.FrontMatter; fm != nil && fm.Span.End <= len(src) {
		body = fm.Span.End
	} else if bytes.HasPrefix(src, []byte("\ufeff")) {
		body = len("\ufeff")
	}
	md := newMarkdown()
	nonce := tokenNonce(src)
	cards := map[string]string{}
	edits := questionEdits(v, htmlIcon)
	for i, s := range v.Steps {
		card := stepCard(s)
		tok := fmt.Sprintf("RBSTEP%sN%dX", nonce, i)
		cards[tok] = card
		pos, prefix := insertionPoint(src, s.Step)
		pos = max(pos, body)
		// A paragraph of its own holding a token; after rendering it is
		// swapped for the card, so the card sits where the step ends,
		// inside the same list item or quote.
		text := blockLines(prefix, "\n", []string{tok}, !blankAt(src, pos))
		if pos == len(src) && len(src) > 0 && src[len(src)-1] != '\n' {
			text = "\n" + text
		}
		edits = append(edits, edit{Start: pos, End: pos, order: 1<<20 + i, Text: text})
	}
	render := func(from, to int) (string, error) {
		if from >= to {
			return "", nil
		}
		var b bytes.Buffer
		if err := md.Convert([]byte(v.mask.s(string(applyEdits(src, from, to, edits)))), &b); err != nil {
			return "", fmt.Errorf("render markdown: %w", err)
		}
		return placeCards(b.String(), "RBSTEP"+nonce+"N", cards), nil
	}

	firstHeading := len(src)
	if len(doc.Sections) > 0 {
		firstHeading = min(max(doc.Sections[0].Heading.Start, body), len(src))
	}
	var err error
	if p.Preamble, err = render(body, firstHeading); err != nil {
		return nil, err
	}
	items := make([]*tocItem, len(v.Sections))
	for i, sv := range v.Sections {
		sec := doc.Sections[i]
		from := min(nextLineStart(src, max(sec.Heading.End-1, sec.Heading.Start)), len(src))
		to := len(src)
		if i+1 < len(doc.Sections) {
			to = min(max(doc.Sections[i+1].Heading.Start, from), len(src))
		}
		hs := htmlSection{sectionView: sv, Anchor: fmt.Sprintf("s%d", i+1)}
		if hs.Body, err = render(from, to); err != nil {
			return nil, err
		}
		p.Sections = append(p.Sections, hs)
		items[i] = &tocItem{Section: sv, Anchor: hs.Anchor}
		if sv.Parent >= 0 && sv.Parent < i {
			items[sv.Parent].Children = append(items[sv.Parent].Children, items[i])
		} else {
			p.TOC = append(p.TOC, items[i])
		}
	}
	for _, s := range v.Orphans {
		p.Orphans = append(p.Orphans, stepCard(s))
	}
	return p, nil
}

// stepCard is the HTML of one step's card.
func stepCard(s *stepView) string {
	var p page
	writeStep(&p, newHTMLStep(s))
	return p.String()
}

func newHTMLStep(s *stepView) htmlStep {
	hs := htmlStep{stepView: s, Anchor: "step-" + s.ID, Facts: strings.Join(s.facts(), " · "), Last: s.last()}
	if hs.Last != nil && hs.Last.Excerpt != nil && !hs.Last.Excerpt.Empty() {
		hs.Summary = outputSummary(s, hs.Last)
	}
	return hs
}

// htmlSummary is the summary table as plain text pairs (writePage
// escapes them).
func (v *view) htmlSummary() [][2]string {
	var rows [][2]string
	add := func(k, val string) { rows = append(rows, [2]string{k, val}) }
	add("Run", v.Run+" — "+v.runStatusText())
	add("Document", v.Title+" ("+v.DocFile+")")
	h := shortHash(v.DocHash)
	if v.RunDocHash != "" {
		h += " ⚠ changed since the run started (was " + shortHash(v.RunDocHash) + ")"
	}
	add("Document hash", h)
	rows = append(rows, v.sessionRows()...)
	if v.RV.Finished {
		add("Finished", formatTime(v.FinishedAt))
	} else {
		add("Last activity", formatTime(v.Updated))
	}
	if v.Identity != nil {
		add("AWS identity", v.Identity.ARN+" (account "+v.Identity.Account+", region "+v.Identity.Region+")")
	}
	add("Run directory", v.RunDir)
	return rows
}

// placeCards swaps every step token in rendered HTML for its card, and
// the paragraph around a token that stands alone for the card itself (a
// <div> cannot sit in a <p>). One pass, however many steps.
func placeCards(out, prefix string, cards map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(out, prefix)
		if i < 0 {
			b.WriteString(out)
			return b.String()
		}
		j := strings.IndexByte(out[i+len(prefix):], 'X')
		if j < 0 {
			b.WriteString(out)
			return b.String()
		}
		tok := out[i : i+len(prefix)+j+1]
		card, ok := cards[tok]
		if !ok {
			b.WriteString(out[:i+len(tok)])
			out = out[i+len(tok):]
			continue
		}
		before, after := out[:i], out[i+len(tok):]
		if strings.HasSuffix(before, "<p>") && strings.HasPrefix(after, "</p>") {
			before, after = before[:len(before)-len("<p>")], after[len("</p>"):]
		}
		b.WriteString(before)
		b.WriteString(card)
		out = after
	}
}

// tokenNonce makes step tokens that cannot occur in the document.
func tokenNonce(src []byte) string {
	n := "Q"
	for bytes.Contains(src, []byte("RBSTEP"+n)) {
		n += "Q"
	}
	return n
}

// newMarkdown is goldmark with GitHub's extensions, in safe mode (raw HTML
// in the document is dropped, dangerous links are not linked) and with
// images shown as links, so that opening the report fetches nothing.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(
			renderer.WithNodeRenderers(util.Prioritized(imageAsLink{}, 100)),
		),
	)
}

type imageAsLink struct{}

func (imageAsLink) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindImage, func(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		n := node.(*ast.Image)
		if !entering {
			_, _ = w.WriteString("</a>")
			return ast.WalkContinue, nil
		}
		dest := util.URLEscape(n.Destination, true)
		_, _ = w.WriteString(`<a class="image" href="`)
		if !gmhtml.IsDangerousURL(dest) {
			_, _ = w.Write(util.EscapeHTML(dest))
		}
		_, _ = w.WriteString(`">Image: `)
		return ast.WalkContinue, nil
	})
}
