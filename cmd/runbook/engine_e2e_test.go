//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A step whose interpreter changed since it ran is stale on resume: the
// fence moved from sh to bash, or the front matter now runs sh blocks
// with another shell.
func TestE2EInterpreterChangeIsStale(t *testing.T) {
	base := "# T\n\n```sh {name=a}\necho a\n```\n\n```sh {name=b}\nexit 3\n```\n"
	for name, edit := range map[string]func(string) string{
		"fence sh to bash":   func(s string) string { return strings.Replace(s, "```sh {name=a}", "```bash {name=a}", 1) },
		"front matter shell": func(s string) string { return "---\nshell: sh\n---\n" + s },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			doc := filepath.Join(dir, "doc.md")
			if err := os.WriteFile(doc, []byte(base), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, out := runIn(t, dir, "run", "--no-tui", "--yes", doc); code != 1 {
				t.Fatalf("first run: exit %d\n%s", code, out)
			}
			if err := os.WriteFile(doc, []byte(edit(base)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := runIn(t, dir, "status", doc)
			if code != 0 || !strings.Contains(out, "0/2 done (1 failed, 1 stale)") {
				t.Errorf("status after the change: exit %d\n%s", code, out)
			}
		})
	}
}
