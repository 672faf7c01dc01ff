package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// SchemaVersion is the JSON report's "schemaVersion": the version of every
// JSON output of runbook (runbook.JSONSchemaVersion). Adding optional
// fields keeps it; renaming, removing or changing the meaning of one bumps
// it (docs/report.schema.json describes the current version).
const SchemaVersion = runbook.JSONSchemaVersion

// SchemaID is the JSON report's "$schema".
const SchemaID = "https://runbook.sh/schema/report/v2.json"

type jsonReport struct {
	Schema        string         `json:"$schema"`
	SchemaVersion int            `json:"schemaVersion"`
	Generated     time.Time      `json:"generatedAt"`
	Run           jsonRun        `json:"run"`
	Document      jsonDocument   `json:"document"`
	Identity      *jsonIdentity  `json:"identity"`
	Sections      []jsonSection  `json:"sections"`
	Steps         []jsonStep     `json:"steps"`
	Questions     []jsonQuestion `json:"questions"`
	Variables     []jsonVariable `json:"variables"`
	Notes         []jsonNote     `json:"notes"`
	// Session is the shell session as the run left it; Outputs the named
	// outputs confirmed.
	Session []jsonChange   `json:"session"`
	Outputs []jsonOutput   `json:"outputs"`
	Events  []journalEvent `json:"events"`
}

// jsonChange is a change to the shell session (a step's), or a value of
// it (the run's).
type jsonChange struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Unset  bool   `json:"unset,omitempty"`
	Secret bool   `json:"secret,omitempty"`
	Step   string `json:"step,omitempty"`
}

type jsonOutput struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Secret  bool   `json:"secret"`
	Step    string `json:"step"`
	Written bool   `json:"written"`
}

func jsonChanges(cs []changeView) []jsonChange {
	out := make([]jsonChange, len(cs))
	for i, c := range cs {
		out[i] = jsonChange(c)
	}
	return out
}

// jsonRun is the run as `runbook status --json` shows it (the same
// fields, from the same journal.RunView), and its sessions.
type jsonRun struct {
	journal.RunJSON
	Sessions []jsonSession `json:"sessions"`
}

type jsonSession struct {
	Kind string    `json:"kind"`
	Who  string    `json:"who"`
	Host string    `json:"host"`
	Time time.Time `json:"time"`
}

type jsonDocument struct {
	File        string `json:"file"`
	Title       string `json:"title"`
	Hash        string `json:"hash"`
	HashAtStart string `json:"hashAtStart"`
	Changed     bool   `json:"changed"`
}

type jsonIdentity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	Region  string `json:"region"`
}

type jsonSection struct {
	Index  int            `json:"index"`
	ID     string         `json:"id"`
	Title  string         `json:"title"`
	Level  int            `json:"level"`
	Line   int            `json:"line"`
	Parent int            `json:"parent"`
	Path   []string       `json:"path"`
	Status string         `json:"status"`
	Counts map[string]int `json:"counts"`
}

type jsonStep struct {
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	Kind         string        `json:"kind"`
	InDocument   bool          `json:"inDocument"`
	Section      string        `json:"section"` // the innermost section's title, as `runbook list --json` has it
	SectionIndex int           `json:"sectionIndex"`
	Path         []string      `json:"path"`
	Line         int           `json:"line"`
	EndLine      int           `json:"endLine"`
	Status       string        `json:"status"`
	Was          string        `json:"was,omitempty"`
	Counted      bool          `json:"counted"`
	Hash         string        `json:"hash"`
	RunHash      string        `json:"runHash"`
	Note         string        `json:"note"`
	Edited       string        `json:"editedCommand"`
	DurationMS   int64         `json:"durationMs"`
	Attempts     []jsonAttempt `json:"attempts"`
}

type jsonAttempt struct {
	N          int          `json:"n"`
	Started    *time.Time   `json:"started"`
	DurationMS int64        `json:"durationMs"`
	Command    string       `json:"command"`
	ExitCode   *int         `json:"exitCode"`
	Status     string       `json:"status"`
	Error      string       `json:"error"`
	Log        string       `json:"log"`
	Output     *jsonExcerpt `json:"output"`
	// Session is what the attempt changed in the shell session; Outputs
	// the names of its named outputs the engineer confirmed.
	Session []jsonChange `json:"session"`
	Outputs []string     `json:"outputs"`
}

type jsonExcerpt struct {
	Path  string   `json:"path"`
	Bytes int64    `json:"bytes"`
	Lines int      `json:"lines"`
	Cut   int      `json:"cut"`
	Head  []string `json:"head"`
	Tail  []string `json:"tail"`
	Error string   `json:"error"`
}

type jsonQuestion struct {
	ID           string     `json:"id"`
	Text         string     `json:"text"`
	Section      string     `json:"section"` // the innermost section's title, as `runbook list --json` has it
	SectionIndex int        `json:"sectionIndex"`
	Line         int        `json:"line"`
	State        string     `json:"state"`
	Answer       string     `json:"answer"`
	Who          string     `json:"who"`
	Time         *time.Time `json:"time"`
	Written      bool       `json:"written"`
}

