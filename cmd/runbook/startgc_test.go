package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/cmd/runbook/internal/startgc"
)

// gcLine is a collection reported by GODEBUG=gctrace=1.
var gcLine = regexp.MustCompile(`(?m)^gc \d+ @`)

// TestNoCollectionAtStart: package initialisation allocates ≈4 MB, the
// collector's default first target, so every start used to collect once
// before main and once more while a run opened (package startgc). Neither
// `runbook version` nor a line-mode run of 100 steps collects now.
func TestNoCollectionAtStart(t *testing.T) {
	bin := runbookBinary(t)
	env := append(lineEnv(), "GODEBUG=gctrace=1", "GOGC=")
	for _, args := range [][]string{
		{"version"},
		{"run", "--no-tui", "--yes", "--state-dir", t.TempDir(), writeDoc(t, "hundred.md", quickSteps(100, "true"))},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, stderr.Bytes())
		}
		if gcs := gcLine.FindAll(stderr.Bytes(), -1); len(gcs) > 0 {
			t.Errorf("runbook %s collected %d times:\n%s", args[0], len(gcs), stderr.Bytes())
		}
	}
}

// TestGCTargetPerCommand: commands that print and exit keep startgc's
// target, the others (the TUI, which may run for hours) go back to the
// default; a GOGC the user set is never overridden.
func TestGCTargetPerCommand(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set")
	}
	if !startgc.Set {
		t.Fatal("startgc did not set the target")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(startgc.Percent))
	percent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	execute([]string{"report", filepath.Join(t.TempDir(), "missing.md")}, &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{})
	if p := percent(); p != 100 {
		t.Errorf("after report: GOGC %d, want 100", p)
	}
	execute([]string{"version"}, &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{})
	if p := percent(); p != startgc.Percent {
		t.Errorf("after version: GOGC %d, want %d", p, startgc.Percent)
	}
	// A line-mode run keeps it, unless its document is big.
	small := writeDoc(t, "small.md", quickSteps(1, "true"))
	big := writeDoc(t, "big.md", quickSteps(1, "true")+strings.Repeat("Some prose.\n", bigDoc/12+1))
	for _, tc := range []struct {
		doc  string
		want int
	}{{small, startgc.Percent}, {big, 100}} {
		debug.SetGCPercent(startgc.Percent)
		var out bytes.Buffer
		if code := execute([]string{"run", "--no-tui", "--yes", "--state-dir", t.TempDir(), tc.doc}, nil, &out, &out); code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.doc, code, out.Bytes())
		}
		if p := percent(); p != tc.want {
			t.Errorf("after a line-mode run of %s: GOGC %d, want %d", filepath.Base(tc.doc), p, tc.want)
		}
	}
}
