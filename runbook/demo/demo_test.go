package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

func TestWriteCopy(t *testing.T) {
	dir := t.TempDir()
	a, err := WriteCopy(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := WriteCopy(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(a) == filepath.Dir(b) || filepath.Dir(filepath.Dir(a)) != dir {
		t.Fatalf("copies %s and %s: want two new directories under %s", a, b, dir)
	}
	got, err := os.ReadFile(a)
	if err != nil || !bytes.Equal(got, Source()) {
		t.Fatalf("copy differs from the embedded runbook (%v)", err)
	}
	// Writing into the copy never touches the embedded bytes.
	s := Source()
	s[0] = 'X'
	if Source()[0] == 'X' {
		t.Fatal("Source returned the embedded slice itself")
	}
}

// TestDemoUsesEveryFeature: the demo must keep exercising what it shows.
func TestDemoUsesEveryFeature(t *testing.T) {
	doc, err := runbook.Parse("demo.md", Source())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Err(); err != nil {
		t.Fatal(err)
	}
	kinds := map[runbook.StepKind]int{}
	var console, interactive, confirm bool
	for _, s := range doc.Steps {
		kinds[s.Kind]++
		console = console || s.Console
		interactive = interactive || s.Attrs.Interactive
		confirm = confirm || s.Attrs.Confirm
	}
	suggested := 0
	for _, q := range doc.Questions {
		if q.Suggested != "" {
			suggested++
		}
	}
	secret := false
	for _, p := range doc.Placeholders {
		secret = secret || p.Secret
	}
	switch {
	case kinds[runbook.KindShell] < 4, kinds[runbook.KindManual] < 1, kinds[runbook.KindCheck] < 1:
		t.Errorf("step kinds %v", kinds)
	case !console || !interactive || !confirm:
		t.Errorf("console %v, interactive %v, confirm %v", console, interactive, confirm)
	case suggested < 2:
		t.Errorf("%d questions with a suggestion", suggested)
	case !secret || len(doc.Placeholders) < 3:
		t.Errorf("placeholders %d, secret %v", len(doc.Placeholders), secret)
	case len(doc.References) < 1:
		t.Error("no reference block")
	}
}
