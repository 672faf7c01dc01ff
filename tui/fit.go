package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// minToken is the width a long word (a run name, a path) is never
// shortened below: a few characters each side of the "…" still tell
// runs and files apart.
const minToken = 12

// fitMessage makes a status message fit w cells without losing what it
// says to do, which is usually its end ("…: runbook report --run NAME",
// "press R to continue"): cutting its tail, as before, lost exactly
// that. Long words (run names, paths, S3 URLs) lose their middle first,
// the longest first; a message still too long then loses its own middle,
// keeping more of its end than of its start.
func fitMessage(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	words := strings.Split(s, " ")
	for over := ansi.StringWidth(s) - w; over > 0; over = ansi.StringWidth(strings.Join(words, " ")) - w {
		i := longestWord(words)
		ww := ansi.StringWidth(words[i])
		if ww <= minToken {
			break
		}
		// no shorter than the next widest word: long words share the cut
		words[i] = middleCut(words[i], max(ww-over, minToken, secondWidest(words, i)-1))
	}
	s = strings.Join(words, " ")
	if ansi.StringWidth(s) <= w {
		return s
	}
	return middleCut(s, w)
}

// longestWord is the index of the widest word.
func longestWord(words []string) int {
	best, bw := 0, -1
	for i, wd := range words {
		if x := ansi.StringWidth(wd); x > bw {
			best, bw = i, x
		}
	}
	return best
}

// secondWidest is the width of the widest word other than words[skip].
func secondWidest(words []string, skip int) int {
	w := 0
	for i, wd := range words {
		if i != skip {
			w = max(w, ansi.StringWidth(wd))
		}
	}
	return w
}

// middleCut shortens s to w cells by replacing its middle with "…",
// keeping 2/5 of the room for its start and the rest for its end.
func middleCut(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	head := (w - 1) * 2 / 5
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, sw-tail, "")
}
