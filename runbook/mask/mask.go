// Package mask hides secrets in text and in streams: each secret as
// written and in the forms programs print it in (shell-quoted, JSON-,
// URL- and base64-encoded; see Forms), all of them found together in one
// pass (an Aho–Corasick automaton; for streams, a Wu–Manber skip in front
// of it). It sits under runbook so that the engine (package steps), the
// SQL executor's tables and the reports (runbook/report) all mask with
// the same logic.
package mask

import (
	"errors"
	"io"
	"strings"
)

// Text is what every occurrence of a secret becomes.
const Text = "****"

// Set is a compiled set of secrets. It is immutable and safe for
// concurrent use; compile it once for many strings or a stream.
type Set struct {
	m *matcher // nil when there is nothing to hide
}

// New compiles secrets (empty ones are ignored) with all their forms.
func New(secrets []string) *Set {
	var all formSet
	for _, s := range secrets {
		for _, f := range Forms(s) {
			all.add(f)
		}
	}
	if len(all.list) == 0 {
		return &Set{}
	}
	return &Set{m: newMatcher(all.list)}
}

// Empty reports whether the set hides nothing.
func (s *Set) Empty() bool { return s.m == nil }

// MaxHold is the most bytes a Writer holds back: the longest form less one.
func (s *Set) MaxHold() int {
	if s.m == nil {
		return 0
	}
	return s.m.max - 1
}

// String returns v with every occurrence of every form replaced by Text.
// Overlapping occurrences are merged and masked as one (with secrets
// "pass" and "password", "password" becomes "****", not "****word").
func (s *Set) String(v string) string {
	if s.m == nil {
		return v
	}
	var sc scanner
	sc.scan(s.m, v)
	if len(sc.ivs) == 0 {
		return v
	}
	var b strings.Builder
	prev := 0
	for _, iv := range sc.ivs {
		b.WriteString(v[prev:iv.start])
		b.WriteString(Text)
		prev = iv.end
	}
	b.WriteString(v[prev:])
	return b.String()
}

// PartialSuffix is how many bytes at the end of v begin a form without
// completing it: a line cut there may have cut a secret.
func (s *Set) PartialSuffix(v string) int {
	if s.m == nil {
		return 0
	}
	var sc scanner
	return int(s.m.hold[sc.scan(s.m, v)])
}

// stateAfter is the automaton's state after reading data from the root.
func stateAfter(m *matcher, data []byte) int32 {
	for len(data) > 0 && m.root[data[0]] == 0 {
		data = data[1:] // starts no form: the state stays the root
	}
	s := int32(0)
	for _, c := range data {
		s = m.next(s, c)
	}
	return s
}

// interval is a masked span [start, end) of the scanned text.
type interval struct{ start, end int }

// scanner collects the occurrences in a text, merged into disjoint spans
// in order. It is reused by a Writer so a stream allocates nothing.
type scanner struct{ ivs []interval }

// scan finds every occurrence in data and returns the automaton's state at
// its end.
func (sc *scanner) scan(m *matcher, data string) int32 { return scanText(sc, m, data) }

func (sc *scanner) scanBytes(m *matcher, data []byte) int32 { return scanText(sc, m, data) }

// scanText is scan for a string (String) or a byte slice (a Writer that
// cannot use the skipper): one loop for both.
func scanText[T string | []byte](sc *scanner, m *matcher, data T) int32 {
	sc.ivs = sc.ivs[:0]
	s := int32(0)
	n := len(data)
	for j := 0; j < n; j++ {
		if s == 0 {
			// Outside any partial match: skip what starts no form.
			for j < n && m.root[data[j]] == 0 {
				j++
			}
			if j == n {
				break
			}
			s = m.root[data[j]]
		} else {
			s = m.next(s, data[j])
		}
		if l := m.longest[s]; l != 0 {
			sc.add(j+1-int(l), j+1)
		}
	}
	return s
}

// add records an occurrence, merging it with those it overlaps (an
// occurrence may start before earlier ones: a longer form can end later
// and begin sooner).
func (sc *scanner) add(start, end int) {
	for k := len(sc.ivs); k > 0 && start < sc.ivs[k-1].end; k-- {
		last := sc.ivs[k-1]
		start, end = min(start, last.start), max(end, last.end)
		sc.ivs = sc.ivs[:k-1]
	}
	sc.ivs = append(sc.ivs, interval{start, end})
}

