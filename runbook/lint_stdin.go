package runbook

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Steps that are not `interactive` run with a terminal of their own that
// nobody types into: a command that waits for input there waits until
// its timeout, or fails at once with empty output. stdinDiagnostics finds
// the commands that do (docs/list-json.md, `reads-terminal`).

// terminalReader says why a command waits for a person, or "".
type terminalReader func(args []string) string

var terminalReaders = map[string]terminalReader{
	"read":      func(a []string) string { return unless(a, "-u", "waits for a line typed on the terminal") },
	"mapfile":   func(a []string) string { return unless(a, "-u", "reads lines typed on the terminal") },
	"readarray": func(a []string) string { return unless(a, "-u", "reads lines typed on the terminal") },
	"passwd":    func(a []string) string { return unless(a, "--stdin", "asks for a password") },
	"sudo": func(a []string) string {
		if hasAny(a, "--non-interactive", "--stdin") || inCluster(a, 'n', sudoValued) || inCluster(a, 'S', sudoValued) {
			return ""
		}
		return "may ask for a password (`sudo -n` does not)"
	},
	"ssh-keygen": func(a []string) string {
		for _, c := range "NlFRyeiHYDLQrkBsA" {
			if shortFlag(a, c) {
				return ""
			}
		}
		return "asks for a passphrase (give one with -N)"
	},
	"mysql": func(a []string) string {
		switch {
		case hasAny(a, "--password") || clusterEnds(a, 'p', mysqlValued):
			return "asks for a password (-p without a value)"
		case !hasPrefix(a, "--execute") && !inCluster(a, 'e', mysqlValued):
			return "opens an interactive client (no -e and nothing on its input)"
		}
		return ""
	},
	"psql": func(a []string) string {
		switch {
		case hasAny(a, "--password") || inCluster(a, 'W', psqlValued):
			return "asks for a password (-W)"
		case !hasPrefix(a, "--command", "--file", "--list") && !inCluster(a, 'c', psqlValued) && !inCluster(a, 'f', psqlValued) && !inCluster(a, 'l', psqlValued):
			return "opens an interactive client (no -c or -f and nothing on its input)"
		}
		return ""
	},
	"gcloud": func(a []string) string {
		if len(a) > 2 && a[1] == "auth" && a[2] == "login" && !hasPrefix(a, "--cred-file") {
			return "logs in through a browser and a typed code"
		}
		return ""
	},
	"aws": func(a []string) string {
		if len(a) > 1 && a[1] == "configure" && (len(a) == 2 || strings.HasPrefix(a[2], "-") || a[2] == "sso") {
			return "asks for keys and a region"
		}
		return ""
	},
	"docker": registryLogin,
	"podman": registryLogin,
	"kubectl": func(a []string) string {
		if len(a) > 1 && (a[1] == "exec" || a[1] == "run" || a[1] == "attach") && (hasAny(a, "--stdin", "--stdin=true", "-it", "-ti") || shortFlag(a, 'i')) {
			return "opens a session that reads the terminal (-i)"
		}
		return ""
	},
}

// registryLogin: `docker login` asks for a password unless it is given
// on stdin or the command line.
func registryLogin(a []string) string {
	if len(a) > 1 && a[1] == "login" && !hasPrefix(a, "--password-stdin", "-p", "--password") {
		return "asks for a password (use --password-stdin)"
	}
	if len(a) > 1 && (a[1] == "run" || a[1] == "exec") && (hasAny(a, "-it", "-ti", "--interactive") || shortFlagBefore(a, 'i')) {
		return "opens a session that reads the terminal (-i)"
	}
	return ""
}

// subcommands are the commands named with their subcommand.
var subcommands = map[string]bool{"gcloud": true, "aws": true, "docker": true, "podman": true, "kubectl": true}

// fullScreen programs need the engineer's terminal whatever feeds them.
var fullScreen = map[string]bool{"vi": true, "vim": true, "nvim": true, "nano": true, "emacs": true, "less": true, "more": true, "top": true, "htop": true, "mysql_secure_installation": true}

func unless(a []string, flag, why string) string {
	if hasPrefix(a, flag) {
		return ""
	}
	return why
}

func hasAny(a []string, words ...string) bool {
	for _, w := range a[1:] {
		for _, x := range words {
			if w == x {
				return true
			}
		}
	}
	return false
}

// hasPrefix: an argument is one of opts, or one of them with its value
// attached (`-eSELECT`, `--execute=…`).
func hasPrefix(a []string, opts ...string) bool {
	for _, w := range a[1:] {
		for _, o := range opts {
			if strings.HasPrefix(w, o) {
				return true
			}
		}
	}
	return false
}

