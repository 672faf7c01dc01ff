package journal

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// A run is one terminal session (docs/format.md, "Session"): the shell
// variables, functions and working directory a shell step leaves behind
// carry into the next shell step. What each attempt changed is journaled
// with its step-finished event (Event.Session); replaying the events in
// order folds them into State.Session, so a resumed run starts from
// exactly the session it stopped with. Secret values are never journaled:
// such a variable is recorded by name only (Secret) and a resumed run asks
// for it again.

// VarKind is what a shell variable holds.
type VarKind string

const (
	VarScalar VarKind = "scalar"
	VarArray  VarKind = "array" // indexed, possibly sparse
	VarAssoc  VarKind = "assoc" // associative
)

// ShellVar is a shell variable as a step left it.
type ShellVar struct {
	Name string  `json:"name"`
	Kind VarKind `json:"kind,omitempty"` // "" when Unset
	// Attrs are the variable's attributes other than its kind, as the
	// letters of `declare`: x exported, i integer, r readonly, l and u
	// lower and upper case, n a name reference.
	Attrs string `json:"attrs,omitempty"`
	// Value of a scalar; Items of an array or an associative array, in
	// the shell's order. Absent when Secret or Omitted.
	Value string      `json:"value,omitempty"`
	Items []ShellItem `json:"items,omitempty"`
	// Declared is set for a variable declared without a value
	// (`declare -a list`).
	Declared bool `json:"declared,omitempty"`
	// Unset: the step removed the variable.
	Unset bool `json:"unset,omitempty"`
	// Secret: the value is a secret, kept in memory only.
	Secret bool `json:"secret,omitempty"`
	// Omitted says why a value that is not secret is not journaled
	// either (too large); it is kept in memory only, like a secret.
	Omitted string `json:"omitted,omitempty"`
}

// ShellItem is an element of an array (Key is its index) or of an
// associative array.
type ShellItem struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Text is the variable's value on one line as a listing shows it: a
// scalar's value, an array's elements `(a b)`, an associative array's
// `([k]=v)`.
func (v ShellVar) Text() string {
	if v.Kind == VarScalar || v.Kind == "" {
		return v.Value
	}
	parts := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		if v.Kind == VarAssoc {
			parts = append(parts, "["+it.Key+"]="+it.Value)
		} else {
			parts = append(parts, it.Value)
		}
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// HasValue reports whether the journal holds the variable's value.
func (v ShellVar) HasValue() bool { return !v.Unset && !v.Secret && v.Omitted == "" }

// ShellFunc is a shell function as a step left it.
type ShellFunc struct {
	Name string `json:"name"`
	// Dialect is the shell that defined it (bash, zsh): a function is
	// restored in steps of that shell only.
	Dialect string `json:"dialect,omitempty"`
	// Body is the definition as the shell printed it (`declare -f`).
	Body   string `json:"body,omitempty"`
	Unset  bool   `json:"unset,omitempty"`
	Secret bool   `json:"secret,omitempty"` // its text holds a secret: memory only
}

// SessionChange is what one attempt of a shell step changed in the run's
// session: the variables it set, changed or unset, the functions it
// defined, changed or removed, and its working directory when it changed
// (cd).
type SessionChange struct {
	Vars  []ShellVar  `json:"vars,omitempty"`
	Funcs []ShellFunc `json:"funcs,omitempty"`
	Cwd   string      `json:"cwd,omitempty"`
}

// Empty reports whether nothing changed.
func (c *SessionChange) Empty() bool {
	return c == nil || len(c.Vars) == 0 && len(c.Funcs) == 0 && c.Cwd == ""
}

// Clone is a deep copy.
func (c *SessionChange) Clone() *SessionChange {
	if c == nil {
		return nil
	}
	out := &SessionChange{Vars: slices.Clone(c.Vars), Funcs: slices.Clone(c.Funcs), Cwd: c.Cwd}
	for i := range out.Vars {
		out.Vars[i].Items = slices.Clone(out.Vars[i].Items)
	}
	return out
}

// Session is the run's shell session: every change folded in the order
// the steps ran. Unset variables and removed functions are absent.
type Session struct {
	Vars  map[string]ShellVar
	Funcs map[string]ShellFunc
	Cwd   string
	// From says which step last set each variable ("var NAME"), function
	// ("func NAME") and the working directory ("cwd"), to tell the
	// engineer where a value a resumed run lacks came from.
	From map[string]string
}

// NewSession is an empty session.
func NewSession() *Session {
	return &Session{Vars: map[string]ShellVar{}, Funcs: map[string]ShellFunc{}, From: map[string]string{}}
}

// Apply folds one step's change into the session.
func (s *Session) Apply(step string, c *SessionChange) {
	if c == nil {
		return
	}
	for _, v := range c.Vars {
		if v.Unset {
			delete(s.Vars, v.Name)
			delete(s.From, "var "+v.Name)
			continue
		}
		v.Items = slices.Clone(v.Items)
		s.Vars[v.Name] = v
		s.From["var "+v.Name] = step
	}
	for _, f := range c.Funcs {
		if f.Unset {
			delete(s.Funcs, f.Name)
			delete(s.From, "func "+f.Name)
			continue
		}
		s.Funcs[f.Name] = f
		s.From["func "+f.Name] = step
	}
	if c.Cwd != "" {
		s.Cwd = c.Cwd
		s.From["cwd"] = step
	}
}

// Empty reports whether the session holds nothing.
func (s *Session) Empty() bool {
	return s == nil || len(s.Vars) == 0 && len(s.Funcs) == 0 && s.Cwd == ""
}

// Clone is a deep copy.
func (s *Session) Clone() *Session {
	if s == nil {
		return nil
	}
	c := &Session{Vars: maps.Clone(s.Vars), Funcs: maps.Clone(s.Funcs), Cwd: s.Cwd, From: maps.Clone(s.From)}
	for k, v := range c.Vars {
		v.Items = slices.Clone(v.Items)
		c.Vars[k] = v
	}
	return c
}

// Output is a step's named output, confirmed by the engineer: the value
// of the placeholder it names for the rest of the run.
type Output struct {
	Value   string // empty when Secret
	Secret  bool
	Step    string
	Attempt int
	Who     string
	Time    time.Time
	Written bool // recorded into the doc by a write-back
}
