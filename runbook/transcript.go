package runbook

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// fenceMode is what a fence's language says about its lines.
type fenceMode int

const (
	modeShell      fenceMode = iota // sh, bash, …: a script, unless it carries prompts
	modeConsole                     // console, sh-session, …: a transcript
	modeUnlabelled                  // no language: commands only if they look like it
)

// shellBody is what a fenced block yields as a shell step.
type shellBody struct {
	code, expected string
	// lines holds, for each line of code, its index among the block's
	// lines; nil when the code is the block's first lines.
	lines []int
	// console: the code came from a transcript (or a console block) and
	// expected holds the other lines, shown as the documented output.
	console bool
	// inferred: nothing marked the commands; their programs did.
	inferred bool
}

// readShellBody decides what a shell-ish block runs (docs/format.md,
// "Transcripts and unlabelled blocks"); ok is false when it runs nothing
// and the block is reference material.
//
//   - A block whose command lines carry a prompt (`$ `, `user@host:~$ `,
//     `❯ `, or `% ` on its first line; `# ` before a known program in a
//     console block) is a transcript: the prompted lines run, with their
//     `\` continuations and heredoc bodies; the rest is expected output.
//   - Otherwise a shell block runs as written; a console block runs its
//     leading lines that start with a known program (the rest is output);
//     an unlabelled block runs only if every line belongs to a command
//     that starts with a known program.
//
// Whatever is chosen must hold a command (not only blanks and comments),
// and prompt-less guesses must parse as shell.
func readShellBody(body string, mode fenceMode) (b shellBody, ok bool) {
	if mode == modeShell && !mayHavePrompt(body, mode) && !mayHaveHeader(body) {
		// the common script: no need to look at its lines one by one
		return shellBody{code: body}, hasCommand(body)
	}
	lines := strings.Split(body, "\n")
	if style := detectPrompt(lines, mode); style != promptNone {
		b = splitTranscript(lines, style)
		b.console, b.inferred = true, mode == modeUnlabelled
		return b, hasCommand(b.code)
	}
	n := commandPrefix(lines)
	if mode == modeShell {
		// commands pasted with their output and no prompt: the output
		// starts with a table header (`NAME   READY   STATUS`)
		if n > 0 && n < len(lines) && isOutputHeader(firstNonBlank(lines[n:])) {
			b = shellBody{code: strings.Join(lines[:n], "\n"), expected: strings.Trim(strings.Join(lines[n:], "\n"), "\n"), console: true}
			return b, true
		}
		return shellBody{code: body}, hasCommand(body)
	}
	if n == 0 {
		return b, false
	}
	if strings.TrimSpace(strings.Join(lines[n:], "\n")) == "" {
		// every line belongs to a command: a script
		b = shellBody{code: strings.Join(lines[:n], "\n"), inferred: true, console: mode == modeConsole}
		return b, parsesAsShell(b.code)
	}
	// commands pasted with their output, without prompts
	b = splitBare(lines)
	b.console, b.inferred = true, true
	return b, hasCommand(b.code) && parsesAsShell(b.code)
}