// The short options of sudo, mysql and psql that take a value: in a
// cluster such as `-uroot` or `-hexample.com` the rest of the word after
// one of them is that value, not more options.
const (
	sudoValued  = "CDghpRrTtUu"
	mysqlValued = "DehPpSu"
	psqlValued  = "cdfhLoPpTUvF"
)

// inCluster: the short option c is given on its own or in a cluster of
// short options (`-Ne`, `-BNe`, `-Atc`), and not inside the value of an
// option that takes one (`-hexample.com` holds no -e).
func inCluster(a []string, c rune, valued string) bool {
	for _, w := range a[1:] {
		if len(w) < 2 || w[0] != '-' || w[1] == '-' {
			continue
		}
		for _, r := range w[1:] {
			if r == c {
				return true
			}
			if strings.ContainsRune(valued, r) {
				break
			}
		}
	}
	return false
}

// clusterEnds: the short option c ends a word of short options (`-p`,
// `-Np`), so it takes no attached value; mysql's -p then asks for the
// password.
func clusterEnds(a []string, c rune, valued string) bool {
	for _, w := range a[1:] {
		if len(w) < 2 || w[0] != '-' || w[1] == '-' || rune(w[len(w)-1]) != c {
			continue
		}
		for i, r := range w[1:] {
			if i == len(w)-2 {
				return true
			}
			if strings.ContainsRune(valued, r) {
				break
			}
		}
	}
	return false
}

// shortFlag: c is in a cluster of short options (`-lf`).
func shortFlag(a []string, c rune) bool {
	for _, w := range a[1:] {
		if len(w) > 1 && w[0] == '-' && w[1] != '-' && strings.ContainsRune(w[1:], c) {
			return true
		}
	}
	return false
}

// shortFlagBefore is shortFlag among the options before the image or
// container name (docker run -i IMAGE, but not IMAGE's own -i).
func shortFlagBefore(a []string, c rune) bool {
	for _, w := range a[2:] {
		if !strings.HasPrefix(w, "-") {
			return false
		}
		if len(w) > 1 && w[1] != '-' && strings.ContainsRune(w[1:], c) {
			return true
		}
	}
	return false
}

// stdinWrappers run the command after their own options.
var stdinWrappers = map[string]bool{"sudo": true, "doas": true, "env": true, "command": true, "exec": true, "time": true, "nohup": true}

// sudoValue are sudo's options that take the next word as their value.
var sudoValue = map[string]bool{"-u": true, "-g": true, "-C": true, "-h": true, "-p": true, "-r": true, "-t": true, "-U": true, "-D": true, "-R": true, "-T": true}

// readsTerminal is why the command call (and the command a wrapper such
// as sudo runs) waits for a person; fed is set when its standard input
// comes from a redirection, a here-doc or a pipe.
func readsTerminal(args []string, fed bool) (string, string) {
	for len(args) > 0 {
		name := args[0]
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		if fullScreen[name] {
			return name, "needs a terminal of its own"
		}
		if f := terminalReaders[name]; f != nil && !fed {
			if why := f(args); why != "" {
				if subcommands[name] {
					return strings.Join(append([]string{name}, args[1:min(len(args), 3)]...), " "), why
				}
				return name, why
			}
		}
		if !stdinWrappers[name] {
			return "", ""
		}
		args = args[1:]
		for len(args) > 0 && (strings.HasPrefix(args[0], "-") || (name == "env" && strings.Contains(args[0], "="))) {
			if (name == "sudo" || name == "doas") && sudoValue[args[0]] {
				args = args[1:]
			}
			if len(args) > 0 {
				args = args[1:]
			}
		}
	}
	return "", ""
}

// feedsStdin: one of the statement's redirections gives it its standard
// input.
func feedsStdin(rs []*syntax.Redirect) bool {
	for _, r := range rs {
		if r.N != nil && r.N.Value != "0" {
			continue
		}
		switch r.Op {
		case syntax.RdrIn, syntax.RdrInOut, syntax.DplIn, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
			return true
		}
	}
	return false
}

// stdinDiagnostics warns, once per command, about the commands of a shell
// step that is not interactive which wait for the terminal.
func stdinDiagnostics(st *Step) []Diagnostic {
	var out []Diagnostic
	for _, r := range terminalReads(st, st.Code) {
		out = append(out, Diagnostic{Severity: SevWarning, Line: max(st.docLine(r.Line-1), 1), Code: "reads-terminal",
			Message: fmt.Sprintf("step %s: %s, and the step is not interactive: mark it {interactive}, or give the input another way", st.ID, r)})
	}
	return out
}

// TerminalRead is a command of a step that waits for someone to type on
// the terminal.
type TerminalRead struct {
	Line int    // 1-based line of the code
	What string // the command (`sudo`, `docker login`)
	Why  string // what it waits for
}

