package steps

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
)

// Mask is what every occurrence of a secret becomes.
const Mask = "****"

// minSecretLine is the shortest line of a multi-line secret that is masked
// on its own: shorter lines ("{", "}", "--") are too common to hide without
// mangling unrelated output, and too short to leak anything useful.
const minSecretLine = 4

// Masker replaces secrets in a stream before it reaches the underlying
// writer. A secret split across writes is still masked: the masker holds
// back only the trailing bytes that could be the start of a secret, and
// emits them on the next Write, Flush or Close.
//
// Overlapping occurrences are merged and masked as one (so with secrets
// "pass" and "password", "password" becomes "****", not "****word").
// A Masker is not safe for concurrent use.
type Masker struct {
	w       io.Writer
	secrets [][]byte // deduplicated, longest first
	pending []byte   // held-back tail, a possible secret prefix
	out     []byte   // scratch buffer for masked output, reused
	ivs     []interval
	err     error
}

type interval struct{ start, end int }

var errMaskerClosed = errors.New("masker: write after close")

// NewMasker returns a Masker writing to w. Empty secrets are ignored. A
// secret with newlines is also masked in its "\r\n" form (what a
// pseudo-terminal prints) and line by line, because programs often print a
// multi-line secret (a PEM key) reformatted or in part.
func NewMasker(w io.Writer, secrets []string) *Masker {
	return &Masker{w: w, secrets: secretVariants(secrets)}
}

func secretVariants(secrets []string) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	add := func(s string) {
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		out = append(out, []byte(s))
	}
	for _, s := range secrets {
		add(s)
		if !strings.Contains(s, "\n") {
			continue
		}
		norm := strings.ReplaceAll(s, "\r\n", "\n")
		add(norm)
		add(strings.ReplaceAll(norm, "\n", "\r\n"))
		for line := range strings.SplitSeq(norm, "\n") {
			if line = strings.TrimSpace(line); len(line) >= minSecretLine {
				add(line)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b []byte) int { return len(b) - len(a) })
	return out
}

// Write masks p and writes what can be decided so far. It always reports
// len(p) on success, even when some bytes are held back.
func (m *Masker) Write(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if len(m.secrets) == 0 {
		// Fast path: nothing to hide.
		if _, err := m.w.Write(p); err != nil {
			m.err = err
			return 0, err
		}
		return len(p), nil
	}
	data := p
	if len(m.pending) > 0 {
		m.pending = append(m.pending, p...)
		data = m.pending
	}
	if err := m.process(data, false); err != nil {
		m.err = err
		return 0, err
	}
	return len(p), nil
}

// Flush emits the held-back bytes. Call it only at the end of the stream
// (or when a step finishes): a secret split across a Flush is not masked.
func (m *Masker) Flush() error {
	if m.err != nil {
		return m.err
	}
	if len(m.pending) == 0 {
		return nil
	}
	err := m.process(m.pending, true)
	if err != nil {
		m.err = err
	}
	return err
}

// Close flushes the held-back bytes. It does not close the underlying
// writer, which belongs to the caller.
func (m *Masker) Close() error {
	err := m.Flush()
	if m.err == nil {
		m.err = errMaskerClosed
	}
	return err
}

// process writes data masked, except for a tail that may start a secret
// (unless final), which it keeps in m.pending.
func (m *Masker) process(data []byte, final bool) error {
	m.ivs = m.ivs[:0]
	for _, s := range m.secrets {
		for i := 0; i+len(s) <= len(data); {
			j := bytes.Index(data[i:], s)
			if j < 0 {
				break
			}
			m.ivs = append(m.ivs, interval{i + j, i + j + len(s)})
			i += j + 1
		}
	}
	if len(m.ivs) > 1 {
		slices.SortFunc(m.ivs, func(a, b interval) int { return a.start - b.start })
	}
	// Merge overlapping occurrences: the union is masked as one.
	merged := m.ivs[:0]
	for _, iv := range m.ivs {
		if n := len(merged); n > 0 && iv.start < merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, iv.end)
			continue
		}
		merged = append(merged, iv)
	}
	cut := len(data)
	if !final {
		cut = m.holdFrom(data)
		// A masked occurrence may be the start of a longer secret ("pass"
		// of "password"): hold it back whole rather than decide too early.
		kept := merged[:0]
		for _, iv := range merged {
			if iv.end <= cut {
				kept = append(kept, iv)
			} else {
				cut = min(cut, iv.start)
				break
			}
		}
		merged = kept
	}
	var err error
	if len(merged) == 0 {
		if cut > 0 {
			_, err = m.w.Write(data[:cut])
		}
	} else {
		out := m.out[:0]
		prev := 0
		for _, iv := range merged {
			out = append(out, data[prev:iv.start]...)
			out = append(out, Mask...)
			prev = iv.end
		}
		out = append(out, data[prev:cut]...)
		m.out = out
		_, err = m.w.Write(out)
		if cap(m.out) > 1<<20 {
			m.out = nil // don't pin a huge buffer after one big write
		}
	}
	// copy, not slicing: data may alias m.pending or the caller's buffer.
	m.pending = append(m.pending[:0], data[cut:]...)
	return err
}

// holdFrom returns the smallest offset at which the rest of data is a
// proper prefix of some secret, or len(data).
func (m *Masker) holdFrom(data []byte) int {
	cut := len(data)
	for _, s := range m.secrets {
		i := max(0, len(data)-len(s)+1)
		for i < cut {
			j := bytes.IndexByte(data[i:cut], s[0])
			if j < 0 {
				break
			}
			i += j
			if bytes.HasPrefix(s, data[i:]) {
				cut = i
				break
			}
			i++
		}
	}
	return cut
}

// MaskString returns s with every secret replaced by Mask.
func MaskString(s string, secrets []string) string {
	var b strings.Builder
	m := NewMasker(&b, secrets)
	_, _ = m.Write([]byte(s))
	_ = m.Close()
	return b.String()
}
