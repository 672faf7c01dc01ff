// Package report exports a run (the document plus its replayed journal) as
// a completion report: the annotated runbook in Markdown, one
// self-contained HTML page, versioned JSON and JUnit XML.
//
// Every format is built from the same view of the run (see buildView), so
// they never disagree about a step's status. Every string that comes from
// the journal, the logs or the document passes through the masker first:
// the engine already masks secrets, Input.Secrets is a second line of
// defence.
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// Input is everything a report is made of.
type Input struct {
	Doc    *runbook.Document
	State  *journal.State
	Events []journal.Event
	// RunDir is the run's directory; attempt logs are relative to it.
	RunDir string
	// Secrets are extra values to mask, defence in depth: the engine masks
	// them before anything reaches the journal or the logs.
	Secrets []string
	// Now is the report's generation time (tests pin it).
	Now time.Time
	// Live says a runbook process has the run open right now. When it does
	// not, a step the journal still has running was running when runbook
	// stopped: it is shown as interrupted, as the engine will record it on
	// resume.
	Live bool
}

// formatNames are the report formats, in the order the CLI shows them.
var formatNames = []string{"md", "html", "json", "junit"}

// Formats returns the supported format names.
func Formats() []string { return append([]string(nil), formatNames...) }

// Write renders the report in the named format.
func Write(w io.Writer, format string, in Input) error {
	switch format {
	case "md", "markdown":
		return Markdown(w, in)
	case "html":
		return HTML(w, in)
	case "json":
		return JSON(w, in)
	case "junit", "xml":
		return JUnit(w, in)
	}
	return fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(formatNames, ", "))
}

// ContentType is the MIME type of a format, for uploads.
func ContentType(format string) string {
	switch format {
	case "md", "markdown":
		return "text/markdown; charset=utf-8"
	case "html":
		return "text/html; charset=utf-8"
	case "json":
		return "application/json"
	case "junit", "xml":
		return "application/xml"
	}
	return "application/octet-stream"
}

// Extension is the usual file extension of a format, with the dot.
func Extension(format string) string {
	switch format {
	case "md", "markdown":
		return ".md"
	case "html":
		return ".html"
	case "json":
		return ".json"
	case "junit", "xml":
		return ".xml"
	}
	return ""
}

// statusOrder is the order statuses appear in counts and legends: the ones
// that need attention first.
var statusOrder = []journal.Status{
	journal.Failed, journal.TimedOut, journal.Interrupted, journal.Stale,
	journal.Running, journal.Pending, journal.OK, journal.AlreadyDone,
	journal.DoneByHand, journal.Skipped,
}

// statusIcons are shown with every status so the report reads without
// colour: emoji in Markdown (GitHub renders them), and in HTML symbols every
// text font has (DejaVu, Segoe UI Symbol, Apple Symbols), so the page looks
// the same without an emoji font and when printed.
var statusIcons = map[journal.Status]struct{ md, html string }{
	journal.OK:          {"✅", "✔"},
	journal.Failed:      {"❌", "✘"},
	journal.Skipped:     {"⏭", "↷"},
	journal.DoneByHand:  {"✋", "✍"},
	journal.Pending:     {"⏸", "○"},
	journal.Stale:       {"⚠", "⚠"},
	journal.Interrupted: {"⏹", "■"},
	journal.TimedOut:    {"⌛", "◔"},
	journal.AlreadyDone: {"✔", "☑"},
	journal.Running:     {"▶", "▶"},
}

// statusIcon is a status's Markdown icon.
func statusIcon(s journal.Status) string {
	if i, ok := statusIcons[s]; ok {
		return i.md
	}
	return "•"
}

// htmlIcon is a status's HTML icon, forced to text presentation.
func htmlIcon(s journal.Status) string {
	if s == "" {
		s = journal.Pending
	}
	i, ok := statusIcons[s]
	if !ok {
		return "•\ufe0e"
	}
	return i.html + "\ufe0e"
}

// statusText is the human name of a status.
func statusText(s journal.Status) string {
	switch s {
	case journal.DoneByHand:
		return "done by hand"
	case journal.TimedOut:
		return "timed out"
	case journal.AlreadyDone:
		return "already done"
	case "":
		return "pending"
	}
	return string(s)
}

func statusLabel(s journal.Status) string { return statusIcon(s) + " " + statusText(s) }

// attention reports whether a status means someone should look at it.
func attention(s journal.Status) bool {
	switch s {
	case journal.Failed, journal.TimedOut, journal.Interrupted, journal.Stale:
		return true
	}
	return false
}

