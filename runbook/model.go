// Package runbook is the document: it parses a Markdown runbook into a model
// of sections, steps, questions and placeholders, every element carrying its
// exact byte span in the original source, and edits that source losslessly.
//
// The model never re-renders Markdown: write-back is a list of byte-range
// patches applied to Document.Source.
package runbook

import (
	"fmt"
	"time"
)

// Span is a half-open byte range [Start, End) into Document.Source.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Len is the number of bytes in the span.
func (s Span) Len() int { return s.End - s.Start }

// Contains reports whether o lies entirely inside s.
func (s Span) Contains(o Span) bool { return o.Start >= s.Start && o.End <= s.End }

// StepKind says how a step is executed.
type StepKind int

const (
	KindShell  StepKind = iota // fenced sh/bash/zsh/shell/console block
	KindSQL                    // fenced sql/mysql block
	KindManual                 // task-list item the engineer confirms
	KindCheck                  // a command from a "Check / How" table row; only run when asked
)

var kindNames = [...]string{"shell", "sql", "manual", "check"}

func (k StepKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("StepKind(%d)", int(k))
}

// MarshalText makes kinds appear by name in JSON.
func (k StepKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses a kind name.
func (k *StepKind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = StepKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown step kind %q", b)
}

// Document is a parsed runbook. Source is never modified; edits produce a
// new source (see Edit).
type Document struct {
	Path   string `json:"file"`
	Source []byte `json:"-"`
	// Hash is the hex sha256 of Source.
	Hash  string `json:"hash"`
	Title string `json:"title"`
	// Scraped is true for docs copied out of a web page (no fences, headings
	// as lines ending in ¶); they still yield sections and questions.
	Scraped bool `json:"scraped,omitempty"`

	FrontMatter  *FrontMatter   `json:"frontMatter,omitempty"`
	Sections     []*Section     `json:"sections"`
	Steps        []*Step        `json:"steps"`
	Questions    []*Question    `json:"questions"`
	Verified     []*Verified    `json:"verified,omitempty"`
	References   []*Reference   `json:"references,omitempty"`
	Placeholders []*Placeholder `json:"placeholders"`
	// ValueRows are table rows that record a placeholder's value (first
	// cell names it, a "Value" column holds it): write-back fills them
	// with the values a run discovered.
	ValueRows []*ValueRow `json:"-"`
	// Diagnostics found while parsing (unclosed fence, bad attributes, …).
	// Parse only fails outright for input that is not a Markdown text file.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// Section is a heading and everything up to the next heading of the same or
// a higher level.
type Section struct {
	ID     string `json:"id"` // slug path, e.g. "2-aws-account-prerequisites/21-networking"
	Title  string `json:"title"`
	Level  int    `json:"level"`
	Line   int    `json:"line"`
	Parent int    `json:"parent"` // index into Document.Sections, -1 for top level
	// Heading is the heading's bytes; Body runs from after the heading to the
	// start of the next heading of any level (the section's own prose).
	Heading Span `json:"-"`
	Body    Span `json:"-"`
}

// Attrs are the attributes after a fence's language, in either the
// `{name=x timeout=5m confirm}` or runme's JSON form.
type Attrs struct {
	Name            string        `json:"name,omitempty"`
	Timeout         time.Duration `json:"timeout,omitempty"`
	Confirm         bool          `json:"confirm,omitempty"`
	Cwd             string        `json:"cwd,omitempty"`
	Interactive     bool          `json:"interactive,omitempty"`
	Skip            bool          `json:"skip,omitempty"` // also excludeFromRunAll
	Run             bool          `json:"run,omitempty"`  // make a non-shell block runnable
	ContinueOnError bool          `json:"continueOnError,omitempty"`
	DoneIf          string        `json:"doneIf,omitempty"`
	Shell           string        `json:"shell,omitempty"` // interpreter override
	// Background is runme's `background`: the step is started and the
	// run moves on once it has started (ReadyIf / ReadyAfter), while it
	// keeps running; it is stopped when the run ends (docs/format.md,
	// "Session").
	Background bool `json:"background,omitempty"`
	// ReadyIf is a command polled (with a deadline) until it succeeds
	// before a background step counts as started; ReadyAfter a fixed
	// delay instead.
	ReadyIf    string        `json:"readyIf,omitempty"`
	ReadyAfter time.Duration `json:"readyAfter,omitempty"`
	// Isolated keeps a shell step out of the run's shell session: it
	// neither sees nor changes the variables, functions and working
	// directory earlier steps left behind.
	Isolated bool `json:"isolated,omitempty"`
	// Raw holds every attribute as written, for display.
	Raw map[string]string `json:"raw,omitempty"`
}

// Step is one runnable (or confirmable) unit of the checklist.
type Step struct {
	ID      string   `json:"id"`
	Kind    StepKind `json:"kind"`
	Title   string   `json:"title"`
	Section int      `json:"section"` // index into Document.Sections, -1 before the first heading
	Line    int      `json:"line"`    // first line (fence opening, task item, table row)
	EndLine int      `json:"endLine"`
	Lang    string   `json:"lang,omitempty"`
	Attrs   Attrs    `json:"attrs"`
	// Code is what runs: the block's content, or for console blocks the
	// `$ ` commands joined by newlines; for manual steps the item's text.
	Code string `json:"code"`
	// Console blocks keep the documented output to compare against.
	Console  bool   `json:"console,omitempty"`
	Expected string `json:"expected,omitempty"`
	// Placeholders are the names used in Code, in order of first use.
	Placeholders []string `json:"placeholders,omitempty"`
	// Outputs are the placeholders the step's code may write to
	// $RUNBOOK_OUTPUT (`name=value` or `name<<EOF` where the code uses
	// it), found by reading the code: a run does not ask for them before
	// the step runs.
	Outputs []string `json:"outputs,omitempty"`
	// Hash is a short hex digest of kind, lang, code and the attributes that
	// change behaviour: a resumed run uses it to flag steps that changed.
	Hash string `json:"hash"`
	// Checked is true for a task item already ticked in the doc.
	Checked bool `json:"checked,omitempty"`
	// Inferred is true for a step the document did not label as one: an
	// unlabelled fence whose lines are commands, a console block without
	// prompts, commands recovered from a page copied out of a browser.
	// "Run all" asks once before running inferred steps.
	Inferred bool `json:"inferred,omitempty"`
	// Shell is the program that runs the code and the grammar it is read
	// in, decided by the parser (ResolveInterp); read it with Interpreter.
	Shell Interp `json:"-"`

	Span     Span `json:"-"` // whole block / item / row
	CodeSpan Span `json:"-"` // content only
	// Box is the "[ ]" of a task item (what Tick rewrites); zero otherwise.
	Box Span `json:"-"`

	// codeLine0 is the document line of the code's first line (0 when
	// unknown); codeLines, for code taken from a transcript, holds the
	// offset from codeLine0 of each line of Code.
	codeLine0 int
	codeLines []int
}

// BlockKind is where a question sits.
type BlockKind int

const (
	InParagraph BlockKind = iota
	InListItem
	InTableCell
	InBlockQuote
)

var blockKindNames = [...]string{"paragraph", "list-item", "table-cell", "block-quote"}

func (b BlockKind) String() string {
	if int(b) < len(blockKindNames) {
		return blockKindNames[b]
	}
	return fmt.Sprintf("BlockKind(%d)", int(b))
}

// MarshalText makes block kinds appear by name in JSON.
func (b BlockKind) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Question is an open `[VERIFY]` item.
type Question struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	Suggested string    `json:"suggested,omitempty"`
	Section   int       `json:"section"`
	Line      int       `json:"line"`
	In        BlockKind `json:"in"`
	// Marker is the `[VERIFY]` bytes plus one following space if present.
	Marker Span `json:"-"`
	// Text is where the question's text sits; the answer is written right
	// after it, inside Block.
	TextSpan Span `json:"-"`
	Block    Span `json:"-"`
}

// Verified is a question answered by an earlier write-back.
type Verified struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Answer  string `json:"answer"`
	By      string `json:"by,omitempty"`
	When    string `json:"when,omitempty"`
	Section int    `json:"section"`
	Line    int    `json:"line"`
	Span    Span   `json:"-"`
}

