package steps

import (
	"fmt"
	"slices"

	"github.com/runbook-sh/runbook/runbook"
)

// Selection says which steps a run of many steps considers.
type Selection struct {
	From   string   // start at this step ("" = the first)
	Only   []string // only these steps, in doc order (check and skip steps included)
	Checks bool     // include check steps
}

// Plan lists the steps a selection considers, in doc order: without Only,
// check steps (unless Checks) and skip steps are left out. Manual steps
// are included: the session decides what to do with them.
func Plan(doc *runbook.Document, sel Selection) ([]*runbook.Step, error) {
	for _, id := range append(slices.Clone(sel.Only), sel.From) {
		if id != "" && doc.Step(id) == nil {
			return nil, fmt.Errorf("unknown step %q", id)
		}
	}
	var out []*runbook.Step
	started := sel.From == ""
	for _, st := range doc.Steps {
		if st.ID == sel.From {
			started = true
		}
		switch {
		case !started:
		case len(sel.Only) > 0:
			if slices.Contains(sel.Only, st.ID) {
				out = append(out, st)
			}
		case st.Kind == runbook.KindCheck && !sel.Checks, st.Attrs.Skip:
		default:
			out = append(out, st)
		}
	}
	return out, nil
}

// Plan lists the steps of the engine's doc a selection considers.
func (e *Engine) Plan(sel Selection) ([]*runbook.Step, error) { return Plan(e.Doc(), sel) }
