package prose

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// inline renders the inline content of one block into a single string
// (newlines only at hard line breaks), styled for the theme.
type inline struct {
	t   *Theme
	src []byte
	b   strings.Builder
}

func (r *renderer) inlines(n ast.Node, st ansi.Style) string {
	in := &inline{t: r.t, src: r.src}
	in.children(n, st)
	return in.b.String()
}

func (in *inline) children(n ast.Node, st ansi.Style) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		in.node(c, st)
	}
}

// text writes s in style st.
func (in *inline) text(s string, st ansi.Style) { in.b.WriteString(in.t.paint(st, s)) }

func (in *inline) node(n ast.Node, st ansi.Style) {
	switch n := n.(type) {
	case *ast.Text:
		in.text(unescape(n.Segment.Value(in.src)), st)
		switch {
		case n.HardLineBreak():
			in.b.WriteByte('\n')
		case n.SoftLineBreak():
			in.text(" ", st)
		}
	case *ast.String:
		in.text(string(n.Value), st)
	case *ast.CodeSpan:
		code := rawText(n, in.src)
		if in.t.Plain {
			in.b.WriteString(code)
		} else {
			// No-break spaces pad the coloured background and keep the
			// padding on the same line as the code when wrapping.
			in.text("\u00a0"+code+"\u00a0", in.t.Code)
		}
	case *ast.Emphasis:
		in.emphasis(n, st)
	case *extast.Strikethrough:
		in.marked(n, "~~", with(st, in.t.Strike))
	case *ast.Link:
		in.link(n, string(n.Destination), st)
	case *ast.AutoLink:
		in.autoLink(n, st)
	case *ast.Image:
		in.image(n, st)
	case *ast.RawHTML, *extast.TaskCheckBox:
		// Inline HTML tags show nothing (their text is ordinary text
		// around them); a task's box is drawn by its list item.
	default:
		in.children(n, st)
	}
}

func (in *inline) emphasis(n *ast.Emphasis, st ansi.Style) {
	if n.Level > 1 {
		in.marked(n, "**", with(st, in.t.Strong))
		return
	}
	in.marked(n, "*", with(st, in.t.Emph))
}

// marked renders n's children in st, or between mark in a plain theme.
func (in *inline) marked(n ast.Node, mark string, st ansi.Style) {
	if in.t.Plain {
		in.b.WriteString(mark)
		in.children(n, st)
		in.b.WriteString(mark)
		return
	}
	in.children(n, st)
}

// link shows the text, then the address (both clickable in terminals that
// support OSC 8 hyperlinks); an address that only names an anchor of the
// doc leads nowhere from a terminal, so only its text is shown.
func (in *inline) link(n ast.Node, url string, st ansi.Style) {
	sub := &inline{t: in.t, src: in.src}
	sub.children(n, with(st, in.t.LinkText))
	text := sub.b.String()
	if url == "" || strings.HasPrefix(url, "#") {
		in.b.WriteString(text)
		return
	}
	open, closeLink := hyperlink(url)
	in.b.WriteString(open + text + closeLink)
	if ansi.Strip(text) == url {
		return
	}
	in.text(" ", st)
	in.b.WriteString(open + in.t.paint(with(st, in.t.Link), url) + closeLink)
}

func (in *inline) autoLink(n *ast.AutoLink, st ansi.Style) {
	url := string(n.URL(in.src))
	if n.AutoLinkType == ast.AutoLinkEmail {
		label := string(n.Label(in.src))
		if !strings.HasPrefix(strings.ToLower(url), "mailto:") {
			url = "mailto:" + url
		}
		open, closeLink := hyperlink(url)
		in.b.WriteString(open + in.t.paint(with(st, in.t.LinkText), label) + closeLink)
		return
	}
	open, closeLink := hyperlink(url)
	in.b.WriteString(open + in.t.paint(with(st, in.t.Link), url) + closeLink)
}

// image cannot be shown in a terminal: its description and address are.
func (in *inline) image(n *ast.Image, st ansi.Style) {
	alt := rawText(n, in.src)
	url := string(n.Destination)
	open, closeLink := hyperlink(url)
	if alt != "" {
		in.b.WriteString(in.t.paint(with(st, in.t.ImageText), "Image: "+open+alt+closeLink+" →"))
		if url != "" {
			in.text(" ", st)
		}
	}
	if url != "" {
		in.b.WriteString(open + in.t.paint(with(st, in.t.Image), url) + closeLink)
	}
}

// hyperlink returns the OSC 8 sequences around a link's text. The id lets
// a terminal treat the pieces of a wrapped link as one.
func hyperlink(url string) (open, closeLink string) {
	if url == "" {
		return "", ""
	}
	h := fnv.New32a()
	h.Write([]byte(url))
	return ansi.SetHyperlink(url, fmt.Sprintf("id=%d", h.Sum32())), ansi.ResetHyperlink()
}

// rawText is the text of n's descendants as written (code spans keep
// backslashes and entities, CommonMark §6.1).
func rawText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// unescape resolves backslash escapes and entity references of text.
func unescape(v []byte) string {
	return string(util.UnescapePunctuations(util.ResolveNumericReferences(util.ResolveEntityNames(v))))
}
