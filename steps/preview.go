package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// placeholdersOf are the values a step needs: its own placeholders, and for
// SQL steps those of the connection.
func placeholdersOf(doc *runbook.Document, st *runbook.Step) []string {
	names := slices.Clone(st.Placeholders)
	if st.Kind == runbook.KindSQL && doc.FrontMatter != nil && doc.FrontMatter.MySQL != nil {
		runbook.ScanPlaceholders(doc.FrontMatter.MySQL.DSN, func(name string, _, _ int) {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		})
	}
	return names
}

// Missing lists the placeholders of a step (of every step when stepID is
// "") that have no value yet and no source to fetch one from: the UI must
// ask for them (and SetVar).
func (e *Engine) Missing(stepID string) []string {
	doc := e.Doc()
	var check []*runbook.Step
	if stepID == "" {
		check = doc.Steps
	} else if st := doc.Step(stepID); st != nil {
		check = []*runbook.Step{st}
	}
	var missing []string
	for _, st := range check {
		if st.Kind == runbook.KindManual {
			continue
		}
		for _, name := range placeholdersOf(doc, st) {
			if slices.Contains(missing, name) {
				continue
			}
			if _, _, ok := e.vars.peek(name); ok || e.vars.hasSource(name) || e.producedBefore(st, name) {
				continue
			}
			missing = append(missing, name)
		}
	}
	return missing
}

// producedBefore reports whether a step before st that is still to run
// writes placeholder name to $RUNBOOK_OUTPUT (runbook.Step.Outputs): its
// value comes from there, once the engineer confirms it, and is not asked
// for before.
func (e *Engine) producedBefore(st *runbook.Step, name string) bool {
	for _, p := range e.Doc().Steps {
		if p.ID == st.ID {
			return false
		}
		if slices.Contains(p.Outputs, name) && !journal.Settled(p, e.StepStatus(p.ID)) {
			return true
		}
	}
	return false
}

// OutputSteps lists the steps of ids (in doc order) still to run that
// write placeholders later steps use to $RUNBOOK_OUTPUT: with nobody to
// confirm their outputs (no terminal, no --yes) the run would stop at
// the step that needs them.
func (e *Engine) OutputSteps(ids ...string) []string {
	var out []string
	for _, st := range e.Doc().Steps {
		if len(st.Outputs) > 0 && slices.Contains(ids, st.ID) && !journal.Settled(st, e.StepStatus(st.ID)) {
			out = append(out, st.ID)
		}
	}
	return out
}

