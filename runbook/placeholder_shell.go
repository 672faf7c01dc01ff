package runbook

import (
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// braceTools read `{…}` in their quoted arguments as their own code: an
// awk or jq program, an fzf field, a python -c script. `{word}` there is
// not a placeholder; in their unquoted arguments (a file name such as
// config-{env}.json) it still is.
var braceTools = map[string]bool{
	"awk": true, "gawk": true, "mawk": true, "nawk": true, "jq": true, "gojq": true, "jaq": true,
	"yq": true, "fzf": true, "sk": true, "fzf-tmux": true, "parallel": true, "rush": true,
	"python": true, "python3": true, "python2": true, "perl": true, "ruby": true, "node": true,
	"deno": true, "php": true, "lua": true, "jsonnet": true, "gron": true, "dasel": true,
	"mlr": true, "jp": true, "jid": true, "fx": true,
}

// templateFlags take a template whose braces are the program's own.
var templateFlags = map[string]bool{
	"--template": true, "--format": true, "--jq": true, "--jsonpath": true,
}

// templateWords mark an argument that is itself a template
// (`-o jsonpath='{range .items[*]}…{end}'`, `--output=go-template=…`).
var templateWords = []string{"jsonpath", "go-template", "template=", "custom-columns", "--format="}

// wrappers run the command that follows them; flags that take a value are
// listed so that value is skipped too.
var wrappers = map[string]string{
	"sudo": "ugCDhprtT", "doas": "uC", "env": "uSC", "time": "", "nohup": "", "exec": "a",
	"command": "", "nice": "n", "ionice": "cnp", "timeout": "sk", "stdbuf": "ioe",
	"watch": "nd", "setsid": "",
}

// shellPlaceholders drops the candidates that a shell step's context makes
// something else: comments, and braces that are another program's code.
// The syntax tree is only built when a candidate could be affected (a `#`
// before it on its line, or a brace and a program that uses braces), so
// the common step costs one lexical pass.
func shellPlaceholders(code string, cands []phCand) []phCand {
	if !needsShellContext(code, cands) {
		return cands
	}
	// the slow path works on a copy, so that the caller's buffer (on its
	// stack) never escapes into the syntax walk's closure
	drop := shellDrops(code, slices.Clone(cands))
	w := 0
	for i, c := range cands {
		if !drop[i] {
			cands[w] = c
			w++
		}
	}
	return cands[:w]
}

// shellDrops marks the candidates that a comment or another program's
// code holds, from the syntax tree (or lexically when the code does not
// parse).
func shellDrops(code string, cands []phCand) []bool {
	drop := make([]bool, len(cands))
	masked := []byte(code)
	for _, c := range cands {
		// same length and a plain word, so `<POD_NAME>` is no redirection
		for i := c.start; i < c.end; i++ {
			masked[i] = 'x'
		}
	}
	f, err := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(string(masked)), "")
	if err != nil {
		lexicalShellContext(code, cands, drop)
		return drop
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Comment:
			dropIn(cands, drop, int(n.Hash.Offset()), int(n.End().Offset()), false)
		case *syntax.CallExpr:
			callContext(code, n, cands, drop)
		}
		return true
	})
	return drop
}

func needsShellContext(code string, cands []phCand) bool {
	tools := -1 // unknown yet
	// one pass over the code however many candidates share a line: a
	// `#` seen since the last line break, before the candidate
	pos, hash := 0, false
	for _, c := range cands {
		for ; pos < c.start; pos++ {
			switch code[pos] {
			case '\n':
				hash = false
			case '#':
				hash = true
			}
		}
		if hash {
			return true
		}
		if c.brace {
			if tools < 0 {
				// braces are another program's only in a quoted argument,
				// a template argument or after xargs -I
				tools = 0
				if (strings.ContainsAny(code, `'"`) || strings.Contains(code, "xargs") || strings.Contains(code, "template")) && hasBraceTool(code) {
					tools = 1
				}
			}
			if tools == 1 {
				return true
			}
		}
	}
	return false
}

// hasBraceTool is a quick, generous test for a program or flag that gives
// braces their own meaning.
func hasBraceTool(code string) bool {
	for _, w := range []string{"awk", "jq", "yq", "fzf", "sk ", "xargs", "parallel", "rush", "python", "perl", "ruby", "node", "deno", "php", "lua", "jsonnet", "gron", "dasel", "mlr", "jp ", "jid", "fx ", "template", "format", "jsonpath", "custom-columns"} {
		if strings.Contains(code, w) {
			return true
		}
	}
	return false
}

// dropIn marks the candidates inside [start, end) (only braces when
// bracesOnly).
func dropIn(cands []phCand, drop []bool, start, end int, bracesOnly bool) {
	// cands are in offset order (lexPlaceholders scans left to right): a
	// binary search keeps many words × many candidates linear-ish
	i, _ := slices.BinarySearchFunc(cands, start, func(c phCand, off int) int { return c.start - off })
	for ; i < len(cands) && cands[i].start < end; i++ {
		if c := cands[i]; c.end <= end && (c.brace || !bracesOnly) {
			drop[i] = true
		}
	}
}

