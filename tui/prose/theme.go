package prose

import (
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Theme is how prose looks. Plain themes mark emphasis with the Markdown
// characters themselves (**strong**, *emphasis*, ~~struck~~): without
// colours and attributes those markers are the only cue left.
type Theme struct {
	Plain bool

	Text      ansi.Style // every run of text without a style of its own
	H1        ansi.Style // the first-level heading, padded with a space
	Heading   ansi.Style // "## …" and deeper
	H6        ansi.Style
	Emph      ansi.Style
	Strong    ansi.Style
	Strike    ansi.Style
	Code      ansi.Style // a code span, padded with no-break spaces
	LinkText  ansi.Style
	Link      ansi.Style // the URL shown after a link's text
	Image     ansi.Style // an image's address
	ImageText ansi.Style
	Rule      ansi.Style
	Table     ansi.Style // the table's separators

	Syntax Syntax // code blocks

	QuoteBar   string // left of every quoted line
	TaskDone   string
	ListIndent int // a nested list's indent relative to its parent's items
	CodeIndent int
}

// Syntax colours code blocks, token class by token class.
type Syntax struct {
	Text, Comment, Keyword, Builtin, String, Number, Operator, Variable, Prompt ansi.Style
}

// Plain is the theme without colours or attributes (NO_COLOR).
func Plain() Theme {
	return Theme{Plain: true, QuoteBar: "| ", TaskDone: "[x] ", ListIndent: 4, CodeIndent: 2}
}

func fg(c string) ansi.Style { return ansi.Style{}.ForegroundColor(lipgloss.Color(c)) }

// Dark is the theme for a dark terminal background. The colours are those
// glamour's "dark" style used, which the section pane showed until the
// renderer moved here.
func Dark() Theme {
	return Theme{
		Text:      fg("252"),
		H1:        fg("228").BackgroundColor(lipgloss.Color("63")).Bold(),
		Heading:   fg("39").Bold(),
		H6:        fg("35"),
		Emph:      fg("252").Italic(true),
		Strong:    fg("252").Bold(),
		Strike:    fg("252").Strikethrough(true),
		Code:      fg("203").BackgroundColor(lipgloss.Color("236")),
		LinkText:  fg("35").Bold(),
		Link:      fg("30").Underline(true),
		Image:     fg("212").Underline(true),
		ImageText: fg("243"),
		Rule:      fg("240"),
		Table:     fg("240"),
		Syntax: Syntax{
			Text:     fg("#C4C4C4"),
			Comment:  fg("#676767"),
			Keyword:  fg("#00AAFF"),
			Builtin:  fg("#FF8EC7"),
			String:   fg("#C69669"),
			Number:   fg("#6EEFC0"),
			Operator: fg("#EF8080"),
			Variable: fg("#7A7AE6"),
			Prompt:   fg("#676767"),
		},
		QuoteBar: "│ ", TaskDone: "[✓] ", ListIndent: 2, CodeIndent: 2,
	}
}

// Light is the theme for a light terminal background (glamour's "light"
// colours).
func Light() Theme {
	return Theme{
		Text:      fg("234"),
		H1:        fg("228").BackgroundColor(lipgloss.Color("63")).Bold(),
		Heading:   fg("27").Bold(),
		H6:        fg("27"),
		Emph:      fg("234").Italic(true),
		Strong:    fg("234").Bold(),
		Strike:    fg("234").Strikethrough(true),
		Code:      fg("203").BackgroundColor(lipgloss.Color("254")),
		LinkText:  fg("29").Bold(),
		Link:      fg("36").Underline(true),
		Image:     fg("205").Underline(true),
		ImageText: fg("243"),
		Rule:      fg("249"),
		Table:     fg("249"),
		Syntax: Syntax{
			Text:     fg("#2A2A2A"),
			Comment:  fg("#8D8D8D"),
			Keyword:  fg("#279EFC"),
			Builtin:  fg("#581290"),
			String:   fg("#7E5B38"),
			Number:   fg("#019F57"),
			Operator: fg("#FF2626"),
			Variable: fg("#0A1BB1"),
			Prompt:   fg("#8D8D8D"),
		},
		QuoteBar: "│ ", TaskDone: "[✓] ", ListIndent: 2, CodeIndent: 2,
	}
}

// paint styles s unless the theme is plain or s is empty.
func (t *Theme) paint(st ansi.Style, s string) string {
	if t.Plain || s == "" {
		return s
	}
	return st.Styled(s)
}

// with is base with more attributes; later ones win (a link's colour over
// the text's).
func with(base, more ansi.Style) ansi.Style {
	out := make(ansi.Style, 0, len(base)+len(more))
	return append(append(out, base...), more...)
}