// CheckValues validates every value already known for the given steps
// (all steps when ids is empty) against its pattern, and that it can be
// substituted safely where each step not yet finished uses it, so that a
// bad --set fails before the first step runs rather than halfway.
func (e *Engine) CheckValues(ids ...string) error {
	doc := e.Doc()
	var errs []error
	seen := map[string]bool{}
	var check []*runbook.Step
	for _, st := range doc.Steps {
		if len(ids) > 0 && !slices.Contains(ids, st.ID) {
			continue
		}
		check = append(check, st)
		for _, name := range placeholdersOf(doc, st) {
			if seen[name] {
				continue
			}
			seen[name] = true
			if val, src, ok := e.vars.peek(name); ok {
				if err := e.vars.validate(name, val); err != nil {
					errs = append(errs, wrapSource(err, src))
				}
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, st := range check {
		if err := e.checkSubstitution(doc, st); err != nil {
			return err // one line: FILE:LINE: step ID: value for <x> …
		}
	}
	return nil
}

// checkSubstitution substitutes the values known now into a step's command
// and done-if exactly as Run will, without running or journaling anything:
// a value that no quoting makes safe where the step uses it (arithmetic, a
// heredoc delimiter, a bare SQL word) must stop the run before its first
// step, not after the steps before this one have changed things. A step
// that needs a value not known yet (a source fetched when the step runs)
// is left to Run.
func (e *Engine) checkSubstitution(doc *runbook.Document, st *runbook.Step) error {
	if st.Kind == runbook.KindManual || e.StepStatus(st.ID).Finished() {
		return nil
	}
	vals := map[string]Value{}
	for _, name := range placeholdersOf(doc, st) {
		v, _, ok := e.vars.peek(name)
		if !ok {
			return nil
		}
		vals[name] = Value{Text: v, Secret: e.vars.secret(name), Pattern: e.vars.pattern(name)}
	}
	code, err := e.command(st, false)
	if err != nil {
		return err
	}
	if _, err := Fill(st, code, vals); err != nil {
		return &runbook.Error{Path: doc.Path, Line: st.Line, Err: fmt.Errorf("step %s: %w", st.ID, err)}
	}
	for _, c := range [][2]string{{"done-if", st.Attrs.DoneIf}, {"ready-if", st.Attrs.ReadyIf}} {
		what, check := c[0], c[1]
		if check == "" {
			continue
		}
		if _, err := Fill(DoneIfStep(st), check, vals); err != nil {
			return &runbook.Error{Path: doc.Path, Line: st.Line, Err: fmt.Errorf("step %s: %s: %w", st.ID, what, err)}
		}
	}
	return nil
}

// resolve fetches the values a step needs, journaling those not yet
// journaled. Every missing value is named in one error. Without fetch, a
// value that only a source could give stands as Mask (a preview shows
// secrets masked anyway, and must not reach out to AWS before the guard).
func (e *Engine) resolve(ctx context.Context, st *runbook.Step, fetch bool) (map[string]Value, error) {
	vals := map[string]Value{}
	var missing []string
	for _, name := range placeholdersOf(e.Doc(), st) {
		r, err := e.vars.resolve(ctx, name, fetch)
		if err != nil {
			return nil, err
		}
		switch {
		case r.src == FromNone:
			missing = append(missing, "<"+name+">")
			continue
		case !fetch:
			// A preview: values are journaled when a step uses them.
		default:
			if err := e.journalVar(name, r); err != nil {
				return nil, err
			}
		}
		vals[name] = Value{Text: r.value, Secret: r.secret, Pattern: e.vars.pattern(name)}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("step %s: no value for %s", st.ID, strings.Join(missing, ", "))
	}
	return vals, nil
}

// command is the text a step runs: its code, or the command edited for
// this run (by an earlier process: its secrets restored, see edits.go).
func (e *Engine) command(st *runbook.Step, forRun bool) (string, error) {
	e.editMu.Lock()
	c, ok := e.edits[st.ID]
	e.editMu.Unlock()
	if ok {
		return c, nil
	}
	var edited *journal.StepState
	e.rec.read(func(s *journal.State, _ bool) {
		if ss := s.Steps[st.ID]; ss != nil && ss.Command != "" {
			cp := *ss
			edited = &cp
		}
	})
	if edited != nil {
		return restoreEdit(st.ID, edited, e.editLookup(forRun))
	}
	return st.Code, nil
}

// Preview is the exact final command of a step, secrets masked.
func (e *Engine) Preview(stepID string) (string, error) {
	st := e.Doc().Step(stepID)
	if st == nil {
		return "", fmt.Errorf("unknown step %q", stepID)
	}
	if st.Kind == runbook.KindManual {
		return st.Code, nil
	}
	cmd, err := e.command(st, false)
	if err != nil {
		return "", err
	}
	return e.preview(st, cmd, "")
}

// PreviewDoneIf is the exact final done-if command of a step, secrets
// masked, or "" when the step has none: a dry run shows it filled in as
// Run will execute it, not with its placeholders.
func (e *Engine) PreviewDoneIf(stepID string) (string, error) {
	st := e.Doc().Step(stepID)
	if st == nil {
		return "", fmt.Errorf("unknown step %q", stepID)
	}
	if st.Kind == runbook.KindManual || st.Attrs.DoneIf == "" {
		return "", nil
	}
	return e.preview(DoneIfStep(st), st.Attrs.DoneIf, "done-if: ")
}

func (e *Engine) preview(st *runbook.Step, code, what string) (string, error) {
	vals, err := e.resolve(context.Background(), st, false)
	if err != nil {
		return "", err
	}
	filled, err := Fill(st, code, vals)
	if err != nil {
		return "", fmt.Errorf("step %s: %s%w", st.ID, what, err)
	}
	return e.mask(filled.Display), nil
}

// Expand fills the placeholders of a text that is neither shell nor SQL (a
// DSN, a path) with plain values, resolved like a step's (sources
// included). A placeholder without a value is an error naming it.
func (e *Engine) Expand(ctx context.Context, text string) (string, error) {
	var names []string
	runbook.ScanPlaceholders(text, func(name string, _, _ int) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	})
	if len(names) == 0 {
		return text, nil
	}
	vals, err := e.resolve(ctx, &runbook.Step{ID: "expand", Placeholders: names}, true)
	if err != nil {
		return "", errors.New(strings.Replace(err.Error(), "step expand: ", "", 1))
	}
	return fillPlain(text, vals), nil
}
