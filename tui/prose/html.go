package prose

import (
	"html"
	"strings"
)

// htmlText is the text a browser would show for an HTML block: tags become
// spaces, comments and the contents of script and style elements go, and
// entities are resolved.
func htmlText(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "<!--"):
			s = after(s, "-->")
		case openTag(s, "script"):
			s = after(s, "</script")
			s = after(s, ">")
		case openTag(s, "style"):
			s = after(s, "</style")
			s = after(s, ">")
		case len(s) > 1 && (isLetter(s[1]) || strings.IndexByte("/!?", s[1]) >= 0):
			s = after(s, ">")
			b.WriteByte(' ')
		default: // a "<" that starts no tag is text
			b.WriteByte('<')
			s = s[1:]
		}
	}
	return html.UnescapeString(b.String())
}

// after is s after the first sep, or "" when there is none (an unclosed
// comment or tag hides the rest, as in a browser).
func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return rest
	}
	return ""
}

func openTag(s, name string) bool {
	if len(s) < len(name)+2 || !strings.EqualFold(s[1:1+len(name)], name) {
		return false
	}
	c := s[1+len(name)]
	return c == '>' || c == ' ' || c == '\t' || c == '\n' || c == '/'
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
