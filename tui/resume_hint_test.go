package tui

import "testing"

func TestResumeHint(t *testing.T) {
	for _, tc := range []struct {
		file, run, dir string
		finished       bool
		want           string
	}{
		{"deploy.md", "deploy.2", "", false, "to resume: runbook run deploy.md --run deploy.2"},
		{"docs/my runbook.md", "my-runbook.1", "/tmp/state", false,
			"to resume: runbook run 'docs/my runbook.md' --run my-runbook.1 --state-dir /tmp/state"},
		{"it's.md", "its.1", "", false, `to resume: runbook run 'it'\''s.md' --run its.1`},
		{"deploy.md", "deploy.2", "", true, ""},
		{"deploy.md", "", "", false, ""},
	} {
		if got := ResumeHint(tc.file, tc.run, tc.dir, tc.finished); got != tc.want {
			t.Errorf("ResumeHint(%q, %q, %q, %v) = %q, want %q", tc.file, tc.run, tc.dir, tc.finished, got, tc.want)
		}
	}
}
