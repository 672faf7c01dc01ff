package termtext

import (
	"encoding/binary"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds on what the Filter holds back: a sequence is buffered only until
// the Filter knows whether to keep it, and never past these sizes.
const (
	maxCSI  = 256      // parameters of one CSI (long SGR colour lists fit)
	maxLink = 4096     // one OSC 8 hyperlink, URI included
	maxDrop = 64 << 10 // bytes of one dropped string sequence before giving up on its end
)

type filterState uint8

const (
	stGround   filterState = iota
	stUTF8                 // inside a multi-byte character
	stEsc                  // after ESC
	stEscInter             // ESC and intermediate bytes (charset designation)
	stCSI                  // ESC [ …
	stOSCHead              // ESC ] before the command number is known
	stLink                 // ESC ] 8 ; … (a hyperlink, kept)
	stLinkEsc              // ESC inside a hyperlink: ST or not
	stDrop                 // inside a string sequence being dropped
	stDropEsc              // ESC inside a dropped string: ST or a new sequence
)

// Filter passes a step's output to a terminal without the sequences that
// act outside the screen or make the terminal answer on its input:
//
//   - kept: text, tab, newline, carriage return, backspace, bell; SGR
//     colours and the CSI sequences that move the cursor, erase, scroll,
//     save and restore; OSC 8 hyperlinks; two-byte ESC sequences (save
//     cursor, index) and charset designations.
//   - dropped: every other OSC (clipboard 52, titles 0/1/2, notifications),
//     DCS, APC, PM and SOS strings; CSI requests the terminal answers
//     (device status, device attributes, window reports) and mode changes
//     other than cursor visibility, autowrap, insert and the alternate
//     screen; RIS (full reset); ENQ, SO, SI and the other C0 controls; C1
//     controls in either encoding (bytes that are not UTF-8 become U+FFFD).
//
// A sequence split between two writes is completed by the next one. An
// unterminated sequence is bounded: a CSI past 256 bytes, a hyperlink
// past 4 KiB or a dropped string past 64 KiB (or, for an OSC, at a
// newline, which no OSC contains) is abandoned, and since its introducer
// was never written the bytes that follow reach the terminal as text.
type Filter struct {
	w       io.Writer
	state   filterState
	seq     []byte // the sequence or character held back
	need    int    // continuation bytes still wanted in stUTF8
	dropOSC bool   // the string dropped is an OSC (ends at BEL or newline too)
	dropped int    // bytes of the dropped string so far
	out     []byte
}

// Clean filters a whole string at once (see Filter), e.g. a rendered
// screen. A string with no escape or control byte is returned as is.
func Clean(s string) string {
	if !needsFilter(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	f := NewFilter(&b)
	f.Write([]byte(s))
	return b.String()
}

func needsFilter(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// NewFilter filters what is written to w.
func NewFilter(w io.Writer) *Filter { return &Filter{w: w} }

// Reset forgets a sequence cut short, e.g. when a step ends: its
// introducer was never written, so nothing is left open on the terminal.
func (f *Filter) Reset() {
	f.state, f.seq, f.need, f.dropped = stGround, f.seq[:0], 0, 0
}

// Write filters p and writes what is kept in one write. It reports len(p)
// on success.
func (f *Filter) Write(p []byte) (int, error) {
	f.out = f.out[:0]
	i := 0
	if f.state == stGround {
		// Most output is plain text through and through: write it as it
		// is, without copying it.
		if i = textRun(p); i == len(p) {
			if _, err := f.w.Write(p); err != nil {
				return 0, err
			}
			return len(p), nil
		}
		f.out = append(f.out, p[:i]...)
	}
	for i < len(p) {
		if f.state == stGround {
			// the common case: a run of text, copied as it is
			if n := textRun(p[i:]); n > 0 {
				f.out = append(f.out, p[i:i+n]...)
				i += n
				continue
			}
			// and a whole CSI (colours, mostly) in one piece
			if n, keep := wholeCSI(p[i:]); n > 0 {
				if keep {
					f.out = append(f.out, p[i:i+n]...)
				}
				i += n
				continue
			}
		}
		f.byte(p[i])
		i++
	}
	if len(f.out) > 0 {
		if _, err := f.w.Write(f.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// textRun is the length of the printable text at the start of p: ASCII
// without controls and whole UTF-8 characters that are not C1 controls.
func textRun(p []byte) int {
	i := 0
	for i < len(p) {
		// Eight bytes at a time while they are all printable ASCII
		// (0x20–0x7e): a step's output is mostly that, hundreds of
		// megabytes of it in a flood.
		for i+8 <= len(p) {
			x := binary.LittleEndian.Uint64(p[i:])
			const lo, hi = 0x0101010101010101, 0x8080808080808080
			if (x-lo*0x20)&^x&hi|(x+lo)&hi|x&hi != 0 {
				break // a byte < 0x20 or >= 0x7f: look at them one by one
			}
			i += 8
		}
		if i == len(p) {
			break
		}
		c := p[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t' {
			i++
			continue
		}
		if c < utf8.RuneSelf || !utf8.FullRune(p[i:]) {
			return i
		}
		r, n := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError || r < 0xa0 {
			return i
		}
		i += n
	}
	return i
}

// wholeCSI is the length of a complete CSI at the start of p (0 if there
// is none, or it is cut off by the end of p) and whether it is kept.
func wholeCSI(p []byte) (n int, keep bool) {
	if len(p) < 3 || p[0] != 0x1b || p[1] != '[' {
		return 0, false
	}
	for j := 2; j < len(p) && j < maxCSI; j++ {
		switch c := p[j]; {
		case c >= 0x20 && c <= 0x3f:
		case c >= 0x40 && c <= 0x7e:
			return j + 1, keepCSI(p[2:j], c)
		default:
			return 0, false
		}
	}
	return 0, false
}

func (f *Filter) emit(b ...byte) { f.out = append(f.out, b...) }

func (f *Filter) toGround() { f.state, f.seq = stGround, f.seq[:0] }

func (f *Filter) startDrop(osc bool) {
	f.state, f.seq, f.dropOSC, f.dropped = stDrop, f.seq[:0], osc, 0
}

// byte advances the state machine by one byte. A byte that ends a
// sequence badly is handled again from the ground state, as a terminal
// would.
func (f *Filter) byte(c byte) {
	switch f.state {
	case stGround:
		f.ground(c)
	case stUTF8:
		f.utf8(c)
	case stEsc:
		f.esc(c)
	case stEscInter:
		switch {
		case c >= 0x20 && c <= 0x2f && len(f.seq) < 8:
			f.seq = append(f.seq, c)
		case c >= 0x30 && c <= 0x7e:
			f.emit(f.seq...)
			f.emit(c)
			f.toGround()
		default:
			f.toGround()
			f.ground(c)
		}
	case stCSI:
		f.csi(c)
	case stOSCHead:
		f.oscHead(c)
	case stLink:
		switch {
		case c == 0x07:
			f.emit(f.seq...)
			f.emit(c)
			f.toGround()
		case c == 0x1b:
			f.state = stLinkEsc
		case c < 0x20 || c == 0x7f:
			f.toGround()
			f.ground(c)
		case c >= 0x80 || len(f.seq) >= maxLink:
			// an OSC 8 URI and its parameters are printable ASCII; a
			// UTF-8 C1 control (U+0080–U+009F) inside one would reach
			// the terminal undecoded, so the whole sequence goes
			f.startDrop(true)
		default:
			f.seq = append(f.seq, c)
		}
	case stLinkEsc:
		if c == '\\' {
			f.emit(f.seq...)
			f.emit(0x1b, '\\')
			f.toGround()
			return
		}
		f.toGround()
		f.esc1()
		f.esc(c)
	case stDrop:
		f.dropped++
		switch {
		case c == 0x1b:
			f.state = stDropEsc
		case c == 0x18 || c == 0x1a, // CAN and SUB abort any sequence
			f.dropOSC && (c == 0x07 || c == '\n'),
			f.dropped > maxDrop:
			f.toGround()
		}
	case stDropEsc:
		if c == '\\' {
			f.toGround()
			return
		}
		f.toGround()
		f.esc1()
		f.esc(c)
	}
}

func (f *Filter) esc1() { f.state, f.seq = stEsc, append(f.seq[:0], 0x1b) }

func (f *Filter) ground(c byte) {
	switch {
	case c == 0x1b:
		f.esc1()
	case c == '\a', c == '\b', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
		f.emit(c)
	case c < 0x20 || c == 0x7f:
		// ENQ (answerback), SO/SI (charset shifts) and the rest: dropped
	case c < utf8.RuneSelf:
		f.emit(c)
	case c >= 0xc2 && c <= 0xf4:
		f.state, f.seq = stUTF8, append(f.seq[:0], c)
		switch {
		case c < 0xe0:
			f.need = 1
		case c < 0xf0:
			f.need = 2
		default:
			f.need = 3
		}
	default:
		f.emit(replacement...)
	}
}

var replacement = []byte("\uFFFD")

func (f *Filter) utf8(c byte) {
	if c < 0x80 || c > 0xbf {
		f.emit(replacement...)
		f.toGround()
		f.ground(c)
		return
	}
	f.seq = append(f.seq, c)
	if f.need--; f.need > 0 {
		return
	}
	r, _ := utf8.DecodeRune(f.seq)
	switch {
	case r == utf8.RuneError:
		f.emit(replacement...)
	case r >= 0x80 && r < 0xa0:
		// a C1 control: xterm obeys CSI, OSC, DCS… in this form too
	default:
		f.emit(f.seq...)
	}
	f.toGround()
}

func (f *Filter) esc(c byte) {
	switch {
	case c == '[':
		f.state, f.seq = stCSI, append(f.seq[:0], 0x1b, '[')
	case c == ']':
		f.state, f.seq = stOSCHead, append(f.seq[:0], 0x1b, ']')
	case c == 'P' || c == 'X' || c == '^' || c == '_': // DCS, SOS, PM, APC
		f.startDrop(false)
	case c == 0x1b:
		f.esc1() // the first ESC led nowhere
	case c >= 0x20 && c <= 0x2f:
		f.state, f.seq = stEscInter, append(f.seq[:0], 0x1b, c)
	case c == 'c' || c == 'Z': // RIS resets the terminal; DECID makes it answer
		f.toGround()
	case c >= 0x30 && c <= 0x7e:
		f.emit(0x1b, c)
		f.toGround()
	default:
		f.toGround()
		f.ground(c)
	}
}

func (f *Filter) csi(c byte) {
	switch {
	case c >= 0x40 && c <= 0x7e:
		if keepCSI(f.seq[2:], c) {
			f.emit(f.seq...)
			f.emit(c)
		}
		f.toGround()
	case c >= 0x20 && c <= 0x3f:
		if len(f.seq) >= maxCSI {
			f.toGround() // abandoned; the rest is text
			return
		}
		f.seq = append(f.seq, c)
	default:
		f.toGround()
		f.ground(c)
	}
}

func (f *Filter) oscHead(c byte) {
	// f.seq is ESC ] and at most the "8" of a hyperlink so far
	switch {
	case len(f.seq) == 2 && c == '8':
		f.seq = append(f.seq, c)
	case len(f.seq) == 3 && c == ';':
		f.state, f.seq = stLink, append(f.seq, c)
	case c == 0x07 || c == '\n' || c == 0x18 || c == 0x1a:
		f.toGround()
	case c == 0x1b:
		f.state, f.dropOSC = stDropEsc, true
	default:
		f.startDrop(true)
	}
}

// keepCSI decides on a complete CSI: params holds the bytes between
// ESC [ and the final byte.
func keepCSI(params []byte, final byte) bool {
	if final == 'm' && plainParams(params) {
		return true // SGR, by far the most common: decided without allocating
	}
	p := string(params)
	inter := strings.TrimLeft(p, "0123456789;:<=>?")
	if inter != "" {
		// intermediates: only DECSCUSR (cursor shape, "CSI n SP q")
		return inter == " " && final == 'q' && !strings.ContainsAny(p, "<=>?")
	}
	private := p != "" && strings.ContainsAny(p[:1], "<=>?")
	switch final {
	case 'h', 'l':
		return modesAllowed(p)
	case 'J', 'K':
		return !private || p[0] == '?'
	}
	if private {
		return false
	}
	// cursor movement, erase, insert/delete, scroll, tab, SGR, scroll
	// region, save/restore; not n (status), c (attributes), t (window ops)
	return strings.IndexByte("@ABCDEFGHIJKLMPSTXZ`abdefgmrsu", final) >= 0
}

// plainParams: only digits and separators, no private marker.
func plainParams(p []byte) bool {
	for _, c := range p {
		if !(c >= '0' && c <= '9' || c == ';' || c == ':') {
			return false
		}
	}
	return true
}

// modesAllowed: mode changes that only affect the screen. Mouse and focus
// reporting, bracketed paste and the like make the terminal write to the
// input of whatever reads it next.
func modesAllowed(p string) bool {
	if strings.HasPrefix(p, "?") {
		for _, m := range strings.Split(p[1:], ";") {
			switch m {
			case "7", "12", "25", "47", "1047", "1048", "1049":
			default:
				return false
			}
		}
		return true
	}
	return p == "4" // insert mode
}