// view is the run as every format shows it: masked, ordered, resolved.
type view struct {
	in   Input
	mask *masker

	Title      string
	DocFile    string
	DocHash    string
	RunDocHash string // the doc's hash when the run started (if it differs)
	Run        string
	RunDir     string
	Who, Host  string
	Started    time.Time
	Updated    time.Time
	FinishedAt time.Time // zero while the run is unfinished
	// RV is the run as every frontend shows it: statuses, what counts,
	// counts, finished (journal.RunView).
	RV        *journal.RunView
	Finished  bool           // the run is finished (RV.Finished)
	RunStatus journal.Status // ok or failed once finished
	Sessions  []session
	Identity  *journal.Identity
	Generated time.Time

	Sections []*sectionView
	Steps    []*stepView // document order
	Orphans  []*stepView // in the journal, no longer in the document
	// Counts are the counted steps by status (RV.Counts.By).
	Counts    map[journal.Status]int
	Questions []*questionView
	Vars      []varView
	Notes     []noteView
	Events    []journal.Event // masked
	// Session is the shell session as the run left it; Outputs the named
	// outputs confirmed (report/session.go).
	Session []changeView
	Outputs []outputView
}

type session struct {
	Kind      string // "started" or "resumed"
	Who, Host string
	Time      time.Time
}

type sectionView struct {
	Index  int
	ID     string
	Title  string
	Level  int
	Line   int
	Parent int
	Path   []string // titles from the top-level section down
	Steps  []*stepView
	// Counts covers the section's own counted steps and its subsections'.
	Counts map[journal.Status]int
}

type stepView struct {
	Step     *runbook.Step // nil for an orphan
	ID       string
	Title    string
	Kind     string
	Section  int
	Path     []string
	Line     int
	EndLine  int
	Status   journal.Status // journal.RunView's
	Was      journal.Status // for stale: the status before the doc changed
	Counted  bool           // counts toward the run (journal.RunView)
	Hash     string         // in the document now
	RunHash  string         // when it last ran
	Note     string
	Edited   string // command edited for this run
	Attempts []*attemptView
	// Changes are what the step's last attempt that changed the shell
	// session changed; Outputs the named outputs it gave, confirmed.
	Changes []changeView
	Outputs []outputView
}

type attemptView struct {
	N        int
	Started  time.Time
	Duration time.Duration
	Command  string
	ExitCode *int
	Status   journal.Status
	Error    string
	Log      string // as journaled, relative to the run dir
	LogPath  string // RunDir joined
	Excerpt  *Excerpt
	Changes  []changeView // what it changed in the shell session
	Outputs  []string     // the named outputs of it confirmed
}

// questionState is what happened to a question in the run.
type questionState string

const (
	qAnswered questionState = "answered"
	qSkipped  questionState = "skipped"
	qOpen     questionState = "open"
	qVerified questionState = "verified" // answered by an earlier write-back, in the doc
)

type questionView struct {
	Q       *runbook.Question // nil for verified or unknown
	ID      string
	Text    string
	Section int
	Line    int
	State   questionState
	Answer  string
	Who     string
	Time    time.Time
	When    string // for verified: the date written in the doc
	Written bool
}

type varView struct {
	Name       string
	Value      string
	Set        bool
	Secret     bool
	Source     string
	InDocument bool
}

type noteView struct {
	Step string
	Text string
	Time time.Time
}

// last returns the step's latest attempt, or nil.
func (s *stepView) last() *attemptView {
	if len(s.Attempts) == 0 {
		return nil
	}
	return s.Attempts[len(s.Attempts)-1]
}

// total is the time spent over all attempts.
func (s *stepView) total() time.Duration {
	var d time.Duration
	for _, a := range s.Attempts {
		d += a.Duration
	}
	return d
}

