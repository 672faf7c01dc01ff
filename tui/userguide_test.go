package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The user guide shows the TUI through its golden screens; every capture in
// it must be one of them, so the guide cannot drift from what the program
// draws. After `go test ./tui -update`, copy the changed screens over.
func TestUserGuideCapturesAreGoldenScreens(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "docs", "user-guide.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden screens: %v", err)
	}
	screens := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		screens[string(regexp.MustCompile(`\n+$`).ReplaceAll(b, nil))] = true
	}
	blocks := regexp.MustCompile("(?s)```text\n(.*?)\n```").FindAllSubmatch(guide, -1)
	if len(blocks) < 10 {
		t.Fatalf("found %d captures in the user guide, expected the screens", len(blocks))
	}
	for i, m := range blocks {
		if !screens[string(m[1])] {
			t.Errorf("capture %d of docs/user-guide.md is not a current golden screen; it starts:\n%.300s", i+1, m[1])
		}
	}
}
