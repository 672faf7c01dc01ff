package tui

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	tea "charm.land/bubbletea/v2"
)

// The main screen and a running step under LANG=C (ASCII) and in colour,
// at both sizes; the other goldens are NO_COLOR.
func TestScreenVariants(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, v := range []struct {
			name string
			opts Options
		}{{"ascii", Options{NoColor: true, ASCII: true}}, {"color", Options{}}} {
			t.Run(fmt.Sprintf("%s_%dx%d", v.name, sz[0], sz[1]), func(t *testing.T) {
				eng := newFakeEngine(demoDoc())
				h := newHarnessOpts(t, eng, eng.waiting, v.opts, sz[0], sz[1])
				h.selectItem("deploy")
				raw := h.m.Render()
				if v.name == "ascii" {
					for _, r := range raw {
						if r > unicode.MaxASCII {
							t.Fatalf("non-ASCII %q in an ASCII frame:\n%s", r, raw)
						}
					}
				}
				if v.name == "color" && !strings.Contains(raw, "\x1b[") {
					t.Fatal("no colour in the colour frame")
				}
				// The colour golden keeps the escape sequences: what
				// changes in it is the palette, reviewed as text in the
				// NO_COLOR goldens.
				name := fmt.Sprintf("main_%s_%dx%d", v.name, sz[0], sz[1])
				if v.name == "color" {
					golden(t, name, raw)
				} else {
					golden(t, name, h.screen())
				}
			})
		}
	}
}

// The focused pane's title is marked, so NO_COLOR still tells it.
func TestFocusedPaneMarked(t *testing.T) {
	h := newHarness(t, 80, 24)
	if !strings.Contains(h.screen(), "● Checklist") {
		t.Fatalf("checklist focus not marked:\n%s", h.screen())
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyTab})
	s := h.screen()
	if strings.Contains(s, "● Checklist") || strings.Count(s, "● ") != 1 {
		t.Fatalf("focus mark did not move with tab:\n%s", s)
	}
}

// A dialog under LANG=C: huh's own marks come out in ASCII too.
func TestScreenDialogASCII(t *testing.T) {
	eng := newFakeEngine(demoDoc())
	h := newHarnessOpts(t, eng, eng.waiting, Options{NoColor: true, ASCII: true}, 80, 24)
	h.press("A")
	raw := h.m.Render()
	for _, r := range raw {
		if r > unicode.MaxASCII {
			t.Fatalf("non-ASCII %q in an ASCII dialog:\n%s", r, raw)
		}
	}
	golden(t, "question_ascii_80x24", h.screen())
}
