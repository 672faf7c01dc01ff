package main

import (
	"regexp"
	"testing"
)

// TestVersionFlag: `runbook --version` prints exactly what `runbook
// version` prints, and succeeds.
func TestVersionFlag(t *testing.T) {
	want, _, code := runCLI(t, "version")
	if code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	if !regexp.MustCompile(`^runbook \S+ [a-z0-9]+/[a-z0-9]+ go\S+\n$`).MatchString(want) {
		t.Errorf("version prints %q", want)
	}
	got, errs, code := runCLI(t, "--version")
	if code != 0 || got != want || errs != "" {
		t.Errorf("--version: exit %d, stdout %q (want %q), stderr %q", code, got, want, errs)
	}
}

func TestVersionLineOfARelease(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "1.2.3", "abc1234", "2026-11-24T09:12:34Z"
	if got := versionLine(); !regexp.MustCompile(`^runbook 1\.2\.3 \(abc1234, 2026-11-24T09:12:34Z\) [a-z0-9]+/[a-z0-9]+ go`).MatchString(got) {
		t.Errorf("versionLine() = %q", got)
	}
}

func TestVersionLineOfASnapshot(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "0.0.1-next", "none", "0001-01-01T00:00:00Z"
	if got := versionLine(); !regexp.MustCompile(`^runbook 0\.0\.1-next [a-z0-9]+/[a-z0-9]+ go`).MatchString(got) {
		t.Errorf("versionLine() = %q", got)
	}
}
