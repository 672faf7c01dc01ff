package main

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Man pages are written from the command tree itself, so they say what
// --help says. They are generated here rather than with cobra/doc: that
// package converts through Markdown with go-md2man and blackfriday, which
// would add ≈250 KB to the binary and ≈0.35 ms of package initialisation
// (blackfriday's entity table) to every start of runbook, for a command
// the release build runs once.

// newManCmd is `runbook man DIR`: one page per command (runbook.1,
// runbook-run.1, …). Hidden: the release build runs it, users read the
// pages it writes.
func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return usagef("man: %v", err)
			}
			return writeManPages(cmd.Root(), args[0], manDate())
		},
	}
}

// manDate is the pages' date: the release's commit date, else
// SOURCE_DATE_EPOCH (reproducible builds), else today. A snapshot of an
// untagged tree has a zero commit date, which is no date.
func manDate() time.Time {
	if t, err := time.Parse(time.RFC3339, date); err == nil && t.Year() > 1970 {
		return t.UTC()
	}
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return time.Now().UTC()
}

// writeManPages writes a page for root and every command under it that
// --help lists.
func writeManPages(root *cobra.Command, dir string, when time.Time) error {
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		cmds = append(cmds, c)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				walk(sub)
			}
		}
	}
	walk(root)
	for _, c := range cmds {
		path := filepath.Join(dir, manName(c)+".1")
		if err := os.WriteFile(path, manPage(c, when), 0o644); err != nil {
			return fmt.Errorf("man: %w", err)
		}
	}
	return nil
}

// manName is "runbook-report" for `runbook report`.
func manName(c *cobra.Command) string { return strings.ReplaceAll(c.CommandPath(), " ", "-") }

// manPage is one command's page in man(7) roff.
func manPage(c *cobra.Command, when time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, ".TH %q 1 %q %q \"User Commands\"\n", strings.ToUpper(manName(c)), when.Format("2006-01-02"), "runbook "+releaseVersion())
	b.WriteString(".nh\n.ad l\n") // no hyphenation, ragged right: names and options stay whole
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", manName(c), roff(c.Short))
	b.WriteString(".SH SYNOPSIS\n")
	if c.Runnable() {
		fmt.Fprintf(&b, ".B %s\n", roff(c.CommandPath()))
		if rest := strings.TrimSpace(strings.TrimPrefix(c.Use, c.Name())); rest != "" || c.HasAvailableLocalFlags() {
			fmt.Fprintf(&b, "%s\n", synopsisArgs(c, rest))
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, ".br\n.B %s\n\\fICOMMAND\\fR [\\fIflags\\fR]\n", roff(c.CommandPath()))
	}
	b.WriteString(".SH DESCRIPTION\n")
	b.WriteString(manText(cmp.Or(c.Long, c.Short)))
	if c.HasAvailableSubCommands() {
		b.WriteString(".SH COMMANDS\n")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(&b, ".TP\n\\fB%s\\fR(1)\n%s\n", manName(sub), roff(sub.Short))
			}
		}
	}
	writeFlags(&b, "OPTIONS", c.NonInheritedFlags())
	writeFlags(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", c.InheritedFlags())
	if !c.HasParent() {
		b.WriteString(manRootSections)
	}
	b.WriteString(".SH SEE ALSO\n")
	var see []string
	if c.HasParent() {
		see = append(see, manName(c.Parent()))
	}
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
			see = append(see, manName(sub))
		}
	}
	for i, s := range see {
		sep := ",\n"
		if i == len(see)-1 {
			sep = "\n"
		}
		fmt.Fprintf(&b, "\\fB%s\\fR(1)%s", s, sep)
	}
	return b.Bytes()
}

// synopsisArgs is the part of the synopsis after the command's name:
// "[flags] FILE" with the arguments in italics.
func synopsisArgs(c *cobra.Command, rest string) string {
	var parts []string
	if c.HasAvailableLocalFlags() {
		parts = append(parts, "[\\fIflags\\fR]")
	}
	for _, a := range strings.Fields(rest) {
		word := strings.Trim(a, "[]")
		styled := "\\fI" + roff(word) + "\\fR"
		if word != a {
			styled = "[" + styled + "]"
		}
		parts = append(parts, styled)
	}
	return strings.Join(parts, " ")
}

func writeFlags(b *bytes.Buffer, title string, fs *pflag.FlagSet) {
	var flags []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			flags = append(flags, f)
		}
	})
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(b, ".SH %s\n", title)
	for _, f := range flags {
		name, usage := pflag.UnquoteUsage(f)
		head := "\\fB\\-\\-" + optName(f.Name) + "\\fR"
		if f.Shorthand != "" {
			head = "\\fB\\-" + optName(f.Shorthand) + "\\fR, " + head
		}
		if name != "" {
			head += " \\fI" + roff(name) + "\\fR"
		}
		if def := f.DefValue; def != "" && def != "false" && def != "[]" && def != "0" {
			usage += " (default: " + def + ")"
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", head, roff(usage))
	}
}

// manRootSections close the main page: what every command shares.
const manRootSections = `.SH EXIT STATUS
.TP
\fB0\fR
success
.TP
\fB1\fR
a step or a check failed (or a run was interrupted)
.TP
\fB2\fR
bad usage or bad input: a one-line \fIFILE\fR:\fILINE\fR error, nothing written
.SH ENVIRONMENT
.TP
\fBRUNBOOK_VAR_\fR\fINAME\fR
a value for the placeholder or variable \fINAME\fR
.TP
\fBRUNBOOK_MYSQL_DSN\fR
the MySQL connection for SQL steps when \fB\-\-mysql\-dsn\fR is not given
.TP
\fBNO_COLOR\fR
when set to a non-empty value, no colours (https://no-color.org)
.TP
\fBVISUAL\fR, \fBEDITOR\fR
the editor for a step's command or a note
.SH FILES
.TP
\fI.runbook/\fR
the state directory beside the runbook: one directory per run with its journal, step logs and lock
`

// manText turns help text into roff paragraphs: a blank line starts a new
// paragraph, indented lines are kept as they are (lists of formats,
// examples).
func manText(s string) string {
	var b strings.Builder
	inVerbatim := false
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		b.WriteString(".PP\n")
		for _, line := range strings.Split(para, "\n") {
			indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
			switch {
			case indented && !inVerbatim:
				b.WriteString(".nf\n")
				inVerbatim = true
			case !indented && inVerbatim:
				b.WriteString(".fi\n")
				inVerbatim = false
			}
			b.WriteString(roff(line) + "\n")
		}
		if inVerbatim {
			b.WriteString(".fi\n")
			inVerbatim = false
		}
	}
	return b.String()
}

// optName is an option's name with its hyphens as the ASCII minus that
// must be typed (a bare "-" may print as a typographic hyphen).
func optName(s string) string { return strings.ReplaceAll(roff(s), "-", `\-`) }

// roff escapes text for a roff line: backslashes, and a line that would
// otherwise start with a control character.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
