package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// asciiGlyph is the ASCII stand-in of a glyph the TUI draws (frames,
// status icons, markers, punctuation of the help and the messages); "" for
// any other character.
func asciiGlyph(r rune) string {
	switch r {
	case '╭', '╮', '╰', '╯', '┌', '┐', '└', '┘', '✓':
		return "+"
	case '─', '━', '╴', '↷', '—', '–':
		return "-"
	case '│', '┃':
		return "|"
	case '›', '▸', '▶', '→', '↪', '↳':
		return ">"
	case '‹', '←', '⏎':
		return "<"
	case '▾', '✔', '↓':
		return "v"
	case '▴', '◇', '↑':
		return "^"
	case '○':
		return "o"
	case '◐', '●', '•':
		return "*"
	case '✗':
		return "X"
	case '≡':
		return "="
	case '⊘':
		return "%"
	case '□':
		return "_"
	case '·', '…':
		return "."
	case '“', '”':
		return `"`
	case '‘', '’':
		return "'"
	case '×':
		return "x"
	}
	return ""
}

// asciiFrame makes a rendered frame pure ASCII for a terminal whose locale
// is not UTF-8: known glyphs become their stand-in, any other character
// (doc text in another script) becomes "?" per cell, so that the layout
// keeps its width. Escape sequences are ASCII already and pass as they are.
func asciiFrame(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case asciiGlyph(r) != "":
			b.WriteString(asciiGlyph(r))
		default:
			if w := ansi.StringWidth(string(r)); w > 0 {
				b.WriteString(strings.Repeat("?", w))
			}
		}
	}
	return b.String()
}