// callContext drops the braces a command's program reads as its own code.
func callContext(code string, call *syntax.CallExpr, cands []phCand, drop []bool) {
	args := call.Args
	k := 0
	for k < len(args) {
		prog := filepath.Base(args[k].Lit())
		flags, wrap := wrappers[prog]
		if !wrap {
			break
		}
		k++
		for k < len(args) {
			a := args[k].Lit()
			if prog == "env" && strings.Contains(a, "=") && !strings.HasPrefix(a, "-") {
				k++
				continue
			}
			if !strings.HasPrefix(a, "-") {
				if prog == "timeout" {
					k++ // its duration
				}
				break
			}
			k++
			if len(a) == 2 && strings.IndexByte(flags, a[1]) >= 0 {
				k++ // the flag's value
			}
		}
	}
	if k >= len(args) {
		return
	}
	prog := filepath.Base(args[k].Lit())
	if prog == "xargs" {
		xargsContext(code, args[k+1:], cands, drop)
	}
	tool := braceTools[prog]
	for i := k + 1; i < len(args); i++ {
		w := args[i]
		text := code[w.Pos().Offset():w.End().Offset()]
		switch {
		case anyContains(text, templateWords):
			dropIn(cands, drop, int(w.Pos().Offset()), int(w.End().Offset()), true)
			continue
		case templateFlags[text] && i+1 < len(args):
			n := args[i+1]
			dropIn(cands, drop, int(n.Pos().Offset()), int(n.End().Offset()), true)
			continue
		}
		if !tool {
			continue
		}
		for _, part := range w.Parts {
			switch part.(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				dropIn(cands, drop, int(part.Pos().Offset()), int(part.End().Offset()), true)
			}
		}
	}
}

func anyContains(s string, subs []string) bool {
	for _, w := range subs {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// xargsContext: `xargs -I {file} cp {file} /tmp` names its own
// replacement string; it is not a placeholder anywhere in the command.
func xargsContext(code string, args []*syntax.Word, cands []phCand, drop []bool) {
	repl, from := "", 0
	for i, w := range args {
		text := code[w.Pos().Offset():w.End().Offset()]
		switch {
		case text == "-I" && i+1 < len(args):
			n := args[i+1]
			repl, from = code[n.Pos().Offset():n.End().Offset()], int(n.Pos().Offset())
		case strings.HasPrefix(text, "-I") && len(text) > 2:
			repl, from = text[2:], int(w.Pos().Offset())+2
		case strings.HasPrefix(text, "--replace="):
			repl, from = strings.TrimPrefix(text, "--replace="), int(w.Pos().Offset())+len("--replace=")
		}
		if repl != "" {
			break
		}
	}
	if repl == "" {
		return
	}
	repl = strings.Trim(repl, `'"`)
	end := int(args[len(args)-1].End().Offset())
	for i, c := range cands {
		if c.start >= from && c.end <= end && strings.Contains(code[c.start:c.end], repl) {
			drop[i] = true
		}
	}
}

// lexicalShellContext is the fallback when the code does not parse (a
// transcript fragment, another shell's syntax): a `#` that starts a word
// outside quotes begins a comment, and braces quoted on a line that runs a
// brace tool are its code.
func lexicalShellContext(code string, cands []phCand, drop []bool) {
	for i, c := range cands {
		ls := strings.LastIndexByte(code[:c.start], '\n') + 1
		line := code[ls:c.start]
		var q byte
		for j := 0; j < len(line); j++ {
			ch := line[j]
			switch {
			case q != 0:
				if ch == q {
					q = 0
				}
			case ch == '\'' || ch == '"':
				q = ch
			case ch == '#' && (j == 0 || strings.IndexByte(" \t;|&(", line[j-1]) >= 0):
				drop[i] = true
			}
			if drop[i] {
				break
			}
		}
		if !drop[i] && c.brace && q != 0 && hasBraceTool(line) {
			drop[i] = true
		}
	}
}

// sqlPlaceholders drops candidates inside SQL comments (`-- …`, `# …`,
// `/* … */`, but not MySQL's executable `/*! … */` and hints `/*+ … */`);
// quoted strings are skipped so a `--` inside one is text.
func sqlPlaceholders(code string, cands []phCand) []phCand {
	if !strings.Contains(code, "--") && !strings.Contains(code, "#") && !strings.Contains(code, "/*") {
		return cands
	}
	var comments []Span
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == '\'' || c == '"' || c == '`':
			for i++; i < len(code); i++ {
				if code[i] == '\\' && c != '`' {
					i++
					continue
				}
				if code[i] == c {
					break
				}
			}
		case c == '#' || c == '-' && strings.HasPrefix(code[i:], "--") && (i+2 == len(code) || strings.IndexByte(" \t\r\n", code[i+2]) >= 0):
			e := strings.IndexByte(code[i:], '\n')
			if e < 0 {
				e = len(code) - i
			}
			comments = append(comments, Span{i, i + e})
			i += e
		case c == '/' && strings.HasPrefix(code[i:], "/*") && !strings.HasPrefix(code[i:], "/*!") && !strings.HasPrefix(code[i:], "/*+"):
			// (`/*!50000 … */` and `/*+ … */` are code MySQL runs)
			e := strings.Index(code[i+2:], "*/")
			end := len(code)
			if e >= 0 {
				end = i + 2 + e + 2
			}
			comments = append(comments, Span{i, end})
			i = end - 1
		}
	}
	if len(comments) == 0 {
		return cands
	}
	w := 0
	for _, c := range cands {
		if !inSpans(comments, c.start) {
			cands[w] = c
			w++
		}
	}
	return cands[:w]
}