// Reference is a non-runnable code block shown with its section.
type Reference struct {
	Lang    string `json:"lang,omitempty"`
	Section int    `json:"section"`
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Span    Span   `json:"-"`
}

// ValueRow is a table row whose first cell names a placeholder (`<name>`,
// `name`, in a code span or not), in a table with a value column: a
// header cell with the word "value", or the second of two columns headed
// Name, Variable, Placeholder, Parameter, Key, Setting or Field.
type ValueRow struct {
	Name string // the placeholder's name (PlaceholderName)
	Line int
	Row  Span // the row's bytes, without its line break
	Col  int  // the value column, 0-based
}

// ValueRow returns the first table row recording placeholder name, or nil.
func (d *Document) ValueRow(name string) *ValueRow {
	for _, r := range d.ValueRows {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Placeholder is a value asked once per run and reused in every step.
type Placeholder struct {
	Name    string `json:"name"`
	Secret  bool   `json:"secret"`
	Default string `json:"default,omitempty"`
	Lines   []int  `json:"lines"`
	// Var is the front-matter declaration, if any.
	Var *Variable `json:"-"`
}

// FrontMatter is the optional YAML header.
type FrontMatter struct {
	Span Span `json:"-"`
	Line int  `json:"line"`
	// Title is runme's `title`: it names the document.
	Title string `json:"title,omitempty"`
	// Cwd is runme's `cwd`: the working directory of every step that sets
	// none, relative to the document.
	Cwd       string      `json:"cwd,omitempty"`
	Variables []*Variable `json:"variables,omitempty"`
	MySQL     *MySQL      `json:"mysql,omitempty"`
	AWS       *AWSGuard   `json:"aws,omitempty"`
	// Shell runs the doc's sh/shell/console blocks instead of bash
	// (`shell: sh` for POSIX sh).
	Shell string `json:"shell,omitempty"`
	// Session is `isolated` when no shell state carries over between
	// the doc's steps (each runs in a fresh shell), "" (or `shared`) for
	// one terminal session (docs/format.md, "Session").
	Session string `json:"session,omitempty"`
	// State is where the doc's runs live (`state:`): a directory,
	// relative to the doc, or s3://bucket/prefix (docs/team.md).
	State     string `json:"state,omitempty"`
	StateLine int    `json:"-"`
}

// SessionIsolated reports whether the doc's front matter turns the shell
// session off: every step runs in a fresh shell.
func (d *Document) SessionIsolated() bool {
	return d.FrontMatter != nil && d.FrontMatter.Session == SessionIsolated
}

// The values of the front matter's `session`.
const (
	SessionShared   = "shared"
	SessionIsolated = "isolated"
)

// Variable is a front-matter variable declaration.
type Variable struct {
	Name    string `json:"name" yaml:"-"`
	Prompt  string `json:"prompt,omitempty" yaml:"prompt"`
	Default string `json:"default,omitempty" yaml:"default"`
	Pattern string `json:"pattern,omitempty" yaml:"pattern"`
	Secret  bool   `json:"secret,omitempty" yaml:"secret"`
	// Source is where the value comes from: env:NAME,
	// aws-secretsmanager:ID[#key], aws-ssm:/name.
	Source string `json:"source,omitempty" yaml:"source"`
	Line   int    `json:"line" yaml:"-"`
	// DefaultSpan is the bytes of the default's YAML scalar (empty span when
	// there is none), so SetDefault can patch it in place.
	DefaultSpan Span `json:"-" yaml:"-"`
}

// MySQL is the connection for SQL steps; DSN may contain placeholders.
type MySQL struct {
	DSN string `json:"dsn,omitempty" yaml:"dsn"`
}

// AWSGuard pins the account and region a doc may run against.
type AWSGuard struct {
	Account string `json:"account,omitempty" yaml:"account"`
	Region  string `json:"region,omitempty" yaml:"region"`
	Profile string `json:"profile,omitempty" yaml:"profile"`
}

// Severity of a Diagnostic.
type Severity int

const (
	SevError Severity = iota
	SevWarning
)

func (s Severity) String() string {
	if s == SevWarning {
		return "warning"
	}
	return "error"
}

// MarshalText makes severities appear by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is a problem found in a document.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Line     int      `json:"line"`
	Code     string   `json:"code"` // short stable id, e.g. "unclosed-fence"
	Message  string   `json:"message"`
	// Suggestion is text to put in the document instead (e.g. the fenced
	// Markdown an inferred step came from), "" when there is none.
	Suggestion string `json:"suggestion,omitempty"`
}

// Error is a bad-input error that names the file and line; the CLI maps it
// to exit code 2.
type Error struct {
	Path string
	Line int // 0 when no line applies
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Step returns the step with the given id, or nil.
func (d *Document) Step(id string) *Step {
	for _, s := range d.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Question returns the open question with the given id, or nil.
func (d *Document) Question(id string) *Question {
	for _, q := range d.Questions {
		if q.ID == id {
			return q
		}
	}
	return nil
}

// Placeholder returns the placeholder with the given name, or nil.
func (d *Document) Placeholder(name string) *Placeholder {
	for _, p := range d.Placeholders {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// SectionTitle returns the title of section i, or "" for -1.
func (d *Document) SectionTitle(i int) string {
	if i < 0 || i >= len(d.Sections) {
		return ""
	}
	return d.Sections[i].Title
}