// Writer masks a stream before it reaches the underlying writer. A form
// split across writes is still masked: the Writer holds back only the
// trailing bytes that could still grow into a form (at most MaxHold), and
// emits them on the next Write, Flush or Close. An occurrence that runs
// into the held bytes is masked at once, and what of it is held is known
// to be masked already. A Writer is not safe for concurrent use.
type Writer struct {
	set     *Set
	sk      *skipper // nil: the automaton scans
	w       io.Writer
	pending []byte // held-back tail
	covered int    // leading bytes of pending inside an occurrence already masked
	sc      scanner
	out     []byte // scratch for masked output, reused
	err     error
}

var errClosed = errors.New("mask: write after close")

// Writer returns a Writer that masks s's secrets on their way to w.
func (s *Set) Writer(w io.Writer) *Writer {
	wr := &Writer{set: s, w: w}
	if s.m != nil {
		wr.sk = newSkipper(s.m.forms)
	}
	return wr
}

// Write masks p and writes what can be decided so far. It always reports
// len(p) on success, even when some bytes are held back.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.set.m == nil {
		// Fast path: nothing to hide.
		if _, err := w.w.Write(p); err != nil {
			w.err = err
			return 0, err
		}
		return len(p), nil
	}
	data := p
	if len(w.pending) > 0 {
		w.pending = append(w.pending, p...)
		data = w.pending
	}
	if err := w.process(data, false); err != nil {
		w.err = err
		return 0, err
	}
	return len(p), nil
}

// Flush emits the held-back bytes. Call it only at the end of the stream
// (or when a step finishes): a form split across a Flush is not masked.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.pending) == 0 {
		return nil
	}
	if err := w.process(w.pending, true); err != nil {
		w.err = err
	}
	return w.err
}

// Close flushes the held-back bytes. It does not close the underlying
// writer, which belongs to the caller.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.err == nil {
		w.err = errClosed
	}
	return err
}

// process writes data masked, except for a tail that may still grow into
// a form (unless final), which it keeps in pending.
func (w *Writer) process(data []byte, final bool) error {
	m := w.set.m
	var state int32
	if w.sk != nil {
		w.sk.scan(&w.sc, data)
		// Only the tail can hold the start of a form not complete yet.
		state = stateAfter(m, data[max(0, len(data)-(m.max-1)):])
	} else {
		state = w.sc.scanBytes(m, data)
	}
	ivs := w.sc.ivs
	if w.covered > 0 {
		// The held bytes' start belongs to an occurrence whose mask went
		// out already: merge into it, and write no second mask for it.
		w.sc.ivs = append(w.sc.ivs[:0:0], interval{0, w.covered})
		for _, iv := range ivs {
			w.sc.add(iv.start, iv.end)
		}
		ivs = w.sc.ivs
	}
	cut := len(data)
	if !final {
		cut -= int(m.hold[state])
	}
	covered := 0
	if len(ivs) == 0 {
		if cut > 0 {
			if _, err := w.w.Write(data[:cut]); err != nil {
				return err
			}
		}
	} else {
		out := w.out[:0]
		prev := 0
		for _, iv := range ivs {
			carried := iv.start == 0 && w.covered > 0 // its mask is out already
			if iv.start >= cut {
				if carried {
					covered = iv.end - cut // still all held
				}
				break // held: found again, whole, next time
			}
			out = append(out, data[prev:iv.start]...)
			if !carried {
				out = append(out, Text...)
			}
			if iv.end > cut {
				covered = iv.end - cut
				prev = cut
				break
			}
			prev = iv.end
		}
		if prev < cut {
			out = append(out, data[prev:cut]...)
		}
		w.out = out
		if len(out) > 0 {
			if _, err := w.w.Write(out); err != nil {
				return err
			}
		}
		if cap(w.out) > 1<<20 {
			w.out = nil // don't pin a huge buffer after one big write
		}
	}
	// copy, not slicing: data may alias pending or the caller's buffer.
	w.pending = append(w.pending[:0], data[cut:]...)
	w.covered = covered
	return nil
}
