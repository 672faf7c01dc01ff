package shell

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/runbook-sh/runbook/runbook"
)

// The shell's own listing of its variables (`declare -p`, `typeset -p`,
// `set`) is read back here as data. The reader is strict: it knows the
// quoting the shells print values in (single quotes, double quotes with
// backslashes, $'…' escapes, bare words of harmless characters) and
// nothing else; anything it does not recognise is an error, and the
// variable is not carried (fail closed). Nothing read here is ever
// evaluated: values are decoded to bytes, and restored in single quotes,
// which no shell reads as anything but literal text.

// errWord is a word the reader does not recognise.
var errWord = errors.New("unrecognised quoting")

// bareByte reports whether c may appear unquoted in a word the shells
// print: nothing a shell would expand, split or treat as syntax.
func bareByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("_./:@%+,=~^-!", c) >= 0
}

// readWord decodes the word at s[i:] up to the first unquoted blank,
// newline or (when inArray) ')' / end. It returns the value and the
// offset after it.
func readWord(s string, i int, inArray bool) (string, int, error) {
	var b strings.Builder
	start := i
	for i < len(s) {
		c := s[i]
		switch {
		case (c == ' ' || c == '\t' || c == '\n' || c == ')' && inArray) && i == start:
			return "", i, fmt.Errorf("%w: empty word", errWord)
		case c == ' ' || c == '\t' || c == '\n':
			return b.String(), i, nil
		case c == ')' && inArray:
			return b.String(), i, nil
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return "", i, fmt.Errorf("%w: unterminated '", errWord)
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 2
		case c == '"':
			n, err := readDouble(s, i+1, &b)
			if err != nil {
				return "", i, err
			}
			i = n
		case c == '$' && i+1 < len(s) && s[i+1] == '\'':
			n, err := readANSI(s, i+2, &b)
			if err != nil {
				return "", i, err
			}
			i = n
		case c == '\\' && i+1 < len(s) && s[i+1] != '\n':
			b.WriteByte(s[i+1])
			i += 2
		case bareByte(c):
			b.WriteByte(c)
			i++
		default:
			return "", i, fmt.Errorf("%w: %q", errWord, c)
		}
	}
	if i == start {
		return "", i, fmt.Errorf("%w: empty word", errWord)
	}
	return b.String(), i, nil
}

// readDouble decodes a double-quoted string from after its opening quote.
// Only the escapes a shell prints (\" \\ \$ \`) are read; an unescaped $
// or ` would be an expansion, which no listing prints: an error.
func readDouble(s string, i int, b *strings.Builder) (int, error) {
	for i < len(s) {
		c := s[i]
		switch c {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			if i+1 < len(s) && s[i+1] == '\n' {
				return i, fmt.Errorf("%w: line continuation in \"…\"", errWord)
			}
			b.WriteByte(c)
			i++
		case '$', '`':
			return i, fmt.Errorf("%w: expansion in \"…\"", errWord)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return i, fmt.Errorf("%w: unterminated \"", errWord)
}

// readANSI decodes a $'…' string from after its opening quote: the
// escapes of bash and zsh (\n, \t, octal, \x, \u, \U, \cX, zsh's \C-X and
// \M-X).
func readANSI(s string, i int, b *strings.Builder) (int, error) {
	for i < len(s) {
		c := s[i]
		if c == '\'' {
			return i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		n, err := readEscape(s, i+1, b)
		if err != nil {
			return i, err
		}
		i = n
	}
	return i, fmt.Errorf("%w: unterminated $'", errWord)
}

// readEscape decodes one escape of a $'…' string at s[i:] (after the
// backslash).
func readEscape(s string, i int, b *strings.Builder) (int, error) {
	c := s[i]
	if e := strings.IndexByte("abefnrtv\\'\"?E", c); e >= 0 {
		b.WriteByte("\a\b\x1b\f\n\r\t\v\\'\"?\x1b"[e])
		return i + 1, nil
	}
	switch {
	case c >= '0' && c <= '7':
		j := i
		for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		n, _ := strconv.ParseUint(s[i:j], 8, 16)
		b.WriteByte(byte(n))
		return j, nil
	case c == 'x' || c == 'u' || c == 'U':
		width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		j := i + 1
		for j < len(s) && j < i+1+width && isHex(s[j]) {
			j++
		}
		if j == i+1 {
			return i, fmt.Errorf("%w: \\%c without digits", errWord, c)
		}
		n, _ := strconv.ParseUint(s[i+1:j], 16, 32)
		if c == 'x' {
			b.WriteByte(byte(n))
		} else {
			if !utf8.ValidRune(rune(n)) {
				return i, fmt.Errorf("%w: \\%c%s is not a character", errWord, c, s[i+1:j])
			}
			b.WriteRune(rune(n))
		}
		return j, nil
	case c == 'c' && i+1 < len(s):
		b.WriteByte(control(s[i+1]))
		return i + 2, nil
	case (c == 'C' || c == 'M') && i+2 < len(s) && s[i+1] == '-':
		// zsh: \C-X control, \M-X meta (the high bit), combinable
		// (\M-\C-?).
		var inner strings.Builder
		j := i + 2
		if s[j] == '\\' && j+1 < len(s) {
			n, err := readEscape(s, j+1, &inner)
			if err != nil {
				return i, err
			}
			j = n
		} else {
			inner.WriteByte(s[j])
			j++
		}
		x := inner.String()
		if len(x) != 1 {
			return i, fmt.Errorf("%w: \\%c- of %q", errWord, c, x)
		}
		if c == 'C' {
			b.WriteByte(control(x[0]))
		} else {
			b.WriteByte(x[0] | 0x80)
		}
		return j, nil
	}
	return i, fmt.Errorf("%w: escape \\%c", errWord, c)
}

// control is the control character ^X.
func control(x byte) byte {
	if x == '?' {
		return 0x7f
	}
	return x & 0x1f
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// quote is s in single quotes: the one quoting every shell (bash, zsh,
// POSIX sh) reads as literal text whatever the bytes; a quote in s closes
// the string, is written escaped, and opens it again.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// validName reports whether s is a shell variable name.
func validName(s string) bool { return runbook.ShellName(s) }
