package steps

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/mask"
)

// A run is one terminal session (docs/format.md, "Session"): the shell
// state each shell step leaves carries into the next. shellState is that
// session in memory, values and secrets included; the journal has it
// without the secrets (journal.State.Session), which is what a resumed
// run starts from.

// maxJournaledValue bounds a captured value the journal keeps: a larger
// one (a file read into a variable) is kept in memory only, like a
// secret.
const maxJournaledValue = 64 << 10

// shellState is the run's shell session.
type shellState struct {
	mu   sync.Mutex
	sess *journal.Session
	// secret are the names ("var X", "func f") whose values are secret
	// (memory only, masked).
	secret map[string]bool
	// missing are the names whose values a resumed run does not have
	// (secret, or too large to journal), by the step that set them.
	missing map[string]string
}

// newShellState is the session a run starts from: the journal's, with
// the values it could not keep marked missing.
func newShellState(st *journal.State) *shellState {
	s := &shellState{sess: st.Session.Clone(), secret: map[string]bool{}, missing: map[string]string{}}
	if s.sess == nil {
		s.sess = journal.NewSession()
	}
	for name, v := range s.sess.Vars {
		if v.Secret {
			s.secret["var "+name] = true
		}
		if !v.Unset && !v.HasValue() {
			s.missing["var "+name] = s.sess.From["var "+name]
		}
	}
	for name, f := range s.sess.Funcs {
		if f.Secret {
			s.secret["func "+name] = true
			s.missing["func "+name] = s.sess.From["func "+name]
		}
	}
	return s
}

// forStep is the session a step starts in; capture asks for what it
// changes.
func (s *shellState) forStep(capture bool) *ShellSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &ShellSession{Capture: capture}
	// A value this process lacks (a resumed run's secret) is left out.
	for _, name := range sortedKeys(s.sess.Vars) {
		if _, lacks := s.missing["var "+name]; !lacks {
			out.Vars = append(out.Vars, s.sess.Vars[name])
		}
	}
	for _, name := range sortedKeys(s.sess.Funcs) {
		if _, lacks := s.missing["func "+name]; !lacks {
			out.Funcs = append(out.Funcs, s.sess.Funcs[name])
		}
	}
	return out
}

// cwd is the session's working directory and the step that set it.
func (s *shellState) cwd() (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess.Cwd, s.sess.From["cwd"]
}

// secrets are the secret values of the session, for masking.
func (s *shellState) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, name := range sortedKeys(s.sess.Vars) {
		if _, lacks := s.missing["var "+name]; s.secret["var "+name] && !lacks {
			out = appendValues(out, s.sess.Vars[name])
		}
	}
	for _, name := range sortedKeys(s.sess.Funcs) {
		if _, lacks := s.missing["func "+name]; s.secret["func "+name] && !lacks {
			out = append(out, s.sess.Funcs[name].Body)
		}
	}
	return out
}

// appendValues appends a variable's non-empty values (and keys).
func appendValues(out []string, v journal.ShellVar) []string {
	if v.Value != "" {
		out = append(out, v.Value)
	}
	for _, it := range v.Items {
		if it.Value != "" {
			out = append(out, it.Value)
		}
	}
	return out
}

// SecretShellName reports whether a shell variable's name says it holds a
// credential: it contains TOKEN, SECRET, PASSWORD, PASSWD, CREDENTIAL or
// PRIVATE, or ends in _KEY (any case).
func SecretShellName(name string) bool {
	u := strings.ToUpper(name)
	for _, w := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return strings.HasSuffix(u, "_KEY")
}

// secretVar reports whether a captured variable is secret: the front
// matter declares it secret (under its name or the placeholder's), its
// name looks like a credential's, or its value holds a known secret.
func (e *Engine) secretVar(v journal.ShellVar, known *mask.Set) bool {
	if SecretShellName(v.Name) || e.declaredSecret(v.Name) {
		return true
	}
	if known.Empty() {
		return false
	}
	if v.Value != "" && known.String(v.Value) != v.Value {
		return true
	}
	for _, it := range v.Items {
		if known.String(it.Value) != it.Value || known.String(it.Key) != it.Key {
			return true
		}
	}
	return false
}

