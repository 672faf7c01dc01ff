package runbook

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMojibakeRepair: check names the command that repairs the double-
// encoded seed, and that command, run here, does repair it: valid UTF-8,
// "📦" again, the same steps, and only the characters whose byte the first
// wrong decoding dropped are gone.
func TestMojibakeRepair(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/seeds/production-deployment-guide.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "guide.txt"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Parse("guide.txt", src)
	if err != nil {
		t.Fatal(err)
	}
	var diags []Diagnostic
	for _, dg := range Lint(d, LintOptions{}) {
		if dg.Code == "mojibake" {
			diags = append(diags, dg)
		}
	}
	want := "text looks double-encoded (UTF-8 read as Windows-1252, e.g. \"ðŸ“¦…\"): repair it with " +
		"`iconv -f utf-8 -t windows-1252 guide.txt | iconv -f utf-8 -t utf-8 -c > guide.fixed.txt` " +
		"(10 characters lost a byte in the double encoding and cannot be recovered: -c drops them; the first is on line 13)"
	if len(diags) != 1 || diags[0].Message != want || diags[0].Line != 1 || diags[0].Severity != SevWarning {
		t.Fatalf("mojibake diagnostics = %+v\nwant one: %s", diags, want)
	}
	if _, err := exec.LookPath("iconv"); err != nil {
		t.Skip("no iconv on this machine")
	}
	cmd := strings.TrimSuffix(strings.SplitN(want, "`", 3)[1], "`")
	c := exec.Command("sh", "-c", cmd)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	fixed, err := os.ReadFile(filepath.Join(dir, "guide.fixed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(fixed) || mojibakeAt(fixed) >= 0 || !strings.HasPrefix(string(fixed), "# 📦 Production Deployment Guide") {
		t.Fatalf("not repaired: %q…", fixed[:80])
	}
	d2, err := Parse("guide.fixed.txt", fixed)
	if err != nil {
		t.Fatal(err)
	}
	for _, dg := range Lint(d2, LintOptions{}) {
		if dg.Code == "mojibake" {
			t.Errorf("the repaired file still warns: %s", dg.Message)
		}
	}
	if len(d2.Steps) != len(d.Steps) || len(d2.Sections) != len(d.Sections) {
		t.Fatalf("repaired: %d steps %d sections, was %d %d", len(d2.Steps), len(d2.Sections), len(d.Steps), len(d.Sections))
	}
	for i, st := range d2.Steps {
		if st.Kind != d.Steps[i].Kind || st.Line != d.Steps[i].Line {
			t.Errorf("step %d: %s line %d, was %s line %d", i, st.Kind, st.Line, d.Steps[i].Kind, d.Steps[i].Line)
		}
	}
	var alb *Step
	for _, st := range d2.Steps {
		if st.Kind == KindManual && strings.Contains(st.Title, "ALB health checks") {
			alb = st
		}
	}
	if alb == nil || alb.Title != "🟢 ALB health checks = OK" {
		t.Errorf("checklist item = %+v", alb)
	}
	// "🔐" (F0 9F 94 90) lost its 0x90: the repair drops what is left of it
	if !strings.Contains(string(fixed), "- [ ]  HTTPS A-record") {
		t.Errorf("line 204 = %q", strings.Split(string(fixed), "\n")[203])
	}
}

func TestMojibakeMessages(t *testing.T) {
	// text that is only partly double-encoded: no conversion of the whole
	// file repairs it
	d := mustParse(t, "# Caf\u00c3\u00a9\n\nA → B\n")
	got := mojibakeDiagnostics(d)
	if len(got) != 1 || got[0].Message != "text looks double-encoded (UTF-8 read as Windows-1252, e.g. \"Ã©\"), but line 3 has characters Windows-1252 does not have, so no conversion of the whole file repairs it: fix the garbled characters by hand" {
		t.Errorf("mixed: %+v", got)
	}
	// all of it double-encoded, nothing lost; a path with a space is quoted
	d, err := Parse("my docs/run book.md", []byte("# Caf\u00c3\u00a9 \u00e2\u20ac\u201d ok\n"))
	if err != nil {
		t.Fatal(err)
	}
	got = mojibakeDiagnostics(d)
	if len(got) != 1 || !strings.HasSuffix(got[0].Message, ": repair it with `iconv -f utf-8 -t windows-1252 'my docs/run book.md' | iconv -f utf-8 -t utf-8 -c > 'my docs/run book.fixed.md'`") {
		t.Errorf("clean: %+v", got)
	}
	if got := mojibakeDiagnostics(mustParse(t, "# Café — ok 📦\n")); got != nil {
		t.Errorf("correct UTF-8: %+v", got)
	}
}
