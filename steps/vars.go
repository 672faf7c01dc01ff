package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
)

// VarSource says where a variable's value came from, in resolution order:
// the first layer that has a value wins.
type VarSource int

const (
	FromNone    VarSource = iota // no value yet: the caller must ask
	FromOutput                   // a step's named output, confirmed ($RUNBOOK_OUTPUT)
	FromSet                      // --set NAME=VALUE
	FromValues                   // --values FILE
	FromEnv                      // RUNBOOK_VAR_<NAME>
	FromRun                      // given earlier in this run (SetVar or the journal)
	FromDefault                  // front-matter default
	FromSource                   // front-matter source (env:NAME or a SourceResolver)
)

var varSourceNames = [...]string{"none", "output", "set", "values", "env", "run", "default", "source"}

func (s VarSource) String() string {
	if int(s) < len(varSourceNames) {
		return varSourceNames[s]
	}
	return fmt.Sprintf("VarSource(%d)", int(s))
}

// VarsConfig is what variable resolution draws on.
type VarsConfig struct {
	Doc     *runbook.Document
	Sets    map[string]string // --set
	Values  map[string]string // --values FILE
	Environ []string          // the process environment
	// Saved are the non-secret values journaled earlier in this run.
	Saved map[string]string
	// Outputs are the named outputs confirmed earlier in this run (not
	// the secret ones: they are not journaled).
	Outputs map[string]string
	Sources map[string]SourceResolver // by scheme; "env" is built in
}

// Vars resolves the values of a doc's placeholders and front-matter
// variables. Values fetched from sources stay in memory only.
type Vars struct {
	doc      *runbook.Document
	sets     map[string]string
	values   map[string]string
	env      map[string]string
	given    map[string]string // SetVar in this process, secrets included
	outputs  map[string]string // confirmed named outputs, secrets included
	secretOf map[string]bool   // outputs that are secret though their variable is not
	saved    map[string]string
	sources  map[string]SourceResolver
	fetched  map[string]string
	patterns map[string]*regexp.Regexp
	decl     map[string]*runbook.Variable
}

// NewVars checks the front-matter declarations (a bad pattern or source
// is a doc error naming its line) and returns the resolver.
func NewVars(cfg VarsConfig) (*Vars, error) {
	v := &Vars{
		doc:      cfg.Doc,
		sets:     cfg.Sets,
		values:   cfg.Values,
		env:      map[string]string{},
		given:    map[string]string{},
		outputs:  map[string]string{},
		secretOf: map[string]bool{},
		saved:    map[string]string{},
		sources:  cfg.Sources,
		fetched:  map[string]string{},
		patterns: map[string]*regexp.Regexp{},
		decl:     map[string]*runbook.Variable{},
	}
	for _, kv := range cfg.Environ {
		if k, val, ok := strings.Cut(kv, "="); ok {
			v.env[k] = val
		}
	}
	for k, val := range cfg.Saved {
		v.saved[k] = val
	}
	for k, val := range cfg.Outputs {
		v.outputs[k] = val
	}
	if cfg.Doc != nil && cfg.Doc.FrontMatter != nil {
		for _, d := range cfg.Doc.FrontMatter.Variables {
			v.decl[d.Name] = d
			if d.Pattern != "" {
				// Full match: a pattern written as "dev|prod" must not accept
				// "devil".
				re, err := regexp.Compile(`^(?:` + d.Pattern + `)$`)
				if err != nil {
					return nil, &runbook.Error{Path: cfg.Doc.Path, Line: d.Line, Err: fmt.Errorf("variable %s: bad pattern: %w", d.Name, err)}
				}
				v.patterns[d.Name] = re
			}
			if d.Source != "" {
				if _, ref, ok := strings.Cut(d.Source, ":"); !ok || ref == "" {
					return nil, &runbook.Error{Path: cfg.Doc.Path, Line: d.Line, Err: fmt.Errorf("variable %s: source %q is not scheme:reference", d.Name, d.Source)}
				}
				// An unknown scheme is only an error when the value is
				// actually fetched: a --set must still work without AWS.
			}
		}
		// A declaration may be written DB_HOST for a <db-host> placeholder:
		// the parser links them.
		for _, ph := range cfg.Doc.Placeholders {
			if ph.Var != nil && v.decl[ph.Name] == nil {
				v.decl[ph.Name] = ph.Var
			}
		}
	}
	// --set POD_NAME=… and --values keys name the placeholder <pod-name>:
	// names are canonical (runbook.PlaceholderName).
	v.sets, v.values = v.canonical(cfg.Sets), v.canonical(cfg.Values)
	return v, nil
}