// declaredSecret reports whether the doc declares a variable of this name
// (or whose placeholder has this name's canonical form) secret.
func (e *Engine) declaredSecret(name string) bool {
	doc := e.Doc()
	if doc.FrontMatter != nil {
		for _, d := range doc.FrontMatter.Variables {
			if (d.Name == name || runbook.PlaceholderName(d.Name) == runbook.PlaceholderName(name)) && (d.Secret || e.vars.secret(d.Name)) {
				return true
			}
		}
	}
	return false
}

// capture takes in what a step's attempt changed: secret values are
// marked (and masked from now on), values too large for the journal are
// kept in memory only, and the change is folded into the session. It
// returns the change as the journal keeps it.
func (e *Engine) capture(step string, c *journal.SessionChange) *journal.SessionChange {
	if c.Empty() {
		return nil
	}
	// The secrets known, with the values this step captured under a
	// secret's name: AUTH="Bearer $TOKEN" holds TOKEN's value.
	secrets := e.secrets()
	// what the step read with `read -s` was typed unseen: a password
	silent := map[string]bool{}
	for _, name := range runbook.SilentReads(e.Doc().Step(step)) {
		silent[name] = true
	}
	for _, v := range c.Vars {
		if !v.Unset && (SecretShellName(v.Name) || e.declaredSecret(v.Name) || silent[v.Name]) {
			secrets = appendValues(secrets, v)
		}
	}
	known := e.masks.get(secrets)
	j := c.Clone()
	s := e.shell
	s.mu.Lock()
	for i, v := range c.Vars {
		key := "var " + v.Name
		delete(s.missing, key)
		delete(s.secret, key)
		if v.Unset {
			continue
		}
		switch {
		case silent[v.Name] || e.secretVar(v, known):
			s.secret[key] = true
			j.Vars[i] = journal.ShellVar{Name: v.Name, Kind: v.Kind, Attrs: v.Attrs, Secret: true}
		case valueSize(v) > maxJournaledValue:
			j.Vars[i] = journal.ShellVar{Name: v.Name, Kind: v.Kind, Attrs: v.Attrs,
				Omitted: fmt.Sprintf("too large to journal (%d KiB): kept in memory only", valueSize(v)>>10)}
		}
	}
	for i, f := range c.Funcs {
		key := "func " + f.Name
		delete(s.missing, key)
		delete(s.secret, key)
		if !f.Unset && !known.Empty() && known.String(f.Body) != f.Body {
			s.secret[key] = true
			j.Funcs[i] = journal.ShellFunc{Name: f.Name, Dialect: f.Dialect, Secret: true}
		}
	}
	s.sess.Apply(step, c)
	s.mu.Unlock()
	return j
}

func valueSize(v journal.ShellVar) int {
	n := len(v.Value)
	for _, it := range v.Items {
		n += len(it.Key) + len(it.Value)
	}
	return n
}

// secrets are every secret value known: the doc's variables' and the
// session's.
func (e *Engine) secrets() []string {
	return append(e.vars.secrets(), e.shell.secrets()...)
}

// sessionFor is the shell session a step starts in, or nil when the step
// is not part of it: not a shell step (SQL, a python {run} block, a
// manual step), isolated (the step's attribute, or `session: isolated`
// in the front matter), or an mksh step. capture is for the step's own
// code (not a done-if or a check).
func (e *Engine) sessionFor(st *runbook.Step, capture bool) *ShellSession {
	if st.Attrs.Isolated || e.Doc().SessionIsolated() || (st.Kind != runbook.KindShell && st.Kind != runbook.KindCheck) {
		return nil
	}
	switch st.Interpreter().Dialect {
	case runbook.DialectBash, runbook.DialectZsh, runbook.DialectPOSIX:
	default:
		return nil
	}
	return e.shell.forStep(capture && st.Kind == runbook.KindShell && !st.Attrs.Background)
}

// sessionDir is the directory a step of the session starts in when it
// sets none: the one the last `cd` left, which must still be there.
func (e *Engine) sessionDir(st *runbook.Step) (string, bool, error) {
	dir, from := e.shell.cwd()
	if dir == "" {
		return "", false, nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", false, fmt.Errorf("step %s: the session's working directory %s (step %s changed to it) is gone; cd elsewhere in a step, or mark this step isolated", st.ID, e.mask(dir), from)
	}
	return dir, true, nil
}

// SessionValue is a value of the run's shell session, as frontends show
// it: secret values masked.
type SessionValue struct {
	Name string
	// Kind is scalar, array or assoc; "func" for a function; "cwd" for
	// the working directory.
	Kind  string
	Value string // a scalar's value, an array's elements joined by spaces, the directory
	Attrs string
	// Step is the step that set it last.
	Step   string
	Secret bool
	// Missing: a resumed run does not have the value (secret, or too
	// large to journal): the engineer re-runs Step or gives it.
	Missing bool
}

