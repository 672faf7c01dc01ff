package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// A command edited for this run is journaled masked, like everything
// else. What a resumed run must never do is run that masked text (`curl
// -H 'X: ****'`). So the edit is journaled with references: for each
// secret written literally in it, the offset of its mask and the
// variable it belongs to. A resumed run puts the values back; when one is
// not known, or the secret was in a form that has no reference (quoted,
// encoded: the masker hides more forms than a literal), the edit is
// refused with a message, never run masked.

// editEvent is the step-edited event for command.
func (e *Engine) editEvent(stepID, command string) journal.Event {
	ev := journal.Event{Type: journal.StepEdited, Step: stepID}
	tmpl, refs := referenceSecrets(command, e.secretsByName())
	if masked := e.mask(command); masked != tmpl {
		ev.Command, ev.Unrestorable = masked, true
		return ev
	}
	ev.Command, ev.Refs = tmpl, refs
	return ev
}

// secretsByName maps each secret variable with a known value to it.
func (e *Engine) secretsByName() map[string]string {
	out := map[string]string{}
	for name, v := range e.vars.known() {
		if v != "" && e.vars.secret(name) {
			out[name] = v
		}
	}
	return out
}

// referenceSecrets replaces every literal occurrence of a secret in s by
// Mask (the longest secret first where two start at one place) and says
// where each mask is and whose value it hides.
func referenceSecrets(s string, secrets map[string]string) (string, []journal.SecretRef) {
	names := make([]string, 0, len(secrets))
	for n := range secrets {
		names = append(names, n)
	}
	// longest value first, then by name: deterministic
	slices.SortFunc(names, func(a, b string) int {
		if d := len(secrets[b]) - len(secrets[a]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	var refs []journal.SecretRef
	for i := 0; i < len(s); {
		matched := false
		for _, n := range names {
			if v := secrets[n]; strings.HasPrefix(s[i:], v) {
				refs = append(refs, journal.SecretRef{At: b.Len(), Var: n})
				b.WriteString(Mask)
				i += len(v)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), refs
}

// restoreEdit is the command a step was edited to in an earlier process
// of this run, its secrets put back by lookup. It refuses (with what to
// do) rather than return text that still holds a mask standing for a
// secret.
func restoreEdit(stepID string, ss *journal.StepState, lookup func(name string) (string, bool)) (string, error) {
	refuse := func(why string) error {
		return fmt.Errorf("step %s: the command edited earlier in this run %s; it is not run with its secret masked: edit it again or run the doc's command", stepID, why)
	}
	if ss.CommandUnrestorable {
		return "", refuse("held a secret in a quoted or encoded form, which the journal cannot keep")
	}
	var b strings.Builder
	prev := 0
	var unknown []string
	for _, r := range ss.CommandRefs {
		if r.At < prev || r.At+len(Mask) > len(ss.Command) || ss.Command[r.At:r.At+len(Mask)] != Mask {
			return "", refuse("has a secret reference that does not match its text (the journal was edited?)")
		}
		v, ok := lookup(r.Var)
		if !ok {
			if !slices.Contains(unknown, r.Var) {
				unknown = append(unknown, r.Var)
			}
			continue
		}
		b.WriteString(ss.Command[prev:r.At])
		b.WriteString(v)
		prev = r.At + len(Mask)
	}
	if len(unknown) > 0 {
		return "", refuse(fmt.Sprintf("uses the secret <%s>, whose value this process does not know (give it with --set or %s%s)",
			strings.Join(unknown, ">, <"), EnvPrefix, EnvName(unknown[0])))
	}
	b.WriteString(ss.Command[prev:])
	return b.String(), nil
}

// fetchEditSecrets fetches the secrets an edit from an earlier process
// refers to (a source such as AWS is asked only when a step runs).
func (e *Engine) fetchEditSecrets(ctx context.Context, stepID string) error {
	e.editMu.Lock()
	_, ok := e.edits[stepID]
	e.editMu.Unlock()
	if ok {
		return nil
	}
	var refs []journal.SecretRef
	e.rec.read(func(s *journal.State, _ bool) {
		if ss := s.Steps[stepID]; ss != nil {
			refs = slices.Clone(ss.CommandRefs)
		}
	})
	for _, r := range refs {
		// fetched outside any lock of the engine (varStore.resolve)
		if _, err := e.vars.resolve(ctx, r.Var, true); err != nil {
			return err
		}
	}
	return nil
}

// editLookup finds a referenced secret's value. For a preview, a secret
// a source will give when the step runs stands as Mask (nothing is shown
// unmasked anyway); for a run, only a known value will do.
func (e *Engine) editLookup(forRun bool) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, _, ok := e.vars.peek(name); ok {
			return v, true
		}
		if !forRun && e.vars.hasSource(name) {
			return Mask, true
		}
		return "", false
	}
}
