package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

// Issue 14 §6: --set POD_NAME=… and a --values key POD_NAME give the
// placeholder <pod-name> its value (names are canonical); a declared
// variable and a question id keep their own spelling.
func TestSetsNamePlaceholdersCanonically(t *testing.T) {
	doc, err := runbook.Parse("d.md", []byte("---\nvariables:\n  DB_HOST: {prompt: Host}\n---\n# T\n\n```sh\necho <pod-name> <DB_HOST>\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	sets, _, err := parseSets(doc, []string{"POD_NAME=web-1", "DB_HOST=db"})
	if err != nil {
		t.Fatal(err)
	}
	if sets["pod-name"] != "web-1" || sets["DB_HOST"] != "db" || len(sets) != 2 {
		t.Errorf("sets = %v", sets)
	}
	f := filepath.Join(t.TempDir(), "v.yaml")
	if err := os.WriteFile(f, []byte("POD_NAME: web-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vals, err := readValues(doc, f)
	if err != nil || vals["pod-name"] != "web-2" {
		t.Errorf("values = %v, %v", vals, err)
	}
	if _, _, err := parseSets(doc, []string{"not-there=1"}); err == nil {
		t.Error("an unknown name was accepted")
	}
	// A shell name may be a session value of the run: checked once it is open.
	if _, session, err := parseSets(doc, []string{"API_TOKEN=1"}); err != nil || len(session) != 1 {
		t.Errorf("API_TOKEN: %v %v", session, err)
	}
}
