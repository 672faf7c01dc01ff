package steps

import (
	"context"
	"fmt"
	"sync"

	"github.com/runbook-sh/runbook/runbook"
)

// varStore is the run's variables behind their own lock. Values fetched
// from a source (Secrets Manager, SSM) are fetched with the lock released:
// a slow AWS call must not block a preview, a prompt or the TUI reading a
// value meanwhile.
type varStore struct {
	mu        sync.Mutex
	v         *Vars
	journaled map[string]string // variable → value (or source, for secrets) last journaled
}

func newVarStore(v *Vars, journaled map[string]string) *varStore {
	return &varStore{v: v, journaled: journaled}
}

func (s *varStore) peek(name string) (string, VarSource, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Peek(name)
}

func (s *varStore) secret(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Secret(name)
}

func (s *varStore) pattern(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Pattern(name)
}

func (s *varStore) prompt(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Prompt(name)
}

func (s *varStore) hasSource(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.HasSource(name)
}

func (s *varStore) validate(name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Validate(name, value)
}

func (s *varStore) isKnown(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Known(name)
}

func (s *varStore) setOutput(name, value string, secret bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.SetOutput(name, value, secret)
}

func (s *varStore) set(name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v.Set(name, value)
}

// reload swaps in the declarations of a new version of the doc, keeping
// every value known.
func (s *varStore) reload(doc *runbook.Document) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.v.withDoc(doc)
	if err != nil {
		return err
	}
	s.v = n
	return nil
}

// resolved is a value as a step uses it, with where it came from.
type resolved struct {
	value  string
	src    VarSource
	source string // as journaled: set, values, env, run, default, or the source's scheme
	secret bool
}

// resolve returns a variable's value; without fetch, a value only its
// source could give stands as Mask (src FromSource, not fetched). src is
// FromNone when nobody gave a value: the caller must ask.
func (s *varStore) resolve(ctx context.Context, name string, fetch bool) (resolved, error) {
	s.mu.Lock()
	val, src, known := s.v.Peek(name)
	secret, hasSource := s.v.Secret(name), s.v.HasSource(name)
	v := s.v
	s.mu.Unlock()
	if !known && hasSource {
		if !fetch {
			// shown as Mask (a secret); empty, it goes anywhere
			return resolved{src: FromSource, secret: true}, nil
		}
		// Outside the lock: Fetch reads only what NewVars fixed.
		got, err := v.Fetch(ctx, name)
		if err != nil {
			return resolved{}, err
		}
		s.mu.Lock()
		if val, src, known = s.v.Peek(name); !known {
			s.v.SetFetched(name, got)
			val, src, known = got, FromSource, true
		}
		s.mu.Unlock()
	}
	if !known {
		return resolved{src: FromNone}, nil
	}
	if err := s.validate(name, val); err != nil {
		return resolved{}, wrapSource(err, src)
	}
	r := resolved{value: val, src: src, source: src.String(), secret: secret}
	if src == FromSource {
		r.source = v.SourceScheme(name)
	}
	return r, nil
}

// journalKey is what is compared to tell whether a value was journaled
// already: the value itself, or for a secret only where it came from.
func journalKey(r resolved) string {
	if r.secret {
		return "\x00secret:" + r.source
	}
	return r.value
}

// needsJournal reports whether the value differs from the one last
// journaled for name.
func (s *varStore) needsJournal(name, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, done := s.journaled[name]
	return !done || prev != key
}

func (s *varStore) markJournaled(name, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journaled[name] = key
}

// secrets are the secret values known so far, for masking.
func (s *varStore) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, name := range s.v.Names() {
		if !s.v.Secret(name) {
			continue
		}
		if v, _, ok := s.v.Peek(name); ok && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// known are every value known without fetching, by name.
func (s *varStore) known() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, name := range s.v.Names() {
		if v, _, ok := s.v.Peek(name); ok {
			out[name] = v
		}
	}
	return out
}

func wrapSource(err error, src VarSource) error {
	return fmt.Errorf("%w (from %s)", err, src)
}
