package steps

import (
	"fmt"
	"strings"
	"sync"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// A step may write named outputs to the file $RUNBOOK_OUTPUT names, in
// GitHub Actions' format: `name=value` lines, and `name<<DELIM` … `DELIM`
// for a value over several lines. An output whose name is a placeholder's
// (runbook.PlaceholderName: `secrets_arn` names <secrets-arn>) is offered
// to the engineer; once confirmed it is the placeholder's value for the
// rest of the run, journaled (an `output` event) and offered for
// write-back into the doc.

// RawOutput is one output as the step wrote it.
type RawOutput struct {
	Name  string
	Value string
}

// ParseOutputs reads a $RUNBOOK_OUTPUT file. A line that is neither form,
// and a multi-line value whose delimiter never comes, are errors naming
// the line; what was read before them is returned.
func ParseOutputs(b []byte) ([]RawOutput, error) {
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	var out []RawOutput
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok && outputName(name) && delim != "" && !strings.Contains(name, "=") {
			var val []string
			j := i + 1
			for ; j < len(lines) && lines[j] != delim; j++ {
				val = append(val, lines[j])
			}
			if j >= len(lines) {
				return out, fmt.Errorf("$RUNBOOK_OUTPUT line %d: %s<<%s: the delimiter %s never comes", i+1, name, delim, delim)
			}
			out = append(out, RawOutput{name, strings.Join(val, "\n")})
			i = j
			continue
		}
		name, val, ok := strings.Cut(l, "=")
		if !ok || !outputName(name) {
			return out, fmt.Errorf("$RUNBOOK_OUTPUT line %d: want name=value or name<<DELIMITER", i+1)
		}
		out = append(out, RawOutput{name, val})
	}
	return out, nil
}

// outputName reports whether s can name an output: letters, digits, _,
// - and ., starting with a letter or _.
func outputName(s string) bool {
	if s == "" || !(s[0] == '_' || s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			return false
		}
	}
	return true
}

// OutputOffer is a step's named output waiting for the engineer.
type OutputOffer struct {
	Name string // the placeholder's name
	// Shown is the value as frontends show it (masked when Secret); the
	// value itself stays in the engine.
	Shown  string
	Secret bool
	// Current is the placeholder's value now (masked), "" when none.
	Current string
	Step    string
	Attempt int
}

// pendingOutput is an output waiting for confirmation, with its value.
type pendingOutput struct {
	OutputOffer
	value string
}

// outputs are the named outputs waiting for the engineer, by step.
type outputs struct {
	mu      sync.Mutex
	pending map[string][]pendingOutput
}

// offerOutputs reads what an attempt wrote to $RUNBOOK_OUTPUT and keeps
// the outputs that name a placeholder (and fit its pattern) for the
// engineer to confirm. It returns notes about the rest.
func (e *Engine) offerOutputs(st *runbook.Step, attempt int, raw []byte) []string {
	if len(raw) == 0 {
		return nil
	}
	parsed, err := ParseOutputs(raw)
	var notes []string
	if err != nil {
		notes = append(notes, err.Error())
	}
	known := e.masks.get(e.secrets())
	var offers []pendingOutput
	seen := map[string]int{}
	for _, o := range parsed {
		name := runbook.PlaceholderName(o.Name)
		if !e.vars.isKnown(name) {
			notes = append(notes, fmt.Sprintf("output %s names no placeholder of the doc: not used", o.Name))
			continue
		}
		if err := e.vars.validate(name, o.Value); err != nil {
			notes = append(notes, fmt.Sprintf("output %s: %v: not used", o.Name, err))
			continue
		}
		secret := e.vars.secret(name) || (!known.Empty() && known.String(o.Value) != o.Value)
		p := pendingOutput{OutputOffer: OutputOffer{Name: name, Secret: secret, Step: st.ID, Attempt: attempt}, value: o.Value}
		p.Shown = o.Value
		if secret {
			p.Shown = Mask
		}
		if cur, _, ok := e.vars.peek(name); ok {
			p.Current = e.mask(cur)
			if e.vars.secret(name) {
				p.Current = Mask
			}
		}
		if i, dup := seen[name]; dup {
			offers[i] = p // the last one written wins
			continue
		}
		seen[name] = len(offers)
		offers = append(offers, p)
	}
	e.outputs.mu.Lock()
	if e.outputs.pending == nil {
		e.outputs.pending = map[string][]pendingOutput{}
	}
	if len(offers) > 0 {
		e.outputs.pending[st.ID] = offers
	} else {
		delete(e.outputs.pending, st.ID)
	}
	e.outputs.mu.Unlock()
	return notes
}

// PendingOutputs are the named outputs of a step's last attempt waiting
// for the engineer to confirm, in the order it wrote them.
func (e *Engine) PendingOutputs(step string) []OutputOffer {
	e.outputs.mu.Lock()
	defer e.outputs.mu.Unlock()
	var out []OutputOffer
	for _, p := range e.outputs.pending[step] {
		out = append(out, p.OutputOffer)
	}
	return out
}

// ConfirmOutputs takes a step's pending outputs: each name in accept is
// confirmed, with the value given there ("" keeps the step's own; a value
// the engineer typed instead replaces it), the others are dropped. A
// confirmed output is the placeholder's value from now on (above --set
// and the rest: it is what the run found), journaled (secrets by name
// only) and offered for write-back.
func (e *Engine) ConfirmOutputs(step string, accept map[string]string) error {
	e.outputs.mu.Lock()
	pending := e.outputs.pending[step]
	delete(e.outputs.pending, step)
	e.outputs.mu.Unlock()
	for _, p := range pending {
		v, ok := accept[p.Name]
		if !ok {
			continue
		}
		if v == "" {
			v = p.value
		}
		if err := e.vars.setOutput(p.Name, v, p.Secret); err != nil {
			return err
		}
		secret := e.vars.secret(p.Name)
		ev := journal.Event{Type: journal.OutputGiven, Step: step, Attempt: p.Attempt, Name: p.Name, Secret: secret, Who: e.who}
		if !secret {
			ev.Value = v
		}
		if _, err := e.rec.record(ev); err != nil {
			return err
		}
		if err := e.journalVar(p.Name, resolved{value: v, src: FromOutput, source: FromOutput.String(), secret: secret}); err != nil {
			return err
		}
	}
	return nil
}

// DropOutputs forgets a step's pending outputs (the engineer said no, or
// the step did not succeed).
func (e *Engine) DropOutputs(step string) {
	e.outputs.mu.Lock()
	delete(e.outputs.pending, step)
	e.outputs.mu.Unlock()
}
