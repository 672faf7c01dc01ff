package runbook

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/yuin/goldmark/ast"
	gparser "github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Limits on what Parse reads. goldmark keeps a node per block and checks
// every line against every open container; our model keeps a few more
// objects per block. A hostile document within the 64 MiB file limit
// (16 million headings, a list nested 2000 levels) would take minutes and
// gigabytes. No runbook comes near these limits (a 1 MB runbook has some
// 20 000 lines and a few thousand blocks): a document past one is refused
// (exit 2), naming the line and the limit, rather than parsed slowly.
const (
	// MaxNesting is how deep lists and block quotes may nest.
	MaxNesting = 64
	// MaxBlocks is how many blocks (headings, paragraphs, list items,
	// code blocks, …) a document may have.
	MaxBlocks = 100_000
	// MaxLines is how many lines a document may have.
	MaxLines = 500_000
	// MaxPlaceholders is how many different placeholders a document may
	// have (each is a value to ask for).
	MaxPlaceholders = 10_000
	// MaxPlaceholderUses is how many times placeholders may be used in
	// all (each use is a line to record and a value to substitute).
	MaxPlaceholderUses = 200_000
	// MaxSteps and MaxQuestions are how many steps (check steps of tables
	// included) and questions a document may have.
	MaxSteps     = 20_000
	MaxQuestions = 20_000
)

// Limits are the bounds Parse applies: the Max constants.
type Limits struct {
	Nesting, Blocks, Lines, Placeholders, PlaceholderUses, Steps, Questions int
}

// DefaultLimits are the Max constants.
func DefaultLimits() Limits {
	return Limits{Nesting: MaxNesting, Blocks: MaxBlocks, Lines: MaxLines, Placeholders: MaxPlaceholders,
		PlaceholderUses: MaxPlaceholderUses, Steps: MaxSteps, Questions: MaxQuestions}
}

// ErrLimit is in the error of a document refused for passing a limit.
var ErrLimit = errors.New("past the limit of what runbook reads (docs/security.md)")

// blockLimit counts the blocks goldmark opens and refuses to open a list
// or block quote MaxNesting levels deep. When a limit is passed it stops
// the parse and remembers where (an offset into md) and which.
type blockLimit struct {
	max             Limits
	blocks          int
	placeholderUses int
	at              int    // -1 while within the limits
	what            string // the limit passed
}

// limited wraps a block parser with the limits; nests is set for the
// containers whose depth counts.
type limited struct {
	gparser.BlockParser
	limit *blockLimit
	nests bool
}

func (l limited) Open(parent ast.Node, reader text.Reader, pc gparser.Context) (ast.Node, gparser.State) {
	node, state := l.BlockParser.Open(parent, reader, pc)
	if node == nil {
		return nil, state
	}
	if l.limit.blocks++; l.limit.blocks > l.limit.max.Blocks {
		return l.limit.stop(reader, fmt.Sprintf("more than %d blocks (headings, paragraphs, list items, code blocks)", l.limit.max.Blocks))
	}
	if l.nests {
		depth := 0
		for n := parent; n != nil && depth < l.limit.max.Nesting; n = n.Parent() {
			if k := n.Kind(); k == ast.KindList || k == ast.KindBlockquote {
				depth++
			}
		}
		if depth >= l.limit.max.Nesting {
			// (the node is dropped: the parse stops here)
			return l.limit.stop(reader, fmt.Sprintf("lists and block quotes nested more than %d levels deep", l.limit.max.Nesting))
		}
	}
	return node, state
}

// stop records where a limit was passed and ends the parse there: the
// document is refused, so the rest of it is not read.
func (b *blockLimit) stop(reader text.Reader, what string) (ast.Node, gparser.State) {
	if b.at < 0 {
		_, seg := reader.PeekLine()
		b.at, b.what = seg.Start, what
	}
	line, _ := reader.Position()
	end := len(reader.Source())
	reader.SetPosition(line, text.NewSegment(end, end))
	return nil, gparser.NoChildren
}

