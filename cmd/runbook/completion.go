package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/report"
	"github.com/runbook-sh/runbook/runbook/state"
)

// Dynamic shell completion (bash, zsh, fish, PowerShell through cobra's
// `completion` command): Markdown files for FILE, the step ids of the FILE
// already on the command line for --only and --from, run names from the
// state directory for --run, formats for --format.
//
// Completion is wired here, by walking the command tree after every
// command has been built, and only when the shell asks for completions:
// the commands' own files only declare their arguments and flags, and a
// flag added to any command later is completed by name without touching
// this file.

// markdownExts are the file name extensions offered for FILE.
func markdownExts() []string { return []string{"md", "markdown"} }

// flagCompletions complete a flag by its name, on every command that has it.
func flagCompletions() map[string]cobra.CompletionFunc {
	return map[string]cobra.CompletionFunc{
		"only": completeStepIDs(true), "from": completeStepIDs(false),
		"run": completeRunNames, "format": completeFormats, "set": completeSetNames,
		"values":         cobra.FixedCompletions([]string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt),
		"state-dir":      cobra.FixedCompletions(nil, cobra.ShellCompDirectiveFilterDirs),
		"state":          cobra.FixedCompletions(nil, cobra.ShellCompDirectiveFilterDirs),
		"if-unreachable": cobra.FixedCompletions([]cobra.Completion{"ask", "wait", "local", "stop"}, cobra.ShellCompDirectiveNoFileComp),
	}
}

// isCompletionRequest reports whether args are a shell's completion
// request (cobra's hidden __complete command), the only time the
// completion functions are needed: every other start skips wiring them.
func isCompletionRequest(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// registerCompletions adds completion functions to every command of the
// tree under root that takes a FILE or has one of the completed flags.
func registerCompletions(root *cobra.Command) {
	root.ValidArgsFunction = completeRootFile
	byFlag := flagCompletions()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c != root && c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			if strings.Contains(c.Use, "FILE") {
				c.ValidArgsFunction = completeFile
			} else {
				c.ValidArgsFunction = cobra.NoFileCompletions
			}
		}
		local := c.LocalNonPersistentFlags()
		for name, fn := range byFlag {
			if local.Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
	}
	walk(root)
}

// completeFile offers Markdown files (and directories) for a command's one
// FILE argument, and nothing after it.
func completeFile(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return markdownExts(), cobra.ShellCompDirectiveFilterFileExt
}

// completeRootFile is `runbook FILE`: the shell's own file completion
// cannot be used where subcommand names are offered too, so the Markdown
// files and directories are listed here.
func completeRootFile(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	dir, _ := filepath.Split(toComplete)
	entries, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	directive := cobra.ShellCompDirectiveNoFileComp
	var out []cobra.Completion
	for _, e := range entries {
		name, typed := dir+e.Name(), toComplete[len(dir):]
		if !strings.HasPrefix(e.Name(), typed) || (strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(typed, ".")) {
			continue // hidden entries only when asked for
		}
		switch {
		case e.IsDir():
			out = append(out, name+"/")
			directive |= cobra.ShellCompDirectiveNoSpace // go on into it
		case slices.Contains(markdownExts(), strings.TrimPrefix(filepath.Ext(e.Name()), ".")):
			out = append(out, name)
		}
	}
	return out, directive
}

// completeStepIDs offers the step ids of the FILE given on the command
// line, with their titles; --only takes a comma-separated list, so the
// last element is completed and the ids already listed are not offered
// again.
func completeStepIDs(list bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		directive := cobra.ShellCompDirectiveNoFileComp
		if len(args) == 0 {
			return nil, directive
		}
		doc, err := runbook.Load(args[0])
		if err != nil {
			return nil, directive
		}
		prefix, last := "", toComplete
		var given []string
		if list {
			if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
				prefix, last = toComplete[:i+1], toComplete[i+1:]
				given = strings.Split(toComplete[:i], ",")
			}
			directive |= cobra.ShellCompDirectiveNoSpace // a comma may follow
		}
		var out []cobra.Completion
		for _, st := range doc.Steps {
			if !strings.HasPrefix(st.ID, last) || slices.Contains(given, st.ID) {
				continue
			}
			if title := oneLine(st.Title, 60); title != st.ID {
				out = append(out, cobra.CompletionWithDesc(prefix+st.ID, title))
			} else {
				out = append(out, prefix+st.ID)
			}
		}
		return out, directive
	}
}

// completeRunNames offers, for --run, the lanes of the state directory
// (--state-dir, else the one beside the FILE given, else ./.runbook) and
// then each run by its exact name (deploy.2), with when it was last
// updated. Only directory names and modification times are read, not
// journals, so that completing stays instant.
func completeRunNames(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	dir, _ := cmd.Flags().GetString("state-dir")
	if st, _ := cmd.Flags().GetString("state"); st != "" {
		// a run on S3 is completed from this machine's cache of it
		loc, err := state.Parse(st, "")
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if dir = loc.Dir; loc.S3() {
			dir, _ = loc.CacheDir()
		}
	}
	if dir == "" && len(args) > 0 {
		dir = journal.DefaultStateDir(args[0])
	}
	dir = cmp.Or(dir, ".runbook")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	type lane struct {
		runs    int
		updated time.Time
	}
	lanes := map[string]*lane{}
	var laneOrder, runs []cobra.Completion
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(dir, e.Name(), journal.JournalFile))
		if !e.IsDir() || err != nil {
			continue
		}
		name, updated := e.Name(), info.ModTime()
		if strings.HasPrefix(name, toComplete) {
			runs = append(runs, cobra.CompletionWithDesc(name, "updated "+updated.Format("2006-01-02 15:04")))
		}
		l, _ := journal.SplitRunName(name)
		if l == name || !strings.HasPrefix(l, toComplete) {
			continue
		}
		if lanes[l] == nil {
			lanes[l] = &lane{}
			laneOrder = append(laneOrder, l)
		}
		lanes[l].runs++
		if updated.After(lanes[l].updated) {
			lanes[l].updated = updated
		}
	}
	var out []cobra.Completion
	for _, l := range laneOrder {
		desc := fmt.Sprintf("lane: its latest run, or the next; %d run(s), updated %s", lanes[l].runs, lanes[l].updated.Format("2006-01-02 15:04"))
		out = append(out, cobra.CompletionWithDesc(l, desc))
	}
	return append(out, runs...), cobra.ShellCompDirectiveNoFileComp
}

func completeFormats(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	desc := map[string]string{
		"md": "the runbook annotated with each step's status and output", "html": "one self-contained page",
		"json": "everything in the journal", "junit": "JUnit XML, one testcase per step",
	}
	var out []cobra.Completion
	for _, f := range report.Formats() {
		if strings.HasPrefix(f, toComplete) {
			out = append(out, cobra.CompletionWithDesc(f, desc[f]))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSetNames offers NAME= for the placeholders, variables and
// question ids of the FILE given, which are the names --set accepts.
func completeSetNames(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	directive := cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	if len(args) == 0 || strings.Contains(toComplete, "=") {
		return nil, directive
	}
	doc, err := runbook.Load(args[0])
	if err != nil {
		return nil, directive
	}
	var out []cobra.Completion
	for name := range knownNames(doc) {
		if strings.HasPrefix(name, toComplete) {
			out = append(out, name+"=")
		}
	}
	slices.Sort(out)
	return out, directive
}
