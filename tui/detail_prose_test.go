package tui

import (
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

// TestSectionMarkdown: Markdown headings are passed on as written; a line
// the parser took for a heading in a document copied from a web page is
// written as a heading, so the pane shows it as one.
func TestSectionMarkdown(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"atx", "# Title *x*\n\nBody.\n", "# Title *x*\n\nBody.\n"},
		{"setext", "Title\n=====\n\nBody.\n", "Title\n=====\n\nBody.\n"},
		{"scraped", "1. Decide the target topology¶\nsomeli-api uses two topologies:\n- EC2\n",
			"# 1. Decide the target topology\n\nsomeli-api uses two topologies:\n- EC2\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, err := runbook.Parse("doc.md", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Sections) == 0 {
				t.Fatal("no section")
			}
			if got := sectionMarkdown(doc, 0); got != c.want {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}