// splitBare splits a prompt-less transcript whose first line is a
// command: a line is a command when it starts a group (the block, or
// after a blank line) with a known program, or starts with a known program
// and has arguments (`kind get clusters` is one, the `kind` it prints is
// not); continuations, heredoc bodies and comments right after a command
// go with it; every other line is expected output.
func splitBare(lines []string) shellBody {
	var c, e []string
	var idx []int
	group, prevCmd, cont, heredoc := true, false, false, ""
	for i, line := range lines {
		t := strings.TrimSpace(line)
		isCmd := false
		switch {
		case heredoc != "":
			isCmd = true
			if strings.TrimLeft(t, "\t") == heredoc {
				heredoc = ""
			}
		case cont:
			isCmd = true
		case t == "":
			group = true
			prevCmd = false
			e = append(e, line)
			continue
		case t[0] == '#':
			isCmd = prevCmd
		default:
			prog, structural := startsWithProgram(t)
			isCmd = prog && !structural && (group || len(strings.Fields(t)) > 1)
			if isCmd {
				heredoc = heredocDelim(t)
			}
		}
		group = false
		prevCmd = isCmd
		if !isCmd {
			e = append(e, line)
			cont = false
			continue
		}
		c = append(c, line)
		idx = append(idx, i)
		cont = strings.HasSuffix(t, `\`)
	}
	return shellBody{code: strings.Join(c, "\n"), expected: strings.Trim(strings.Join(e, "\n"), "\n"), lines: idx}
}

func firstNonBlank(lines []string) string {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

// isOutputHeader reports whether line is the header of a table a command
// printed: at least two columns, upper-case names, columns apart by runs
// of spaces (`NAMESPACE   NAME   READY`, `CONTAINER ID   IMAGE`).
func isOutputHeader(line string) bool {
	f := strings.Fields(line)
	if len(f) < 2 || !strings.Contains(strings.TrimSpace(line), "  ") {
		return false
	}
	for _, w := range f[:2] {
		for i := 0; i < len(w); i++ {
			if c := w[i]; !(c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == '(' || c == ')') {
				return false
			}
		}
	}
	return true
}

// mayHavePrompt is a quick test that body could hold a line detectPrompt
// recognises: false means certainly none.
func mayHavePrompt(body string, mode fenceMode) bool {
	return strings.Contains(body, "$ ") || strings.Contains(body, "$\n") || strings.HasSuffix(body, "$") ||
		strings.Contains(body, "❯") || strings.HasPrefix(strings.TrimLeft(body, " \t\n"), "%") ||
		(strings.ContainsAny(body, "@[") || strings.Contains(body, "sh-")) && strings.ContainsAny(body, "$#") ||
		mode != modeShell && strings.Contains(body, "# ")
}

// mayHaveHeader is a quick test for a line isOutputHeader could accept:
// an upper-case letter starting a line that has two spaces in a row.
func mayHaveHeader(body string) bool {
	for i := 0; i < len(body); i++ {
		if (i == 0 || body[i-1] == '\n') && body[i] >= 'A' && body[i] <= 'Z' {
			end := strings.IndexByte(body[i:], '\n')
			if end < 0 {
				end = len(body) - i
			}
			if strings.Contains(body[i:i+end], "  ") {
				return true
			}
		}
	}
	return false
}

// hasCommand reports whether code holds a line that is not blank or a
// comment: an empty step would "succeed" without doing anything.
func hasCommand(code string) bool {
	for line := range strings.SplitSeq(code, "\n") {
		if t := strings.TrimSpace(line); t != "" && t[0] != '#' {
			return true
		}
	}
	return false
}

// parsesAsShell parses code as bash, its placeholders read as words.
func parsesAsShell(code string) bool {
	b := []byte(code)
	var buf [8]phCand
	for _, c := range lexPlaceholders(code, buf[:0]) {
		for i := c.start; i < c.end; i++ {
			b[i] = 'x'
		}
	}
	_, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(string(b)), "")
	return err == nil
}

// promptStyle is the prompt a transcript's commands carry.
type promptStyle int

const (
	promptNone    promptStyle = iota
	promptDollar              // `$ `, `user@host:~$ `, `[user@host dir]# `
	promptChevron             // `❯ `
	promptPercent             // `% ` (zsh, csh): only when the first line has it
	promptHash                // `# ` before a known program, in console blocks
)

// hostPromptRE matches the `user@host:path$ `, `[user@host dir]# ` and
// `sh-4.4# ` prompts people paste with their commands.
var hostPromptRE = &lazyRE{expr: `^\s*(?:\[[^\]\n]{1,80}\]|[A-Za-z0-9_.-]{1,32}@[A-Za-z0-9_.-]{1,64}(?::[^\s$#]{0,100})?|(?:ba|z|k|da)?sh-[0-9]+(?:\.[0-9]+)*)\s?[$#] `}

// detectPrompt says which prompt marks the commands of a block, if any.
// `$ ` never starts a line of shell, so one such line anywhere makes a
// transcript; `% ` also starts curl's progress meter, so it must open the
// block; `# ` is a comment unless a console block has no other prompt and
// a known program follows it.
func detectPrompt(lines []string, mode fenceMode) promptStyle {
	for _, l := range lines {
		if dollarPrompt(l) > 0 {
			return promptDollar
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), "❯ ") {
			return promptChevron
		}
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if strings.HasPrefix(l, "% ") {
			return promptPercent
		}
		break
	}
	if mode == modeConsole {
		for _, l := range lines {
			if hashPrompt(l) > 0 {
				return promptHash
			}
		}
	}
	return promptNone
}

// dollarPrompt returns the length of a `$ ` (or user@host) prompt at the
// start of line, 0 when there is none.
func dollarPrompt(line string) int {
	t := strings.TrimLeft(line, " \t")
	switch {
	case t == "$":
		return len(line)
	case strings.HasPrefix(t, "$ "):
		return len(line) - len(t) + 2
	case (strings.ContainsAny(line, "@[") || strings.Contains(line, "sh-")) && strings.ContainsAny(line, "$#"):
		if m := hostPromptRE.FindStringIndex(line); m != nil {
			return m[1]
		}
	}
	return 0
}

func hashPrompt(line string) int {
	if !strings.HasPrefix(line, "# ") {
		return 0
	}
	if cmd, structural := startsWithProgram(line[2:]); cmd && !structural {
		return 2
	}
	return 0
}

func promptLen(line string, style promptStyle) int {
	switch style {
	case promptDollar:
		if n := dollarPrompt(line); n > 0 {
			return n
		}
		// `$ oc debug node/x` then `# sysctl -a`: the root prompt of
		// the shell the first command opened
		return hashPrompt(line)
	case promptChevron:
		if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "❯ ") {
			return len(line) - len(t) + len("❯ ")
		}
	case promptPercent:
		if line == "%" {
			return 1
		}
		if strings.HasPrefix(line, "% ") {
			return 2
		}
	case promptHash:
		return hashPrompt(line)
	}
	return 0
}