func (r TerminalRead) String() string { return "`" + r.What + "` " + r.Why }

// ReadsTerminal lists the commands of code (a shell step's code, or the
// command it runs) that wait for someone to type on the terminal, when
// the step is not interactive: nobody can (docs/list-json.md,
// `reads-terminal`). A step that failed is told why its input was empty.
func ReadsTerminal(st *Step, code string) []TerminalRead { return terminalReads(st, code) }

func terminalReads(st *Step, code string) []TerminalRead {
	if st.Kind != KindShell || st.Attrs.Interactive {
		return nil
	}
	f, ok := parseStepCode(st, code)
	if !ok {
		return nil // not shell, or shell-syntax says so
	}
	var out []TerminalRead
	seen := map[string]bool{}
	warn := func(pos syntax.Pos, what, why string) {
		if seen[what] {
			return
		}
		seen[what] = true
		out = append(out, TerminalRead{Line: int(pos.Line()), What: what, Why: why})
	}
	// fed holds, for each node being walked, whether its standard input
	// is given; piped are the statements on the right of a pipe.
	fed := []bool{false}
	piped := map[*syntax.Stmt]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			fed = fed[:len(fed)-1]
			return true
		}
		in := fed[len(fed)-1]
		switch n := n.(type) {
		case *syntax.Stmt:
			in = in || piped[n] || feedsStdin(n.Redirs)
		case *syntax.BinaryCmd:
			if n.Op == syntax.Pipe || n.Op == syntax.PipeAll {
				piped[n.Y] = true
			}
		case *syntax.CmdSubst, *syntax.ProcSubst:
			in = false // a new command's input is the step's again
		case *syntax.ForClause:
			if n.Select && !in {
				warn(n.Pos(), "select", "waits for a choice typed on the terminal")
			}
		case *syntax.CallExpr:
			if args := literalArgs(n); len(args) > 0 {
				if what, why := readsTerminal(args, in); what != "" {
					warn(n.Pos(), what, why)
				}
			}
		}
		fed = append(fed, in)
		return true
	})
	return out
}

// literalArgs are the call's words up to the first that is not a plain
// literal (a quoted literal counts: `read -r "line"`).
func literalArgs(c *syntax.CallExpr) []string {
	var out []string
	for _, w := range c.Args {
		s, ok := LiteralWord(w)
		if !ok {
			if len(out) == 0 {
				return nil
			}
			out = append(out, "…")
			continue
		}
		out = append(out, s)
	}
	return out
}

// LiteralWord is a shell word's text when it holds no expansion: plain,
// quoted or both (`"a"'b'c` is abc; `$x` is not literal).
func LiteralWord(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// SilentReads are the variables a shell step sets with `read -s`: what
// someone types without echo is a password, so the shell session keeps
// it as a secret (never journaled) whatever its name.
func SilentReads(st *Step) []string {
	if st == nil || st.Kind != KindShell {
		return nil
	}
	f, ok := parseStepCode(st, st.Code)
	if !ok {
		return nil
	}
	var out []string
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok {
			if args := literalArgs(c); len(args) > 0 && args[0] == "read" {
				out = append(out, silentReadNames(args[1:])...)
			}
		}
		return true
	})
	return out
}

// silentReadNames are the names a `read` with -s sets (its arguments
// after the command name): the words after the options, the -a array,
// or REPLY.
func silentReadNames(args []string) []string {
	silent := false
	var names []string
	i := 0
	for ; i < len(args); i++ {
		w := args[i]
		if w == "--" {
			i++
			break
		}
		if len(w) < 2 || w[0] != '-' {
			break
		}
		for j := 1; j < len(w); j++ {
			c := w[j]
			if c == 's' {
				silent = true
				continue
			}
			if !strings.ContainsRune("adinNptu", rune(c)) {
				continue
			}
			val := w[j+1:]
			if val == "" && i+1 < len(args) {
				i++
				val = args[i]
			}
			if c == 'a' {
				names = append(names, val)
			}
			break
		}
	}
	if !silent {
		return nil
	}
	names = append(names, args[i:]...)
	if len(names) == 0 {
		names = []string{"REPLY"}
	}
	return names
}

// parseStepCode parses a shell step's code in its dialect, placeholders
// read as words (as shellSyntax does).
func parseStepCode(st *Step, code string) (*syntax.File, bool) {
	variant, ok := shellVariant(st)
	if !ok {
		return nil, false
	}
	code = blankPlaceholders(code)
	f, err := syntax.NewParser(syntax.Variant(variant)).Parse(strings.NewReader(code), "")
	return f, err == nil
}