type jsonVariable struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	Set        bool   `json:"set"`
	Secret     bool   `json:"secret"`
	Source     string `json:"source"`
	InDocument bool   `json:"inDocument"`
}

type jsonNote struct {
	Step string    `json:"step"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// journalEvent is a journal line as written, times in UTC.
type journalEvent = journal.Event

// JSON writes everything in the run as one versioned document
// (docs/report.schema.json).
func JSON(w io.Writer, in Input) error {
	v, err := buildView(in)
	if err != nil {
		return err
	}
	run := v.RV.JSON(v.Run, v.RunDir)
	run.Doc, run.Who, run.Host = v.mask.s(run.Doc), v.Who, v.Host
	r := jsonReport{
		Schema:        SchemaID,
		SchemaVersion: SchemaVersion,
		Generated:     v.Generated.UTC(),
		Run:           jsonRun{RunJSON: run, Sessions: []jsonSession{}},
		Document: jsonDocument{File: v.DocFile, Title: v.Title, Hash: v.DocHash,
			HashAtStart: v.RunDocHash, Changed: v.RunDocHash != ""},
		Sections:  []jsonSection{},
		Steps:     []jsonStep{},
		Questions: []jsonQuestion{},
		Variables: []jsonVariable{},
		Notes:     []jsonNote{},
		Session:   jsonChanges(v.Session),
		Outputs:   []jsonOutput{},
		Events:    []journalEvent{},
	}
	for _, o := range v.Outputs {
		r.Outputs = append(r.Outputs, jsonOutput(o))
	}
	if r.Document.HashAtStart == "" {
		r.Document.HashAtStart = v.DocHash
	}
	for _, s := range v.Sessions {
		r.Run.Sessions = append(r.Run.Sessions, jsonSession{s.Kind, s.Who, s.Host, s.Time.UTC()})
	}
	if v.Identity != nil {
		r.Identity = &jsonIdentity{v.Identity.Account, v.Identity.ARN, v.Identity.Region}
	}
	for _, s := range v.Sections {
		r.Sections = append(r.Sections, jsonSection{Index: s.Index, ID: s.ID, Title: s.Title, Level: s.Level,
			Line: s.Line, Parent: s.Parent, Path: s.Path, Status: string(worst(s.Counts)), Counts: countsJSON(s.Counts)})
	}
	for _, s := range append(append([]*stepView(nil), v.Steps...), v.Orphans...) {
		js := jsonStep{ID: s.ID, Title: s.Title, Kind: s.Kind, InDocument: s.Step != nil, Section: v.sectionTitle(s.Section),
			SectionIndex: s.Section, Path: s.Path, Line: s.Line, EndLine: s.EndLine, Status: string(s.Status),
			Was: string(s.Was), Counted: s.Counted,
			Hash: s.Hash, RunHash: s.RunHash, Note: s.Note, Edited: s.Edited,
			DurationMS: s.total().Milliseconds(), Attempts: []jsonAttempt{}}
		if js.Path == nil {
			js.Path = []string{}
		}
		for _, a := range s.Attempts {
			ja := jsonAttempt{N: a.N, Started: timePtr(a.Started), DurationMS: a.Duration.Milliseconds(),
				Command: a.Command, ExitCode: a.ExitCode, Status: string(a.Status), Error: a.Error, Log: a.Log,
				Session: jsonChanges(a.Changes), Outputs: nonNil(a.Outputs)}
			if x := a.Excerpt; x != nil {
				ja.Output = &jsonExcerpt{Path: x.Path, Bytes: x.Bytes, Lines: x.Lines, Cut: x.Cut,
					Head: nonNil(x.Head), Tail: nonNil(x.Tail), Error: x.Err}
			}
			js.Attempts = append(js.Attempts, ja)
		}
		r.Steps = append(r.Steps, js)
	}
	for _, q := range v.Questions {
		r.Questions = append(r.Questions, jsonQuestion{ID: q.ID, Text: q.Text, Section: v.sectionTitle(q.Section), SectionIndex: q.Section, Line: q.Line,
			State: string(q.State), Answer: q.Answer, Who: q.Who, Time: timePtr(q.Time), Written: q.Written})
	}
	for _, x := range v.Vars {
		r.Variables = append(r.Variables, jsonVariable(x))
	}
	for _, n := range v.Notes {
		r.Notes = append(r.Notes, jsonNote{n.Step, n.Text, n.Time.UTC()})
	}
	for _, e := range v.Events {
		e.Time = e.Time.UTC()
		r.Events = append(r.Events, e)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// sectionTitle is a section's title by index, "" before the first
// heading (masked, like every title in the report).
func (v *view) sectionTitle(i int) string {
	if sec := v.section(i); sec != nil {
		return sec.Title
	}
	return ""
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func countsJSON(c map[journal.Status]int) map[string]int {
	out := map[string]int{}
	for s, n := range c {
		if n > 0 {
			out[string(s)] = n
		}
	}
	return out
}