func buildView(in Input) (*view, error) {
	if in.Doc == nil {
		return nil, fmt.Errorf("report: no document")
	}
	st := in.State
	if st == nil {
		st = &journal.State{}
	}
	m := newMasker(in.Secrets)
	rv := journal.NewView(in.Doc, st, in.Live)
	v := &view{
		in:         in,
		mask:       m,
		Title:      m.s(in.Doc.Title),
		DocFile:    m.s(in.Doc.Path),
		DocHash:    in.Doc.Hash,
		Run:        m.s(runName(in.RunDir, st)),
		RunDir:     m.s(in.RunDir),
		Who:        m.s(st.Who),
		Host:       m.s(st.Host),
		Started:    st.Started,
		Updated:    st.Updated,
		FinishedAt: st.FinishedAt,
		RV:         rv,
		Finished:   rv.Finished,
		RunStatus:  st.Status,
		Generated:  in.Now,
		Counts:     rv.Counts.By,
	}
	if v.Title == "" {
		v.Title = filepath.Base(v.DocFile)
	}
	if st.DocHash != "" && st.DocHash != in.Doc.Hash {
		v.RunDocHash = st.DocHash
	}
	if st.Identity != nil {
		id := *st.Identity
		id.Account, id.ARN, id.Region = m.s(id.Account), m.s(id.ARN), m.s(id.Region)
		v.Identity = &id
	}
	for _, e := range in.Events {
		switch e.Type {
		case journal.RunStarted:
			v.Sessions = append(v.Sessions, session{"started", m.s(e.Who), m.s(e.Host), e.Time})
		case journal.RunResumed:
			v.Sessions = append(v.Sessions, session{"resumed", m.s(e.Who), m.s(e.Host), e.Time})
		}
		v.Events = append(v.Events, m.event(e))
	}

	v.buildSession(st)
	v.buildSections()
	v.buildSteps()
	v.buildQuestions(st)
	v.buildVars(st)
	for _, n := range st.Notes {
		v.Notes = append(v.Notes, noteView{Step: m.s(n.Step), Text: m.s(n.Text), Time: n.Time})
	}
	return v, nil
}

func (v *view) buildSections() {
	m, doc := v.mask, v.in.Doc
	v.Sections = make([]*sectionView, len(doc.Sections))
	for i, s := range doc.Sections {
		sv := &sectionView{Index: i, ID: s.ID, Title: m.s(s.Title), Level: s.Level, Line: s.Line,
			Parent: s.Parent, Counts: map[journal.Status]int{}}
		if s.Parent >= 0 && s.Parent < i {
			sv.Path = append(append([]string(nil), v.Sections[s.Parent].Path...), sv.Title)
		} else {
			sv.Path = []string{sv.Title}
		}
		v.Sections[i] = sv
	}
}

// buildSteps lists the doc's steps with the view's statuses (RV), counts
// each counted step in its sections, then the orphans.
func (v *view) buildSteps() {
	m := v.mask
	for i, s := range v.in.Doc.Steps {
		rs := v.RV.Steps[i]
		sv := &stepView{Step: s, ID: s.ID, Title: m.s(s.Title), Kind: s.Kind.String(), Section: s.Section,
			Line: s.Line, EndLine: s.EndLine, Hash: s.Hash, Status: rs.Status, Was: rs.Was, Counted: rs.Counted}
		if sec := v.section(s.Section); sec != nil {
			sv.Path = sec.Path
		}
		v.fillStep(sv, rs.State)
		v.Steps = append(v.Steps, sv)
		for i := s.Section; rs.Counted && i >= 0 && i < len(v.Sections); i = v.Sections[i].Parent {
			v.Sections[i].Counts[sv.Status]++
			if v.Sections[i].Parent >= i {
				break // malformed tree; never loop
			}
		}
		if sec := v.section(s.Section); sec != nil {
			sec.Steps = append(sec.Steps, sv)
		}
	}
	for _, rs := range v.RV.Orphans {
		sv := &stepView{ID: m.s(rs.ID), Title: m.s(rs.ID), Kind: "", Section: -1, Status: rs.Status, Was: rs.Was}
		v.fillStep(sv, rs.State)
		v.Orphans = append(v.Orphans, sv)
	}
}

func (v *view) section(i int) *sectionView {
	if i < 0 || i >= len(v.Sections) {
		return nil
	}
	return v.Sections[i]
}

// runName is the run's name as its first event records it, else its
// directory's (they are the same but for runs made by hand).
func runName(runDir string, st *journal.State) string {
	if st.Run != "" || runDir == "" {
		return st.Run
	}
	return filepath.Base(runDir)
}

// stopped are the earlier attempts that were interrupted and printed
// something (runbook killed mid-step, then the step ran again): their
// output is shown beside the last attempt's, or it would be seen nowhere
// but in the JSON report.
func (s *stepView) stopped() []*attemptView {
	var out []*attemptView
	for _, a := range s.Attempts {
		if a != s.last() && a.Status == journal.Interrupted && a.Excerpt != nil && !a.Excerpt.Empty() && a.Excerpt.Err == "" {
			out = append(out, a)
		}
	}
	return out
}

// diedError is the error of an attempt runbook died in, as the engine
// records it on resume (steps/engine_open.go).
const diedError = "runbook stopped while the step was running"

