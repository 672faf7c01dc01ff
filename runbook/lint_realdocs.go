package runbook

import (
	"bytes"
	"strings"
)

// realDocDiagnostics flags what a document written for people rather than
// for runbook leaves to a guess: inferred steps, a language that is a typo
// of shell, runme attributes not supported yet.
func realDocDiagnostics(doc *Document) []Diagnostic {
	var out []Diagnostic
	add := func(line int, code, msg string) {
		out = append(out, Diagnostic{Severity: SevWarning, Line: max(line, 1), Code: code, Message: msg})
	}
	for _, st := range doc.Steps {
		out = append(out, backgroundDiagnostics(st)...)
		if !st.Inferred || !isFenceAt(doc.Source, st.Span.Start) {
			continue // inferred steps of a scraped page are reported with it
		}
		if st.Lang == "" {
			add(st.Line, "inferred-step", "step "+st.ID+": unlabelled code block read as shell commands (an inferred step: run all asks before running it); add the language (```sh) to make it a step, or ```text to keep it reference")
		} else {
			add(st.Line, "inferred-step", "step "+st.ID+": "+st.Lang+" block without prompts: its leading lines are read as commands (an inferred step: run all asks before running it); mark each command with `$ `")
		}
	}
	for _, r := range doc.References {
		if want := nearMissLanguage(r.Lang); want != "" {
			add(r.Line, "near-miss-language", "code block language \""+r.Lang+"\" looks like a typo of "+want+": the block is reference material, not a step")
		}
	}
	return out
}

// backgroundDiagnostics flags a background step that cannot run in the
// background, and readiness attributes that would be ignored.
func backgroundDiagnostics(st *Step) []Diagnostic {
	var out []Diagnostic
	add := func(code, msg string) {
		out = append(out, Diagnostic{Severity: SevWarning, Line: max(st.Line, 1), Code: code, Message: "step " + st.ID + ": " + msg})
	}
	a := st.Attrs
	switch {
	case a.Background && (st.Kind == KindSQL || st.Kind == KindManual):
		add("background-ignored", "only shell steps run in the background: this one runs in the foreground")
	case a.Background && a.Interactive:
		add("background-ignored", "an interactive step has the terminal and cannot run in the background: it runs in the foreground")
	case !a.Background && (a.ReadyIf != "" || a.ReadyAfter > 0):
		add("ready-without-background", "ready-if and ready-after only apply to background steps")
	case a.ReadyIf != "" && a.ReadyAfter > 0:
		add("ready-if-and-after", "ready-if and ready-after both given: ready-if decides, ready-after is its deadline")
	}
	return out
}

// isFenceAt reports whether a fence opens at off.
func isFenceAt(src []byte, off int) bool {
	return off < len(src) && (bytes.HasPrefix(src[off:], []byte("```")) || bytes.HasPrefix(src[off:], []byte("~~~")))
}

// realLanguages are languages one edit away from a shell language's name.
var realLanguages = map[string]bool{"ash": true, "dash": true, "mssql": true, "hash": true}

// nearMissLanguage returns the step language lang is a likely typo of
// (`shel`, `bsh`, `bahs`, `consle`), or "".
func nearMissLanguage(lang string) string {
	l := strings.ToLower(lang)
	if l == "" || realLanguages[l] {
		return ""
	}
	if _, _, ok := langKind(l); ok {
		return ""
	}
	switch l {
	case "bsh", "bsah", "bassh":
		return "bash"
	case "shel", "sehll", "hsell", "shll", "shelll":
		return "shell"
	case "zhs", "szh":
		return "zsh"
	}
	for _, t := range []string{"bash", "shell", "console", "mysql"} {
		if oneEdit(l, t) {
			return t
		}
	}
	return ""
}

// oneEdit reports whether a and b differ by one insertion, deletion,
// substitution or transposition of adjacent bytes.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	switch len(b) - len(a) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		return a[i:] == b[i+1:]
	}
	return false
}

// looksLikeTranscript reports whether a shell syntax error at code line
// errLine is likely the output of a command, or a prompt runbook does not
// strip (`% `, `> `, `PS> `), rather than a mistake in a script.
func looksLikeTranscript(code string, errLine int) bool {
	lines := strings.Split(code, "\n")
	for _, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(t, "% ") || strings.HasPrefix(t, "> ") || strings.HasPrefix(t, "PS>") || strings.HasPrefix(t, "PS C:") {
			return true
		}
	}
	if errLine < 2 || errLine > len(lines) {
		return false
	}
	first := ""
	for _, l := range lines[:errLine-1] {
		if t := strings.TrimSpace(l); t != "" && t[0] != '#' {
			first = t
			break
		}
	}
	if cmd, _ := startsWithProgram(first); !cmd {
		return false
	}
	bad := strings.TrimSpace(lines[errLine-1])
	if c, _ := startsWithProgram(bad); c || isAssignment(strings.Fields(bad + " x")[0]) {
		return false
	}
	// the failing line, or one before it, reads as printed output
	for _, l := range lines[:errLine] {
		if looksLikeOutput(strings.TrimSpace(l)) {
			return true
		}
	}
	return false
}

// looksLikeOutput reports whether a line that failed to parse as shell is
// more likely a program's output: it does not start with a program, a
// keyword or an assignment, and starts like printed text (a capital, a
// digit, a bracket) or a `key:` label.
func looksLikeOutput(line string) bool {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false
	}
	w := strings.TrimRight(f[0], ";&|")
	if knownPrograms[w] || shellWords[w] || isAssignment(w) {
		return false
	}
	c := w[0]
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("[{\"'", c) >= 0 || strings.HasSuffix(w, ":")
}
