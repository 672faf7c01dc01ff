package mask

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"none", "hello world", nil, "hello world"},
		{"empty secret ignored", "hello", []string{""}, "hello"},
		{"simple", "pw=hunter2;", []string{"hunter2"}, "pw=****;"},
		{"twice", "hunter2 hunter2", []string{"hunter2"}, "**** ****"},
		{"at end", "x hunter2", []string{"hunter2"}, "x ****"},
		{"at start", "hunter2 x", []string{"hunter2"}, "**** x"},
		{"longest wins", "password", []string{"pass", "password"}, "****"},
		{"longest wins reversed", "password pass", []string{"password", "pass"}, "**** ****"},
		{"overlap merged", "abcde", []string{"abc", "cde"}, "****"},
		{"one byte", "a-b-a", []string{"a"}, "****-b-****"},
		{"repeated prefix", "aaab", []string{"aab"}, "a****"},
		{"multi-line crlf", "key:\r\nline-one\r\nline-two\r\n", []string{"line-one\nline-two"}, "key:\r\n****\r\n"},
		{"multi-line each line", "got line-two only", []string{"line-one\nline-two"}, "got **** only"},
		{"short lines not masked alone", "{ x }", []string{"{\nsecret-body\n}"}, "{ x }"},
		{"unicode", "mot de passe: pässwörd.", []string{"pässwörd"}, "mot de passe: ****."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.secrets).String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// writeChunks writes in through a masker cut at the given offsets.