// fillStep adds a step's history; its status is the view's already.
func (v *view) fillStep(sv *stepView, ss *journal.StepState) {
	if ss == nil {
		return
	}
	m := v.mask
	// A step the journal has running in a run nobody has open was
	// running when runbook stopped (the view says interrupted).
	died := sv.Status == journal.Interrupted && sv.Was == journal.Running
	sv.RunHash = ss.Hash
	sv.Note = m.s(ss.Note)
	sv.Outputs = v.stepOutputs(sv.ID)
	sv.Edited = m.s(ss.Command)
	for _, a := range ss.Attempts {
		// A running attempt (or one runbook died in) has no step-finished
		// event naming its log yet, but its output is in the log already:
		// the report of a half-finished run shows what it printed.
		log := journal.AttemptLog(v.in.RunDir, sv.ID, a)
		av := &attemptView{N: a.N, Started: a.Started, Duration: a.Duration, Command: m.s(a.Command),
			ExitCode: a.ExitCode, Status: a.Status, Error: m.s(a.Error), Log: m.s(log), Changes: v.changes(a.Session)}
		for _, o := range a.Outputs {
			av.Outputs = append(av.Outputs, m.s(o))
		}
		if len(av.Changes) > 0 {
			sv.Changes = av.Changes
		}
		if log != "" {
			p := log
			if !filepath.IsAbs(p) {
				p = filepath.Join(v.in.RunDir, p)
			}
			av.LogPath = m.s(p)
			av.Excerpt = readExcerpt(p, m)
		}
		sv.Attempts = append(sv.Attempts, av)
	}
	if died {
		sv.Was = ""
		if a := sv.last(); a != nil && a.Status == journal.Running {
			a.Status = journal.Interrupted
			if a.Error == "" {
				a.Error = diedError
			}
		}
	}
}

