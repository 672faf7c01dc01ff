package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestManPages runs `runbook man DIR` and checks that every command --help
// lists has a page naming each of its flags, the hidden ones none, and,
// where groff is installed, that groff reads every page without a warning.
func TestManPages(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1795511554") // 2026-11-24
	dir := t.TempDir()
	if _, errs, code := runCLI(t, "man", dir); code != 0 {
		t.Fatalf("man: exit %d: %s", code, errs)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, e := range entries {
		pages = append(pages, e.Name())
	}
	want := []string{"runbook-check.1", "runbook-completion-bash.1", "runbook-completion-fish.1", "runbook-completion-powershell.1",
		"runbook-completion-zsh.1", "runbook-completion.1", "runbook-demo.1", "runbook-list.1", "runbook-report.1",
		"runbook-run.1", "runbook-status.1", "runbook-sync.1", "runbook-version.1", "runbook.1"}
	if !slices.Equal(pages, want) {
		t.Errorf("pages %q\nwant %q", pages, want)
	}

	root := newRootCmd(&streams{})
	root.InitDefaultCompletionCmd()
	for _, c := range append(root.Commands(), root) {
		if !c.IsAvailableCommand() && c != root {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, manName(c)+".1"))
		if err != nil {
			t.Error(err)
			continue
		}
		page := string(b)
		if !strings.HasPrefix(page, `.TH "`+strings.ToUpper(manName(c))+`" 1 "2026-11-24" "runbook `) {
			t.Errorf("%s: header %q", manName(c), strings.SplitN(page, "\n", 2)[0])
		}
		c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(page, `\fB\-\-`+strings.ReplaceAll(f.Name, "-", `\-`)+`\fR`) {
				t.Errorf("%s: no entry for --%s", manName(c), f.Name)
			}
		})
	}

	if _, err := exec.LookPath("groff"); err != nil {
		t.Log("groff not installed: pages not checked with it")
		return
	}
	for _, p := range pages {
		out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", filepath.Join(dir, p)).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v %s", p, err, out)
		}
	}
}

// TestManPageText pins the roff of one page of a small command tree.
func TestManPageText(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "1.2.3"
	root := &cobra.Command{Use: "tool", Short: "Do things"}
	sub := &cobra.Command{Use: "go FILE [NAME]", Short: "Go somewhere", Run: func(*cobra.Command, []string) {},
		Long: "Go to FILE.\n\nFormats:\n  a  the first\n  b  the second\n.dot starts this line \\ with a backslash."}
	sub.Flags().StringP("output", "o", "", "write to `PATH`")
	sub.Flags().String("state-dir", ".x", "state directory")
	sub.Flags().Bool("yes", false, "ask nothing")
	sub.Flags().Bool("secret", false, "hidden")
	_ = sub.Flags().MarkHidden("secret")
	root.AddCommand(sub)
	got := string(manPage(sub, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)))
	want := `.TH "TOOL-GO" 1 "2026-11-24" "runbook 1.2.3" "User Commands"
.nh
.ad l
.SH NAME
tool-go \- Go somewhere
.SH SYNOPSIS
.B tool go
[\fIflags\fR] \fIFILE\fR [\fINAME\fR]
.SH DESCRIPTION
.PP
Go to FILE.
.PP
Formats:
.nf
  a  the first
  b  the second
.fi
\&.dot starts this line \e with a backslash.
.SH OPTIONS
.TP
\fB\-o\fR, \fB\-\-output\fR \fIPATH\fR
write to PATH
.TP
\fB\-\-state\-dir\fR \fIstring\fR
state directory (default: .x)
.TP
\fB\-\-yes\fR
ask nothing
.SH SEE ALSO
\fBtool\fR(1)
`
	if got != want {
		t.Errorf("page:\n%s\nwant:\n%s", got, want)
	}
}