// splitTranscript keeps the prompted commands (prompt removed), their `\`
// continuation lines and heredoc bodies (a `> ` secondary prompt removed)
// as code; every other line is expected output.
func splitTranscript(lines []string, style promptStyle) shellBody {
	var c, e []string
	var idx []int
	cont, heredoc := false, ""
	for i, line := range lines {
		switch {
		case heredoc != "" || cont:
			if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "> ") {
				line = t[2:]
			}
			if heredoc != "" && strings.TrimLeft(strings.TrimSpace(line), "\t") == heredoc {
				heredoc = ""
			}
		default:
			n := promptLen(line, style)
			if n == 0 {
				e = append(e, line)
				continue
			}
			line = line[n:]
			if strings.TrimSpace(line) == "" {
				continue
			}
			if d := heredocDelim(line); d != "" {
				heredoc = d
			}
		}
		c = append(c, line)
		idx = append(idx, i)
		cont = strings.HasSuffix(strings.TrimRight(line, " \t"), `\`)
	}
	return shellBody{code: strings.Join(c, "\n"), expected: strings.Join(e, "\n"), lines: idx}
}

// heredocDelim returns the delimiter of the first heredoc a command line
// opens (`<<EOF`, `<<-'EOF'`), or "".
func heredocDelim(line string) string {
	for i := 0; i+1 < len(line); i++ {
		if line[i] != '<' || line[i+1] != '<' {
			continue
		}
		j := i + 2
		if j < len(line) && line[j] == '<' {
			i = j // <<< here-string
			continue
		}
		if j < len(line) && line[j] == '-' {
			j++
		}
		for j < len(line) && line[j] == ' ' {
			j++
		}
		if j < len(line) && (line[j] == '\'' || line[j] == '"' || line[j] == '\\') {
			j++
		}
		k := j
		for k < len(line) && isIdentByte(line[k]) {
			k++
		}
		if k > j {
			return line[j:k]
		}
	}
	return ""
}

// commandPrefix counts the leading lines of a prompt-less block that are
// commands: lines starting with a known program, with their comments,
// continuations and heredoc bodies. 0 when no program starts one.
func commandPrefix(lines []string) int {
	n, programs := 0, false
	cont, heredoc := false, ""
	for i, line := range lines {
		t := strings.TrimSpace(line)
		switch {
		case heredoc != "":
			if strings.TrimLeft(t, "\t") == heredoc {
				heredoc = ""
			}
		case cont:
		case t == "":
			continue // a blank counts only if a command follows it
		case t[0] == '#':
		default:
			cmd, structural := startsWithProgram(t)
			if !cmd {
				if programs {
					return n
				}
				return 0
			}
			programs = programs || !structural
			if d := heredocDelim(t); d != "" {
				heredoc = d
			}
		}
		n = i + 1
		cont = strings.HasSuffix(t, `\`)
	}
	if !programs {
		return 0
	}
	return n
}