// canonical is m with every key that is not a known name but whose
// canonical form (runbook.PlaceholderName) is, under that form. A key
// known as written (a declared POD_NAME) stays as it is.
func (v *Vars) canonical(m map[string]string) map[string]string {
	var out map[string]string
	for k, val := range m {
		if v.Known(k) {
			continue
		}
		if c := runbook.PlaceholderName(k); c != k && v.Known(c) {
			if out == nil {
				out = make(map[string]string, len(m))
				for k2, v2 := range m {
					out[k2] = v2
				}
			}
			delete(out, k)
			if _, given := m[c]; !given {
				out[c] = val
			}
		}
	}
	if out == nil {
		return m
	}
	return out
}

// Names are every placeholder and declared variable, sorted. A variable
// declared under another spelling than its placeholder is listed once,
// under the placeholder's name.
func (v *Vars) Names() []string {
	var names []string
	covered := map[*runbook.Variable]bool{}
	if v.doc != nil {
		for _, ph := range v.doc.Placeholders {
			names = append(names, ph.Name)
			if ph.Var != nil {
				covered[ph.Var] = true
			}
		}
	}
	for name, d := range v.decl {
		if !covered[d] && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// EnvName is the environment variable a value is exported as: the name
// upper-cased, every character other than a letter, digit or '_' as '_'.
func EnvName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// EnvPrefix is how a value is given through the environment and how it is
// always exported to steps.
const EnvPrefix = "RUNBOOK_VAR_"

// Known reports whether name is a placeholder or a declared variable.
func (v *Vars) Known(name string) bool {
	if _, ok := v.decl[name]; ok {
		return true
	}
	return v.doc != nil && v.doc.Placeholder(name) != nil
}

// Secret reports whether a variable's value must be masked and never
// stored: declared secret, or fetched from a secret source (any source but
// env:).
func (v *Vars) Secret(name string) bool {
	if v.secretOf[name] {
		return true
	}
	if d := v.decl[name]; d != nil {
		if d.Secret {
			return true
		}
		if scheme, _, _ := strings.Cut(d.Source, ":"); d.Source != "" && scheme != "env" {
			return true
		}
	}
	if v.doc != nil {
		if p := v.doc.Placeholder(name); p != nil && p.Secret {
			return true
		}
	}
	return false
}

// Pattern returns the variable's declared pattern, or "".
func (v *Vars) Pattern(name string) string {
	if d := v.decl[name]; d != nil {
		return d.Pattern
	}
	return ""
}

// Prompt returns the declared prompt, or "".
func (v *Vars) Prompt(name string) string {
	if d := v.decl[name]; d != nil {
		return d.Prompt
	}
	return ""
}

// Validate checks a value against the variable's pattern. The error never
// quotes a secret value.
func (v *Vars) Validate(name, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("value for %s contains a NUL byte", name)
	}
	d := v.decl[name]
	if d == nil || v.patterns[d.Name] == nil || v.patterns[d.Name].MatchString(value) {
		return nil
	}
	if v.Secret(name) {
		return fmt.Errorf("value for %s does not match its pattern %s", name, d.Pattern)
	}
	return fmt.Errorf("value for %s does not match its pattern %s: %q", name, d.Pattern, value)
}

// SetOutput records a step's named output, confirmed: the variable's
// value from now on. secret marks it secret (its value holds a secret)
// though the variable is not declared so.
func (v *Vars) SetOutput(name, value string, secret bool) error {
	if err := v.Validate(name, value); err != nil {
		return err
	}
	v.outputs[name] = value
	if secret {
		v.secretOf[name] = true
	}
	return nil
}

// Set records a value given in this run (a prompt answer, a TUI edit).
func (v *Vars) Set(name, value string) error {
	if err := v.Validate(name, value); err != nil {
		return err
	}
	v.given[name] = value
	return nil
}

// Peek returns a value without fetching from sources: it is what a preview
// or a progress display may show without side effects.
func (v *Vars) Peek(name string) (string, VarSource, bool) {
	if val, ok := v.outputs[name]; ok {
		return val, FromOutput, true
	}
	if val, ok := v.lookup(v.sets, name); ok {
		return val, FromSet, true
	}
	if val, ok := v.lookup(v.values, name); ok {
		return val, FromValues, true
	}
	if val, ok := v.env[EnvPrefix+EnvName(name)]; ok {
		return val, FromEnv, true
	}
	if val, ok := v.given[name]; ok {
		return val, FromRun, true
	}
	if val, ok := v.saved[name]; ok {
		return val, FromRun, true
	}
	if d := v.decl[name]; d != nil && d.Default != "" {
		return d.Default, FromDefault, true
	}
	if v.doc != nil {
		if p := v.doc.Placeholder(name); p != nil && p.Default != "" {
			return p.Default, FromDefault, true
		}
	}
	if val, ok := v.fetched[name]; ok {
		return val, FromSource, true
	}
	return "", FromNone, false
}

// lookup finds a value given under the placeholder's name or, for a
// variable declared under another spelling (DB_HOST for <db-host>), under
// the declared name.
func (v *Vars) lookup(m map[string]string, name string) (string, bool) {
	if val, ok := m[name]; ok {
		return val, true
	}
	if d := v.decl[name]; d != nil && d.Name != name {
		val, ok := m[d.Name]
		return val, ok
	}
	return "", false
}

// HasSource reports whether the variable can be fetched from a source.
func (v *Vars) HasSource(name string) bool {
	d := v.decl[name]
	return d != nil && d.Source != ""
}

// Resolve returns a variable's value, fetching it from its source when no
// earlier layer has one, and validates it. FromNone means the caller must
// ask (and then Set).
func (v *Vars) Resolve(ctx context.Context, name string) (string, VarSource, error) {
	val, src, ok := v.Peek(name)
	if !ok && v.HasSource(name) {
		var err error
		if val, err = v.Fetch(ctx, name); err != nil {
			return "", FromNone, err
		}
		v.SetFetched(name, val)
		src, ok = FromSource, true
	}
	if !ok {
		return "", FromNone, nil
	}
	if err := v.Validate(name, val); err != nil {
		return "", FromNone, fmt.Errorf("%w (from %s)", err, src)
	}
	return val, src, nil
}

// SetFetched keeps a value fetched from the variable's source (in memory
// only).
func (v *Vars) SetFetched(name, val string) { v.fetched[name] = val }

// SourceScheme is the scheme of the variable's source ("env",
// "aws-secretsmanager", …), or "".
func (v *Vars) SourceScheme(name string) string {
	if d := v.decl[name]; d != nil {
		scheme, _, _ := strings.Cut(d.Source, ":")
		return scheme
	}
	return ""
}

// Fetch asks the variable's source for its value. It reads only what
// NewVars fixed (declarations, environment, resolvers) and changes
// nothing, so a caller may call it without holding the lock that guards
// the rest of Vars: a Secrets Manager call must not block every other
// variable lookup.
func (v *Vars) Fetch(ctx context.Context, name string) (string, error) {
	d := v.decl[name]
	if d == nil || d.Source == "" {
		return "", fmt.Errorf("variable %s has no source", name)
	}
	scheme, ref, _ := strings.Cut(d.Source, ":")
	var val string
	if scheme == "env" {
		var ok bool
		if val, ok = v.env[ref]; !ok {
			return "", fmt.Errorf("variable %s: environment variable %s is not set", name, ref)
		}
	} else {
		r := v.sources[scheme]
		if r == nil {
			return "", fmt.Errorf("variable %s: unknown source %q (known: env%s)", name, scheme, knownSchemes(v.sources))
		}
		var err error
		if val, err = r.Resolve(ctx, ref); err != nil {
			return "", fmt.Errorf("variable %s: fetch %s: %w", name, d.Source, err)
		}
	}
	return val, nil
}

// withDoc is a resolver for a new version of the doc (reloaded from disk)
// that keeps every value given, fetched or saved so far.
func (v *Vars) withDoc(doc *runbook.Document) (*Vars, error) {
	env := make([]string, 0, len(v.env))
	for k, val := range v.env {
		env = append(env, k+"="+val)
	}
	n, err := NewVars(VarsConfig{Doc: doc, Sets: v.sets, Values: v.values, Environ: env, Saved: v.saved, Sources: v.sources})
	if err != nil {
		return nil, err
	}
	for k, val := range v.given {
		n.given[k] = val
	}
	for k, val := range v.outputs {
		n.outputs[k] = val
	}
	for k := range v.secretOf {
		n.secretOf[k] = true
	}
	for k, val := range v.fetched {
		n.fetched[k] = val
	}
	return n, nil
}

// protectedEnv are names a variable is never exported under bare, only as
// RUNBOOK_VAR_<NAME>: a placeholder called <path> or <home> must not break
// the shell that runs the step.
var protectedEnv = map[string]bool{
	"PATH": true, "HOME": true, "SHELL": true, "USER": true, "LOGNAME": true, "PWD": true,
	"OLDPWD": true, "IFS": true, "CDPATH": true, "ENV": true, "BASH_ENV": true, "SHELLOPTS": true,
	"BASHOPTS": true, "PS1": true, "PS2": true, "PS4": true, "TERM": true, "TMPDIR": true,
	"LD_PRELOAD": true, "LD_LIBRARY_PATH": true, "GLOBIGNORE": true, "HISTFILE": true,
}

// Export appends NAME=value and RUNBOOK_VAR_NAME=value for each value to
// env, replacing earlier entries with the same key.
func Export(env []string, vals map[string]string) []string {
	set := map[string]string{}
	for name, val := range vals {
		n := EnvName(name)
		set[EnvPrefix+n] = val
		if !protectedEnv[n] && !strings.HasPrefix(n, "LD_") && !strings.HasPrefix(n, "BASH_FUNC_") {
			set[n] = val
		}
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[k]; !replaced {
			out = append(out, kv)
		}
	}
	for k, val := range set {
		out = append(out, k+"="+val)
	}
	return out
}

func knownSchemes(m map[string]SourceResolver) string {
	var s string
	for _, k := range sortedKeys(m) {
		s += ", " + k
	}
	return s
}