// Session is the run's shell session as frontends show it (the
// captured-values view): variables, functions and the working directory,
// in name order, secrets masked. Unset variables are not listed.
func (e *Engine) Session() []SessionValue {
	s := e.shell
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SessionValue
	for _, name := range sortedKeys(s.sess.Vars) {
		v := s.sess.Vars[name]
		if v.Unset {
			continue
		}
		_, lacks := s.missing["var "+name]
		sv := SessionValue{Name: name, Kind: string(v.Kind), Attrs: v.Attrs, Step: s.sess.From["var "+name],
			Secret: s.secret["var "+name], Missing: lacks}
		switch {
		case sv.Secret:
			sv.Value = Mask
		case v.Omitted != "" && sv.Missing:
			sv.Value = "(" + v.Omitted + ")"
		default:
			sv.Value = v.Text()
		}
		out = append(out, sv)
	}
	for _, name := range sortedKeys(s.sess.Funcs) {
		f := s.sess.Funcs[name]
		_, lacks := s.missing["func "+name]
		sv := SessionValue{Name: name, Kind: "func", Step: s.sess.From["func "+name], Secret: s.secret["func "+name],
			Missing: lacks, Value: firstLineOf(f.Body)}
		if sv.Secret {
			sv.Value = Mask
		}
		out = append(out, sv)
	}
	if s.sess.Cwd != "" {
		out = append(out, SessionValue{Name: "cwd", Kind: "cwd", Value: s.sess.Cwd, Step: s.sess.From["cwd"]})
	}
	return out
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// MissingValue is a value of the session a resumed run does not have: a
// secret (never on disk), or one too large to journal.
type MissingValue struct {
	Name   string
	Func   bool   // a function (it cannot be typed in: re-run Step)
	Step   string // the step that set it
	Secret bool
}

// MissingSession lists the session's values this process does not have,
// in name order: a resumed run asks for them (re-run the step that set
// them, or give the value) before a step that sees the session runs.
func (e *Engine) MissingSession() []MissingValue {
	s := e.shell
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []MissingValue
	for _, key := range sortedKeys(s.missing) {
		kind, name, _ := strings.Cut(key, " ")
		out = append(out, MissingValue{Name: name, Func: kind == "func", Step: s.missing[key], Secret: s.secret[key]})
	}
	return out
}

// SetSessionValue gives a value the session lacks (MissingSession) for
// this process: as the engineer typed it, or from --set. It is kept in
// memory only, like the secret it stands for, and masked.
func (e *Engine) SetSessionValue(name, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("value for %s contains a NUL byte", name)
	}
	s := e.shell
	s.mu.Lock()
	defer s.mu.Unlock()
	key := "var " + name
	if _, ok := s.missing[key]; !ok {
		return fmt.Errorf("%s is not a value the session lacks", name)
	}
	v := s.sess.Vars[name]
	v.Value, v.Items = value, nil
	if v.Kind != journal.VarScalar {
		return fmt.Errorf("%s is an array: re-run step %s to set it again", name, s.missing[key])
	}
	s.sess.Vars[name] = v
	delete(s.missing, key)
	return nil
}

// SessionNames are the names of the session's variables, sorted (for
// --set, which may give one a resumed run lacks).
func (e *Engine) SessionNames() []string {
	s := e.shell
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.sess.Vars))
	for n := range s.sess.Vars {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clip(names)
}

// SeesSession reports whether a step runs in the shell session (it sees
// what earlier steps left, and a resumed run must have it first).
func (e *Engine) SeesSession(stepID string) bool {
	st := e.Doc().Step(stepID)
	return st != nil && e.sessionFor(st, false) != nil
}

// DropMissingSession goes on without the session values a resumed run
// lacks: they are unset for this process (a later resume asks again). It
// returns their names.
func (e *Engine) DropMissingSession() []string {
	s := e.shell
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, key := range sortedKeys(s.missing) {
		kind, name, _ := strings.Cut(key, " ")
		if kind == "func" {
			delete(s.sess.Funcs, name)
		} else {
			s.sess.Vars[name] = journal.ShellVar{Name: name, Unset: true}
		}
		delete(s.missing, key)
		names = append(names, name)
	}
	return names
}
