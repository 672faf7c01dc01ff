package tui

import (
	"strings"
)

// ResumeHint is the one line printed on leaving the TUI with the run
// unfinished: the command that picks it up again (docs/cli.md: `--run`
// names one run exactly, so the hint resumes this run even after another
// one of the lane was started). file is the doc as the engineer named it,
// run the run's full name (deploy.2), stateDir the --state-dir given (""
// when the default was used). A finished run needs no hint: "".
func ResumeHint(file, run, stateDir string, finished bool) string {
	if finished || run == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("to resume: runbook run ")
	b.WriteString(shellQuote(file))
	b.WriteString(" --run ")
	b.WriteString(shellQuote(run))
	if stateDir != "" {
		b.WriteString(" --state-dir ")
		b.WriteString(shellQuote(stateDir))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it, so that the
// hint can be pasted as is.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:@%+=,", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
