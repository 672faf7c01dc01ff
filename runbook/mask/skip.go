package mask

import (
	"cmp"
	"slices"
)

// skipper finds the forms in a long stream faster than the automaton: it
// slides a window as long as the shortest form and, by the two bytes at
// the window's end, moves it on as far as no form can start in between
// (Wu–Manber). In ordinary output most windows move the whole way, so it
// reads a fraction of the bytes, whatever the number of forms. Only where
// a form may start are forms compared.
type skipper struct {
	l int // window length: the shortest form, at most maxWindow
	// by the window's last two bytes: how far the window may move (1 to
	// 255), or 256+i when a form may start here, i indexing buckets.
	table   [1 << 16]uint16
	buckets [][]string // forms by the two bytes ending their first l, longest first
}

const (
	maxWindow = 255
	// minWindow: below this the skipper moves too little to beat the
	// automaton, which scans instead.
	minWindow = 4
)

// newSkipper returns a skipper for forms, or nil when the shortest is
// shorter than minWindow.
func newSkipper(forms []string) *skipper {
	l := maxWindow
	for _, f := range forms {
		l = min(l, len(f))
	}
	if l < minWindow {
		return nil
	}
	sk := &skipper{l: l}
	for i := range sk.table {
		sk.table[i] = uint16(l - 1)
	}
	for _, f := range forms {
		for i := 1; i < l-1; i++ {
			bg := pairHash(f[i-1], f[i])
			if sk.table[bg] < 256 {
				sk.table[bg] = min(sk.table[bg], uint16(l-1-i))
			}
		}
	}
	for _, f := range forms {
		key := pairHash(f[l-2], f[l-1])
		if sk.table[key] < 256 {
			sk.table[key] = 256 + uint16(len(sk.buckets))
			sk.buckets = append(sk.buckets, nil)
		}
		b := &sk.buckets[sk.table[key]-256]
		*b = append(*b, f)
	}
	for _, b := range sk.buckets {
		slices.SortFunc(b, func(x, y string) int { return cmp.Compare(len(y), len(x)) })
	}
	return sk
}

// scan adds to sc every occurrence that lies wholly inside data.
func (sk *skipper) scan(sc *scanner, data []byte) {
	sc.ivs = sc.ivs[:0]
	n, l := len(data), sk.l
	t := &sk.table
	full := uint16(l - 1) // the longest move: no form starts in the window
	for j := l - 1; j < n; {
		// Most windows move the whole way: look four moves ahead at once,
		// so the lookups do not wait on each other.
		if f := int(full); j+3*f < n {
			a, b := t[pairHash(data[j-1], data[j])], t[pairHash(data[j+f-1], data[j+f])]
			c, d := t[pairHash(data[j+2*f-1], data[j+2*f])], t[pairHash(data[j+3*f-1], data[j+3*f])]
			if a == full && b == full && c == full && d == full {
				j += 4 * f
				continue
			}
		}
		v := t[pairHash(data[j-1], data[j])]
		if v < 256 {
			j += int(v)
			continue
		}
		// A form may start at s: take the longest that does.
		s := j - l + 1
		for _, f := range sk.buckets[v-256] {
			if s+len(f) <= n && string(data[s:s+len(f)]) == f {
				sc.add(s, s+len(f))
				break
			}
		}
		j++
	}
}

func pairHash(a, b byte) uint16 { return uint16(a)<<8 | uint16(b) }
