package mask

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// hostile has quotes, a backslash, a space, $, a backquote, non-ASCII,
// HTML characters, a slash and a control character.
const hostile = "S3cr\"et 'pa\\ss' $x `y` ¿é€ <&> a/b\tz"

func TestFormsOfAShortSecretAreItsLiteralOnly(t *testing.T) {
	if got := Forms(`a"b'c`); !slices.Equal(got, []string{`a"b'c`}) {
		t.Errorf("Forms of a %d-byte secret = %q; below MinFormLen only the literal", len(`a"b'c`), got)
	}
	// So "a\"b'c" in JSON output is not masked, and nothing else is either.
	if got := New([]string{`a"b'c`}).String(`{"k":"a\"b'c"} a"b'c`); got != `{"k":"a\"b'c"} ****` {
		t.Errorf("got %q", got)
	}
}

// TestFormsCoverGoEncoders: what Go's own encoders print is masked whole.
func TestFormsCoverGoEncoders(t *testing.T) {
	set := New([]string{hostile})
	j, _ := json.Marshal(hostile)
	jj, _ := json.Marshal(`{"password":` + string(j) + `}`)
	for name, enc := range map[string]string{
		"json.Marshal":    strings.Trim(string(j), `"`),
		"json in json":    strings.Trim(string(jj), `"`)[len(`{\"password\":\"`) : len(jj)-2-len(`\"}`)],
		"url.QueryEscape": url.QueryEscape(hostile),
		"url.PathEscape":  url.PathEscape(hostile),
		"base64 std":      base64.StdEncoding.EncodeToString([]byte(hostile)),
		"base64 url":      base64.URLEncoding.EncodeToString([]byte(hostile)),
		"base64 std raw":  base64.RawStdEncoding.EncodeToString([]byte(hostile)),
		"base64 url raw":  base64.RawURLEncoding.EncodeToString([]byte(hostile)),
	} {
		if got := set.String("<" + enc + ">"); strings.Trim(got, "<>*") != "" || !strings.Contains(got, Text) {
			t.Errorf("%s: %q masks to %q", name, enc, got)
		}
	}
}

// TestBase64AnyAlignment: inside a longer base64 text, the secret's
// characters are masked whichever byte offset it starts at; at most the
// characters it shares with its neighbours stay.
func TestBase64AnyAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	set := New([]string{hostile})
	for pre := range 7 {
		for suf := range 7 {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
				p, s := make([]byte, pre), make([]byte, suf)
				for i := range p {
					p[i] = byte(rng.IntN(256))
				}
				for i := range s {
					s[i] = byte(rng.IntN(256))
				}
				text := enc.EncodeToString(slices.Concat(p, []byte(hostile), s))
				got := set.String(text)
				// Unmasked: the characters carrying the neighbours' bits,
				// one more each side shared with the secret, and padding.
				left, right, ok := strings.Cut(got, Text)
				if !ok || strings.Contains(right, Text) {
					t.Fatalf("pre %d suf %d: %q masks to %q", pre, suf, text, got)
				}
				if len(left) > (8*pre+5)/6 || len(right) > (8*suf+5)/6+1+2 {
					t.Errorf("pre %d suf %d: %q masks to %q: too much left", pre, suf, text, got)
				}
			}
		}
	}
}

// TestFormsCoverRealTools runs the programs runbooks use and checks that
// what each prints of the secret is masked whole.
func TestFormsCoverRealTools(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	secret := hostile + "\nline2"
	cmds := map[string]string{
		"set -x":             `set -x; : "$S" 2>&1`,
		"printf %q":          `printf '%q' "$S"`,
		"printf %q C locale": `LC_ALL=C printf '%q' "$S"`,
		"declare -p":         `declare -p S`,
		"${S@Q}":             `printf '%s' "${S@Q}"`,
		"base64 -w0":         `printf '%s' "$S" | base64 -w0`,
	}
	for _, tool := range []struct{ name, bin, cmd string }{
		{"jq --arg", "jq", `jq -cn --arg v "$S" '$v'`},
		{"jq -a", "jq", `jq -acn --arg v "$S" '$v'`},
		{"jq @uri", "jq", `jq -rn --arg v "$S" '$v|@uri'`},
		{"jq @base64", "jq", `jq -rn --arg v "$S" '$v|@base64'`},
		{"json.dumps", "python3", `python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$S"`},
		{"json.dumps ensure_ascii=False", "python3", `python3 -c 'import json,sys; print(json.dumps(sys.argv[1], ensure_ascii=False))' "$S"`},
		{"json.dumps twice", "python3", `python3 -c 'import json,sys; print(json.dumps(json.dumps({"pw": sys.argv[1]})))' "$S"`},
		{"urllib quote", "python3", `python3 -c 'import sys,urllib.parse as u; print(u.quote(sys.argv[1]))' "$S"`},
		{"urllib quote_plus", "python3", `python3 -c 'import sys,urllib.parse as u; print(u.quote_plus(sys.argv[1]))' "$S"`},
		{"python repr", "python3", `python3 -c 'import sys; print(repr(sys.argv[1]))' "$S"`},
	} {
		if _, err := exec.LookPath(tool.bin); err == nil {
			cmds[tool.name] = tool.cmd
		} else {
			t.Logf("%s: no %s", tool.name, tool.bin)
		}
	}
	set := New([]string{secret})
	for name, c := range cmds {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkTool(t, set, bash, c, secret)
		})
	}
}

func checkTool(t *testing.T, set *Set, bash, c, secret string) {
	{
		cmd := exec.Command(bash, "-c", c)
		cmd.Env = append(cmd.Environ(), "S="+secret, "LC_ALL=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		got := set.String(string(out))
		if leak := longestPiece(got, secret); leak != "" {
			t.Errorf("%q masks to %q, leaving %q", out, got, leak)
		}
	}
}

// longestPiece returns a run of 6 or more characters of the secret (or of
// its second line) left in masked output, or "".
func longestPiece(masked, secret string) string {
	for _, part := range []string{"S3cr", "pa\\ss", "pa\\\\ss", "line2", "UzNjc", "M2Ny", "TM2Nyc"} {
		if strings.Contains(masked, part) {
			return part
		}
	}
	_ = secret
	return ""
}

func TestFormsAreDistinctAndNonEmpty(t *testing.T) {
	f := Forms(hostile)
	seen := map[string]bool{}
	for _, s := range f {
		if s == "" || seen[s] {
			t.Fatalf("empty or repeated form %q in %q", s, f)
		}
		seen[s] = true
	}
	if len(f) < 20 {
		t.Errorf("only %d forms of a secret with every special character: %q", len(f), f)
	}
	var b bytes.Buffer
	for _, s := range f {
		b.WriteString(s + "\n")
	}
	t.Logf("%d forms:\n%s", len(f), b.String())
}