func (v *view) buildQuestions(st *journal.State) {
	m := v.mask
	seen := map[string]bool{}
	for _, q := range v.in.Doc.Questions {
		qv := &questionView{Q: q, ID: q.ID, Text: m.s(q.Text), Section: q.Section, Line: q.Line, State: qOpen}
		if a, ok := st.Answers[q.ID]; ok {
			qv.Who, qv.Time, qv.Written = m.s(a.Who), a.Time, a.Written
			if a.Skipped {
				qv.State = qSkipped
			} else {
				qv.State, qv.Answer = qAnswered, m.s(a.Value)
			}
		}
		seen[q.ID] = true
		v.Questions = append(v.Questions, qv)
	}
	for _, vf := range v.in.Doc.Verified {
		qv := &questionView{ID: vf.ID, Text: m.s(vf.Text), Section: vf.Section, Line: vf.Line,
			State: qVerified, Answer: m.s(vf.Answer), Who: m.s(vf.By), When: vf.When, Written: true}
		if a, ok := st.Answers[vf.ID]; ok && !a.Skipped {
			qv.Time = a.Time
		}
		seen[vf.ID] = true
		v.Questions = append(v.Questions, qv)
	}
	for _, id := range unseenKeys(st.Answers, seen) {
		a := st.Answers[id]
		qv := &questionView{ID: m.s(id), Section: -1, State: qAnswered, Answer: m.s(a.Value), Who: m.s(a.Who),
			Time: a.Time, Written: a.Written}
		if a.Skipped {
			qv.State, qv.Answer = qSkipped, ""
		}
		v.Questions = append(v.Questions, qv)
	}
	// In document order; answers to questions the document no longer has last.
	sort.SliceStable(v.Questions, func(i, j int) bool {
		a, b := v.Questions[i], v.Questions[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		return a.Line < b.Line
	})
}

func (v *view) buildVars(st *journal.State) {
	m := v.mask
	seen := map[string]bool{}
	add := func(name string, secret bool, inDoc bool) {
		vv := varView{Name: m.s(name), Secret: secret, InDocument: inDoc}
		if x, ok := st.Vars[name]; ok {
			vv.Set, vv.Source = true, m.s(x.Source)
			vv.Secret = vv.Secret || x.Secret
			if !vv.Secret {
				vv.Value = m.s(x.Value)
			}
		}
		if vv.Secret && vv.Set {
			vv.Value = maskText
		}
		seen[name] = true
		v.Vars = append(v.Vars, vv)
	}
	for _, p := range v.in.Doc.Placeholders {
		add(p.Name, p.Secret || (p.Var != nil && p.Var.Secret), true)
	}
	if fm := v.in.Doc.FrontMatter; fm != nil {
		for _, d := range fm.Variables {
			if !seen[d.Name] {
				add(d.Name, d.Secret, true)
			}
		}
	}
	var extra []string
	for name := range st.Vars {
		if !seen[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		add(name, false, false)
	}
}

// statuses returns the statuses present in counts, in statusOrder.
func statuses(counts map[journal.Status]int) []journal.Status {
	var out []journal.Status
	for _, s := range statusOrder {
		if counts[s] > 0 {
			out = append(out, s)
		}
	}
	var other []journal.Status
	for s, n := range counts {
		if n > 0 && !inOrder(s) {
			other = append(other, s)
		}
	}
	sort.Slice(other, func(i, j int) bool { return other[i] < other[j] })
	return append(out, other...)
}

func inOrder(s journal.Status) bool {
	for _, o := range statusOrder {
		if o == s {
			return true
		}
	}
	return false
}

// worst is the status that sums up a set of counts: the first needing
// attention, else pending/running, else done.
func worst(counts map[journal.Status]int) journal.Status {
	ss := statuses(counts)
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// countsText is "❌ 1 failed · ✅ 3 ok".
func countsText(counts map[journal.Status]int) string {
	var parts []string
	for _, s := range statuses(counts) {
		parts = append(parts, fmt.Sprintf("%s %d %s", statusIcon(s), counts[s], statusText(s)))
	}
	return strings.Join(parts, " · ")
}

// runStatusText says where the run stands (journal.RunView), with what
// the counts alone would not say.
func (v *view) runStatusText() string {
	rv := v.RV
	switch rv.Status {
	case journal.RunOK, journal.RunFailed:
		s := "finished: " + statusLabel(journal.Status(rv.Status))
		if n := rv.Counts.Tolerated; n > 0 {
			s += fmt.Sprintf(" (%d failure(s) let through by continue-on-error)", n)
		}
		if !rv.Complete {
			s += fmt.Sprintf("; the doc has changed since: %d/%d steps done now", rv.Counts.Done, rv.Counts.Total)
		}
		return s
	case journal.RunNotStarted:
		return "not started"
	case journal.RunRunning:
		return "running (unfinished)"
	case journal.RunStopped:
		return "stopped (unfinished)"
	}
	return "in progress (unfinished)"
}

// stepsText is "6/8 done: ✅ 6 ok · ⏸ 2 pending", and the steps that do
// not count toward the run: the numbers `runbook status` and the TUI show.
func (v *view) stepsText() string {
	c := v.RV.Counts
	s := fmt.Sprintf("%d/%d done", c.Done, c.Total)
	if t := countsText(v.Counts); t != "" {
		s += ": " + t
	}
	if n := len(v.Steps) - c.Total; n > 0 {
		s += fmt.Sprintf(" (and %d optional check or skip step(s) not run)", n)
	}
	return s
}

// formatTime is how reports show times: UTC, to the second, so a report
// reads the same wherever it is opened.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// formatDuration keeps durations short and stable: "0.35 s", "12.3 s",
// "4 min 05 s", "1 h 02 min".
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < 10*time.Millisecond:
		return "< 0.01 s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// stepFacts is the one-line summary after a step's status: attempts,
// duration, exit code.
func (s *stepView) facts() []string {
	var out []string
	a := s.last()
	if a == nil {
		return nil
	}
	if len(s.Attempts) > 1 {
		out = append(out, fmt.Sprintf("%d attempts", len(s.Attempts)))
		out = append(out, formatDuration(a.Duration)+" (total "+formatDuration(s.total())+")")
	} else {
		out = append(out, "1 attempt")
		if a.Status != journal.Running {
			out = append(out, formatDuration(a.Duration))
		}
	}
	switch {
	case a.Status == journal.Running:
		out[len(out)-1] = fmt.Sprintf("attempt %d running since %s", a.N, formatTime(a.Started))
	case a.Status == journal.Interrupted && a.Error == diedError && !a.Started.IsZero():
		// runbook died while it ran: how long is not known, when it began is
		out[len(out)-1] = "started " + formatTime(a.Started) + ", runbook stopped during it"
	}
	if a.ExitCode != nil {
		out = append(out, fmt.Sprintf("exit code %d", *a.ExitCode))
	}
	return out
}

// unseenKeys returns the keys of m not in seen, sorted: what the journal
// knows that the doc no longer has.
func unseenKeys[V any](m map[string]V, seen map[string]bool) []string {
	var ids []string
	for id := range m {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
