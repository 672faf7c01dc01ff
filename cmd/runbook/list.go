package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/termtext"
)

// listJSON is the `runbook list --json` document (docs/list-json.md).
type listJSON struct {
	SchemaVersion int               `json:"schemaVersion"` // runbook.JSONSchemaVersion
	File          string            `json:"file"`
	Title         string            `json:"title"`
	Steps         []listStep        `json:"steps"`
	Questions     []listQuestion    `json:"questions"`
	Verified      []listVerified    `json:"verified"`
	Placeholders  []listPlaceholder `json:"placeholders"`
}

type listStep struct {
	ID           string            `json:"id"`
	Kind         string            `json:"kind"`
	Title        string            `json:"title"`
	Section      string            `json:"section"`
	Line         int               `json:"line"`
	Lang         string            `json:"lang"`
	Attrs        map[string]string `json:"attrs"`
	Placeholders []string          `json:"placeholders"`
	Hash         string            `json:"hash"`
	// Code is what would run before substitution: prompts and expected
	// output of a transcript removed, placeholders as written.
	Code     string `json:"code"`
	Inferred bool   `json:"inferred,omitempty"`
}

// listVerified is a question answered by an earlier write-back.
type listVerified struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Answer  string `json:"answer"`
	By      string `json:"by"`
	When    string `json:"when"`
	Section string `json:"section"`
	Line    int    `json:"line"`
}

type listQuestion struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Suggested string `json:"suggested"`
	Section   string `json:"section"`
	Line      int    `json:"line"`
}

type listPlaceholder struct {
	Name    string `json:"name"`
	Secret  bool   `json:"secret"`
	Default string `json:"default"`
	Lines   []int  `json:"lines"`
}

func newListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list FILE",
		Short: "List a runbook's steps, questions and placeholders with ids and lines",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			doc, err := runbook.Load(args[0])
			if err != nil {
				return err
			}
			if err := doc.Err(); err != nil {
				return err
			}
			if asJSON {
				return writeListJSON(s.out, doc)
			}
			return writeListText(s.out, doc)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in docs/list-json.md)")
	return cmd
}

func listOf(doc *runbook.Document) listJSON {
	out := listJSON{
		SchemaVersion: runbook.JSONSchemaVersion,
		File:          doc.Path,
		Title:         doc.Title,
		Steps:         make([]listStep, 0, len(doc.Steps)),
		Questions:     make([]listQuestion, 0, len(doc.Questions)),
		Verified:      make([]listVerified, 0, len(doc.Verified)),
		Placeholders:  make([]listPlaceholder, 0, len(doc.Placeholders)),
	}
	for _, st := range doc.Steps {
		attrs := st.Attrs.Raw
		if attrs == nil {
			attrs = map[string]string{}
		}
		phs := st.Placeholders
		if phs == nil {
			phs = []string{}
		}
		out.Steps = append(out.Steps, listStep{
			ID: st.ID, Kind: st.Kind.String(), Title: st.Title, Section: doc.SectionTitle(st.Section),
			Line: st.Line, Lang: st.Lang, Attrs: attrs, Placeholders: phs, Hash: st.Hash,
			Code: st.Code, Inferred: st.Inferred,
		})
	}
	for _, q := range doc.Questions {
		out.Questions = append(out.Questions, listQuestion{
			ID: q.ID, Text: q.Text, Suggested: q.Suggested, Section: doc.SectionTitle(q.Section), Line: q.Line,
		})
	}
	for _, v := range doc.Verified {
		out.Verified = append(out.Verified, listVerified{
			ID: v.ID, Text: v.Text, Answer: v.Answer, By: v.By, When: v.When, Section: doc.SectionTitle(v.Section), Line: v.Line,
		})
	}
	for _, p := range doc.Placeholders {
		lines := p.Lines
		if lines == nil {
			lines = []int{}
		}
		def := p.Default
		if p.Secret {
			def = "" // a secret's default never leaves the doc through list
		}
		out.Placeholders = append(out.Placeholders, listPlaceholder{Name: p.Name, Secret: p.Secret, Default: def, Lines: lines})
	}
	return out
}

func writeListJSON(w io.Writer, doc *runbook.Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(listOf(doc))
}

func writeListText(out io.Writer, doc *runbook.Document) error {
	// every title, question and default comes from the doc: shown escaped
	w := termtext.NewWriter(out)
	defer w.Flush()
	l := listOf(doc)
	title := l.Title
	if title == "" {
		title = "(untitled)"
	}
	fmt.Fprintf(w, "%s — %s\n", l.File, title)
	if doc.Scraped {
		fmt.Fprintln(w, "note: this document looks copied from a web page (no code fences); steps marked * were inferred from its plain lines: `runbook check` shows each fenced")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nSTEPS (%d)\n", len(l.Steps))
	inferred := false
	if len(l.Steps) > 0 {
		fmt.Fprintln(tw, "ID\tKIND\tLINE\tTITLE")
		for _, st := range l.Steps {
			kind := st.Kind
			if st.Inferred {
				kind += "*"
				inferred = true
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", st.ID, kind, st.Line, oneLine(st.Title, 72))
		}
	}
	if inferred {
		fmt.Fprintln(tw, "* inferred: the doc does not label these as commands; run all asks before running them")
	}
	fmt.Fprintf(tw, "\nQUESTIONS (%d)\n", len(l.Questions))
	if len(l.Questions) > 0 {
		fmt.Fprintln(tw, "ID\tLINE\tQUESTION")
		for _, q := range l.Questions {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", q.ID, q.Line, oneLine(q.Text, 72))
		}
	}
	fmt.Fprintf(tw, "\nPLACEHOLDERS (%d)\n", len(l.Placeholders))
	if len(l.Placeholders) > 0 {
		fmt.Fprintln(tw, "NAME\tSECRET\tDEFAULT\tLINES")
		for _, p := range l.Placeholders {
			secret := "no"
			if p.Secret {
				secret = "yes"
			}
			def := p.Default
			if def == "" {
				def = "-"
			}
			lines := make([]string, len(p.Lines))
			for i, n := range p.Lines {
				lines[i] = strconv.Itoa(n)
			}
			ls := strings.Join(lines, ",")
			if ls == "" {
				ls = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, secret, oneLine(def, 40), ls)
		}
	}
	return tw.Flush()
}

// oneLine shortens s to n runes on a single line for a table cell.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
