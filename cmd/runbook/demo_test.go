package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without a terminal the demo still runs: suggested answers are taken, the
// steps run without asking, and it stops at the step built to fail once —
// a second run resumes and finishes.
func TestDemoUnattended(t *testing.T) {
	t.Setenv("LC_ALL", "C.UTF-8") // the printer's Unicode glyphs, whatever CI's locale
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := execute([]string{"demo", "--dir", dir}, strings.NewReader(""), &out, &errb)
	if code != exitFailed {
		t.Fatalf("first demo run: exit %d, want 1 (deploy fails once)\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"✓ workspace  ok", "✗ deploy  failed (exit 1)", "summary: 4 ok, 1 failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "no terminal: running the demo in line mode with its suggested answers (--yes)\n") {
		t.Errorf("stderr does not say why it runs unattended:\n%s", errb.String())
	}
	if strings.Contains(out.String()+errb.String(), "demo-only-s3cret") {
		t.Errorf("the demo's secret reached the terminal")
	}
	copies, err := filepath.Glob(filepath.Join(dir, "*", "acme-api-runbook.md"))
	if err != nil || len(copies) != 1 {
		t.Fatalf("demo copies under %s: %v, %v", dir, copies, err)
	}

	// Resuming the copy (as the demo says) finishes the rest.
	out.Reset()
	errb.Reset()
	code = execute([]string{"run", "--no-tui", "--yes", copies[0]}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("resume: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "✓ deploy  ok") {
		t.Errorf("resume did not retry deploy:\n%s", out.String())
	}
	if b, err := os.ReadFile(copies[0]); err != nil || !bytes.Contains(b, []byte("[VERIFY]")) {
		t.Errorf("the demo copy changed without --write-back (err %v)", err)
	}
}