func writeChunks(t *testing.T, in string, secrets []string, cuts ...int) string {
	t.Helper()
	var b bytes.Buffer
	m := New(secrets).Writer(&b)
	prev := 0
	for _, c := range append(cuts, len(in)) {
		if n, err := m.Write([]byte(in[prev:c])); err != nil || n != c-prev {
			t.Fatalf("Write = %d, %v", n, err)
		}
		prev = c
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMaskerSplitAcrossWrites(t *testing.T) {
	in := "token=s3cr3t-value end"
	secrets := []string{"s3cr3t-value"}
	want := "token=**** end"
	// Every possible single cut, then every pair of cuts.
	for i := 0; i <= len(in); i++ {
		if got := writeChunks(t, in, secrets, i); got != want {
			t.Fatalf("cut at %d: got %q, want %q", i, got, want)
		}
		for j := i; j <= len(in); j++ {
			if got := writeChunks(t, in, secrets, i, j); got != want {
				t.Fatalf("cuts at %d,%d: got %q, want %q", i, j, got, want)
			}
		}
	}
}

func TestMaskerOneByteWrites(t *testing.T) {
	in := "a hunter2 b hunterhunter2 c password pass hunter"
	secrets := []string{"hunter2", "pass", "password"}
	var cuts []int
	for i := 1; i < len(in); i++ {
		cuts = append(cuts, i)
	}
	want := "a **** b hunter**** c **** **** hunter"
	if got := writeChunks(t, in, secrets, cuts...); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := New(secrets).String(in); got != want {
		t.Fatalf("String: got %q, want %q", got, want)
	}
}

func TestMaskerSecretAtEndOfStream(t *testing.T) {
	var b bytes.Buffer
	m := New([]string{"topsecret"}).Writer(&b)
	_, _ = m.Write([]byte("x top"))
	if got := b.String(); got != "x " {
		t.Fatalf("before completion, wrote %q; want only %q (the rest held back)", got, "x ")
	}
	_, _ = m.Write([]byte("secret"))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "x ****" {
		t.Fatalf("got %q", got)
	}
	if _, err := m.Write([]byte("more")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

func TestMaskerFlushEmitsPartialPrefix(t *testing.T) {
	var b bytes.Buffer
	m := New([]string{"topsecret"}).Writer(&b)
	_, _ = m.Write([]byte("x tops"))
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "x tops" {
		t.Fatalf("got %q", got)
	}
}

func TestMaskerNoSecretsPassThrough(t *testing.T) {
	var b bytes.Buffer
	m := New([]string{"", ""}).Writer(&b)
	_, _ = m.Write([]byte("abc"))
	if b.String() != "abc" {
		t.Fatalf("no-secret masker held bytes back: %q", b.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestMaskerWriteError(t *testing.T) {
	m := New([]string{"x"}).Writer(failWriter{})
	if _, err := m.Write([]byte("abc")); err == nil {
		t.Fatal("want the underlying error")
	}
}

// Whatever the chunking, the stream gives the same bytes as String, and
// no secret survives.
func TestMaskerRandomChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "abc\r\n"
	secrets := []string{"abca", "bcab", "cc", "a\nb"}
	for range 2000 {
		var in strings.Builder
		for range rng.IntN(40) {
			in.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		s := in.String()
		want := New(secrets).String(s)
		var cuts []int
		for i := 1; i < len(s); i++ {
			if rng.IntN(3) == 0 {
				cuts = append(cuts, i)
			}
		}
		if got := writeChunks(t, s, secrets, cuts...); got != want {
			t.Fatalf("input %q cuts %v: got %q, String %q", s, cuts, got, want)
		}
		for _, sec := range []string{"abca", "bcab", "cc"} {
			if strings.Contains(want, sec) {
				t.Fatalf("input %q: %q survives in %q", s, sec, want)
			}
		}
	}
}

func TestMaskerPrefixOfLongerSecretAcrossWrites(t *testing.T) {
	if got := writeChunks(t, "xxabcdef!", []string{"abc", "bcdef"}, 5); got != "xx****!" {
		t.Fatalf("got %q", got)
	}
}

// FuzzMasker: however the stream is cut, the masker writes what String
// returns, and no secret is left in it.
func FuzzMasker(f *testing.F) {
	f.Add("token=abc123 and abc123", "abc123", uint16(8), uint16(15))
	f.Add("aaaaab", "aab", uint16(1), uint16(2))
	f.Add("key\r\nline-one\r\nline-two\r\n", "line-one\nline-two", uint16(9), uint16(20))
	f.Fuzz(func(t *testing.T, data, secret string, c1, c2 uint16) {
		secrets := []string{secret, "fixed-secret"}
		var cuts []int
		for _, c := range []int{int(c1), int(c2)} {
			if len(data) > 0 {
				cuts = append(cuts, c%len(data))
			}
		}
		if len(cuts) == 2 && cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		want := New(secrets).String(data)
		if got := writeChunks(t, data, secrets, cuts...); got != want {
			t.Fatalf("cuts %v: stream %q, String %q", cuts, got, want)
		}
		// The mask itself is made of '*': a secret with one could be
		// formed by it and its neighbours.
		for _, s := range secrets {
			if s != "" && !strings.Contains(s, "*") && strings.Contains(want, s) {
				t.Fatalf("secret %q left in %q", s, want)
			}
		}
	})
}

// FuzzSkipperMatchesAutomaton: the stream's fast scan finds exactly the
// spans the automaton finds.
func FuzzSkipperMatchesAutomaton(f *testing.F) {
	f.Add("xx abcdef abcabcdef ab", "abcd", "bcdefg", "cab")
	f.Add("aaaaaaaaaa", "aaaa", "aaaaa", "zzzz")
	f.Fuzz(func(t *testing.T, data, a, b, c string) {
		var forms formSet
		for _, s := range []string{a, b, c} {
			forms.add(s)
		}
		if len(forms.list) == 0 {
			return
		}
		m := newMatcher(forms.list)
		sk := newSkipper(forms.list)
		if sk == nil {
			return
		}
		var want, got scanner
		want.scan(m, data)
		sk.scan(&got, []byte(data))
		if !slices.Equal(want.ivs, got.ivs) {
			t.Fatalf("forms %q in %q: automaton %v, skipper %v", forms.list, data, want.ivs, got.ivs)
		}
	})
}

// TestWriterHoldsBackLittle: however long an occurrence runs on (a run of
// one repeated character, a secret of it), the Writer holds back at most
// MaxHold bytes and writes the rest masked.
func TestWriterHoldsBackLittle(t *testing.T) {
	set := New([]string{"aaaaaaaa", "aaaaaaab"})
	var b bytes.Buffer
	w := set.Writer(&b)
	for range 10000 {
		if _, err := w.Write([]byte("aaaaaaaaaaaaaaaa")); err != nil {
			t.Fatal(err)
		}
		if len(w.pending) > set.MaxHold() {
			t.Fatalf("holding %d bytes, MaxHold %d", len(w.pending), set.MaxHold())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b.String() != Text {
		t.Errorf("a run of secrets: got %d bytes %.40q…, want one mask", b.Len(), b.String())
	}
}

// TestWriterRandomChunkingForms: as TestMaskerRandomChunking, with secrets
// long enough to have escaped forms and be scanned by the skipper, in a
// text made of their characters.
func TestWriterRandomChunkingForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := "ab\"\\\n'"
	secrets := []string{`ab"ba\b`, "a'b\nab'a"}
	set := New(secrets)
	if set.Writer(io.Discard).sk == nil {
		t.Fatal("the skipper is not used")
	}
	for range 1500 {
		var in strings.Builder
		for range rng.IntN(80) {
			if rng.IntN(8) == 0 {
				in.WriteString(Forms(secrets[rng.IntN(2)])[rng.IntN(5)])
			}
			in.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		s := in.String()
		want := set.String(s)
		var cuts []int
		for i := 1; i < len(s); i++ {
			if rng.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
		if got := writeChunks(t, s, secrets, cuts...); got != want {
			t.Fatalf("input %q cuts %v: got %q, String %q", s, cuts, got, want)
		}
		for _, sec := range secrets {
			if strings.Contains(want, sec) {
				t.Fatalf("input %q: %q survives in %q", s, sec, want)
			}
		}
	}
}