// blockParsers are goldmark's default block parsers (same parsers, same
// priorities as gparser.DefaultBlockParsers), lists and block quotes
// under the nesting limit.
func blockParsers(limit *blockLimit) []util.PrioritizedValue {
	return []util.PrioritizedValue{
		util.Prioritized(limited{gparser.NewSetextHeadingParser(), limit, false}, 100),
		util.Prioritized(limited{gparser.NewThematicBreakParser(), limit, false}, 200),
		util.Prioritized(limited{gparser.NewListParser(), limit, true}, 300),
		util.Prioritized(limited{gparser.NewListItemParser(), limit, false}, 400),
		util.Prioritized(limited{gparser.NewCodeBlockParser(), limit, false}, 500),
		util.Prioritized(limited{gparser.NewATXHeadingParser(), limit, false}, 600),
		util.Prioritized(limited{gparser.NewFencedCodeBlockParser(), limit, false}, 700),
		util.Prioritized(limited{gparser.NewBlockquoteParser(), limit, true}, 800),
		util.Prioritized(limited{gparser.NewHTMLBlockParser(), limit, false}, 900),
		util.Prioritized(limited{gparser.NewParagraphParser(), limit, false}, 1000),
	}
}

// tooManyItems records a document with more steps or questions than the
// limits, at the first one past them.
func (p *parser) tooManyItems() bool {
	switch {
	case p.limit.at >= 0:
		return true
	case len(p.doc.Steps) > p.limit.max.Steps:
		p.limit.at = p.doc.Steps[p.limit.max.Steps].Span.Start - p.base
		p.limit.what = fmt.Sprintf("more than %d steps", p.limit.max.Steps)
	case len(p.qitems) > p.limit.max.Questions:
		p.limit.at = p.qitems[p.limit.max.Questions].start() - p.base
		p.limit.what = fmt.Sprintf("more than %d questions", p.limit.max.Questions)
	default:
		return false
	}
	return true
}

// tooManyPlaceholders records that step st passed MaxPlaceholders (or,
// with uses, MaxPlaceholderUses).
func (p *parser) tooManyPlaceholders(st *Step, uses bool) {
	if p.limit.at >= 0 {
		return
	}
	p.limit.at, p.limit.what = st.CodeSpan.Start-p.base, fmt.Sprintf("more than %d different placeholders", p.limit.max.Placeholders)
	if uses {
		p.limit.what = fmt.Sprintf("more than %d uses of placeholders", p.limit.max.PlaceholderUses)
	}
}

// pastLimit is the error for a document past a limit, or nil.
func (p *parser) pastLimit() *Error {
	if p.limit.at < 0 {
		return nil
	}
	return &Error{Path: p.doc.Path, Line: p.lineOf(p.base + p.limit.at),
		Err: fmt.Errorf("%s: %w", p.limit.what, ErrLimit)}
}

// tooBig refuses, before any parsing, a document of more than MaxLines
// lines or with more [VERIFY] markers than MaxQuestions (counted
// anywhere, code included: no runbook comes near).
func tooBig(src []byte, lim Limits) *Error {
	if err := tooManyLines(src, lim.Lines); err != nil {
		return err
	}
	marker := []byte(markerText)
	n, off := 0, 0
	for {
		i := bytes.Index(src[off:], marker)
		if i < 0 {
			return nil
		}
		off += i + len(marker)
		if n++; n > lim.Questions {
			return &Error{Line: 1 + bytes.Count(src[:off], []byte{'\n'}),
				Err: fmt.Errorf("more than %d [VERIFY] markers: %w", lim.Questions, ErrLimit)}
		}
	}
}

// tooManyLines refuses a document of more than max lines.
func tooManyLines(src []byte, max int) *Error {
	n := 0
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			break
		}
		if n++; n == max {
			if i+j+1 < len(src) {
				return &Error{Line: max + 1, Err: fmt.Errorf("more than %d lines: %w", max, ErrLimit)}
			}
			break
		}
		i += j + 1
	}
	return nil
}
