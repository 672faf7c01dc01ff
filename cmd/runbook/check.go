package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

// checkJSON is the `runbook check --json` document (docs/list-json.md).
type checkJSON struct {
	SchemaVersion int                  `json:"schemaVersion"` // runbook.JSONSchemaVersion
	File          string               `json:"file"`
	Errors        int                  `json:"errors"`
	Warnings      int                  `json:"warnings"`
	Diagnostics   []runbook.Diagnostic `json:"diagnostics"`
}

func newCheckCmd(s *streams) *cobra.Command {
	var (
		asJSON bool
		dsn    string
	)
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Lint a runbook: unclosed fences, bad front matter, shell syntax, open questions, placeholders",
		Long: `Lint a runbook without running anything.

Errors: unclosed code fences, malformed front matter, unknown or bad
attributes, shell syntax errors. Warnings: unanswered [VERIFY] questions,
placeholders with no default or source, SQL steps with no connection,
documents copied from web pages or saved in the wrong encoding.

Exit status: 0 clean or warnings only, 1 errors, 2 unreadable, binary or
not Markdown.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			doc, err := runbook.Load(args[0])
			if err != nil {
				return err
			}
			if dsn == "" {
				dsn = os.Getenv("RUNBOOK_MYSQL_DSN")
			}
			diags := runbook.Lint(doc, runbook.LintOptions{MySQLDSN: dsn != ""})
			res := checkJSON{SchemaVersion: runbook.JSONSchemaVersion, File: doc.Path, Diagnostics: diags}
			if res.Diagnostics == nil {
				res.Diagnostics = []runbook.Diagnostic{}
			}
			for _, d := range diags {
				if d.Severity == runbook.SevError {
					res.Errors++
				} else {
					res.Warnings++
				}
			}
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				out := termtext.NewWriter(s.out) // messages quote the doc
				defer out.Flush()
				for _, d := range diags {
					fmt.Fprintf(out, "%s:%d: %s: %s\n", doc.Path, d.Line, d.Severity, d.Message)
					if d.Suggestion != "" {
						for l := range strings.SplitSeq(d.Suggestion, "\n") {
							fmt.Fprintf(out, "    %s\n", l)
						}
					}
				}
				fmt.Fprintf(out, "%s: %s\n", doc.Path, summary(res.Errors, res.Warnings))
			}
			if res.Errors > 0 {
				return &failedError{msg: fmt.Sprintf("%s: %s", doc.Path, summary(res.Errors, res.Warnings)), silent: true}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in docs/list-json.md)")
	cmd.Flags().StringVar(&dsn, "mysql-dsn", "", "MySQL connection for SQL steps (default $RUNBOOK_MYSQL_DSN); only whether one is set matters here")
	return cmd
}

func summary(errs, warns int) string {
	if errs == 0 && warns == 0 {
		return "no problems found"
	}
	return plural(errs, "error") + ", " + plural(warns, "warning")
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
