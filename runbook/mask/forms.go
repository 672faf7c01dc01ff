package mask

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MinFormLen is the shortest secret whose escaped and encoded forms are
// masked too. A shorter secret is masked only as written: its forms (a
// 4-character base64 run, "a\"b") are too short not to turn up in
// unrelated output, and masking them would hide more than it protects.
const MinFormLen = 6

// minSecretLine is the shortest line of a multi-line secret that is masked
// on its own: shorter lines ("{", "}", "--") are too common to hide without
// mangling unrelated output, and too short to leak anything useful.
const minSecretLine = 4

// Forms returns the byte strings under which a program may print secret:
// the secret as is, and (from MinFormLen bytes on) the forms shells,
// JSON encoders, URL encoders and base64 write it in. A multi-line secret
// is also masked with "\r\n" line ends (a pseudo-terminal's) and line by
// line. Forms are deduplicated; none is empty.
func Forms(secret string) []string {
	var f formSet
	f.add(secret)
	if strings.Contains(secret, "\n") {
		norm := strings.ReplaceAll(secret, "\r\n", "\n")
		f.add(norm)
		for line := range strings.SplitSeq(norm, "\n") {
			if line = strings.TrimSpace(line); len(line) >= minSecretLine {
				f.add(line)
			}
		}
	}
	if len(secret) >= MinFormLen {
		shellForms(&f, secret)
		jsonForms(&f, secret)
		urlForms(&f, secret)
		base64Forms(&f, secret)
	}
	// Through a pseudo-terminal every "\n" arrives as "\r\n".
	for _, s := range f.list {
		if strings.Contains(s, "\n") {
			f.add(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
		}
	}
	return f.list
}

type formSet struct{ list []string }

func (f *formSet) add(s string) {
	if s != "" && !slices.Contains(f.list, s) {
		f.list = append(f.list, s)
	}
}

// shellForms: how bash prints a word it quotes — inside '…' with ' as
// '\” (set -x, ${x@Q}), inside "…" with \ " $ ` escaped (declare -p),
// with backslashes before special characters (printf %q), and inside $'…'
// (printf %q and declare -p of a value with control characters; octal for
// bytes the locale cannot print, so once for UTF-8 and once for C).
func shellForms(f *formSet, s string) {
	f.add(strings.ReplaceAll(s, "'", `'\''`))
	f.add(backslashed(s, "\\\"$`", false))
	f.add(backslashed(s, " \t\n!\"$&'()*,;<>?[\\]^`{|}", true))
	f.add(ansiC(s, true))
	f.add(ansiC(s, false))
}

// backslashed is s with a backslash before each byte in special (and,
// with word, before a leading # or ~, as printf %q writes them).
func backslashed(s, special string, word bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(special, c) >= 0 || word && i == 0 && (c == '#' || c == '~') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ansiC is s as bash writes it inside $'…': \' \\ \a \b \E \f \n \r \t \v,
// other unprintable bytes in octal; with utf8, printable UTF-8 characters
// stay as they are.
func ansiC(s string, utf8Locale bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if utf8Locale && n > 1 && r != utf8.RuneError {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		c := s[i]
		i++
		switch c {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case 0x1b:
			b.WriteString(`\E`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// jsonOpts are the choices JSON encoders differ in.
type jsonOpts struct {
	html  bool // < > & as \u003c \u003e \u0026, U+2028/9 escaped (Go)
	ascii bool // non-ASCII as \uXXXX (python's default, jq -a)
	upper bool // upper-case hex digits
	slash bool // / as \/
	del   bool // DEL as \u007f (python, jq)
}

// jsonForms: a JSON string's content as Go, jq, python and the AWS CLI
// write it, and the same escaped twice (a secret inside a JSON document
// that is itself a JSON string, as `aws secretsmanager get-secret-value`
// prints a SecretString).
func jsonForms(f *formSet, s string) {
	for _, o := range []jsonOpts{
		{},                       // jq, python ensure_ascii=False, the AWS CLI
		{html: true},             // Go
		{del: true},              // jq
		{ascii: true, del: true}, // python, jq -a
		{ascii: true, del: true, upper: true},
		{slash: true}, // PHP, Java
	} {
		once := jsonEscape(s, o)
		f.add(once)
		f.add(jsonEscape(once, o))
	}
}

func jsonEscape(s string, o jsonOpts) string {
	hex := "0123456789abcdef"
	if o.upper {
		hex = "0123456789ABCDEF"
	}
	u := func(b *strings.Builder, r rune) {
		b.WriteString(`\u`)
		for sh := 12; sh >= 0; sh -= 4 {
			b.WriteByte(hex[r>>sh&0xf])
		}
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20, r == 0x7f && o.del, o.html && (r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029):
			u(&b, r)
		case r == '/' && o.slash:
			b.WriteString(`\/`)
		case r > 0x7f && o.ascii:
			if r > 0xffff {
				r -= 0x10000
				u(&b, 0xd800+(r>>10))
				u(&b, 0xdc00+(r&0x3ff))
			} else {
				u(&b, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// urlForms: percent-encoding as Go's url.QueryEscape and PathEscape,
// python's quote and quote_plus, jq's @uri and JavaScript's
// encodeURIComponent write it, with a space as %20 or +.
func urlForms(f *formSet, s string) {
	const unreserved = "-._~"
	f.add(percent(s, unreserved, "%20", false))
	f.add(percent(s, unreserved, "+", false))
	f.add(percent(s, unreserved, "%20", true))
	f.add(percent(s, unreserved+"/", "%20", false))      // python quote
	f.add(percent(s, unreserved+"!*'()", "%20", false))  // jq @uri, encodeURIComponent
	f.add(percent(s, unreserved+"$&+:=@", "%20", false)) // Go PathEscape
}

func percent(s, keep, space string, lower bool) string {
	hex := "0123456789ABCDEF"
	if lower {
		hex = "0123456789abcdef"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteString(space)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// base64Forms: the secret encoded on its own (padded and not), and the
// run of characters it always turns into inside a longer base64 text,
// whichever of the three byte alignments it starts at (a password inside
// a base64-encoded config file or kubeconfig). Standard and URL-safe
// alphabets.
func base64Forms(f *formSet, s string) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		f.add(enc.EncodeToString([]byte(s)))
		f.add(enc.WithPadding(base64.NoPadding).EncodeToString([]byte(s)))
		for align := range 3 {
			// Character i of the encoding carries bits [6i, 6i+6); those
			// wholly inside the secret's bits do not depend on what is
			// around it.
			e := enc.WithPadding(base64.NoPadding).EncodeToString(append(make([]byte, align), s...))
			from, to := (8*align+5)/6, (8*align+8*len(s))/6
			f.add(e[from:to])
		}
	}
}
