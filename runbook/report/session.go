package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// What a run that is one terminal session adds to a report: each step's
// changes to the shell session and its confirmed named outputs, and the
// session as the run left it. Secret values are never in the journal;
// they show as ****.

// changeView is one change a step made to the shell session, or one
// value of the session.
type changeView struct {
	Name   string // a variable's or a function's name; "cwd" for the directory
	Kind   string // scalar, array, assoc, function, cwd
	Value  string // on one line, masked; "" when unset
	Unset  bool
	Secret bool
	Step   string // the step that set it (the session's values)
}

// Text is the change as one short item: `VPC_ID=vpc-1`, `certs=(a b)`,
// `-OLD`, `greet()`, `cwd=/srv`, `TOKEN=****`.
func (c changeView) Text() string {
	switch {
	case c.Kind == "cwd":
		return "cwd=" + c.Value
	case c.Kind == "function" && c.Unset:
		return "-" + c.Name + "()"
	case c.Kind == "function":
		return c.Name + "()"
	case c.Unset:
		return "-" + c.Name
	}
	return c.Name + "=" + c.Value
}

// outputView is a named output the engineer confirmed.
type outputView struct {
	Name    string // the placeholder's
	Value   string // masked
	Secret  bool
	Step    string
	Written bool // recorded into the doc
}

// changes are a session change as the report shows it.
func (v *view) changes(c *journal.SessionChange) []changeView {
	if c.Empty() {
		return nil
	}
	m := v.mask
	var out []changeView
	for _, x := range c.Vars {
		out = append(out, v.varChange(x, ""))
	}
	for _, f := range c.Funcs {
		out = append(out, changeView{Name: m.s(f.Name), Kind: "function", Unset: f.Unset, Secret: f.Secret})
	}
	if c.Cwd != "" {
		out = append(out, changeView{Name: "cwd", Kind: "cwd", Value: m.s(c.Cwd)})
	}
	return out
}

func (v *view) varChange(x journal.ShellVar, step string) changeView {
	m := v.mask
	cv := changeView{Name: m.s(x.Name), Kind: string(x.Kind), Unset: x.Unset, Secret: x.Secret, Step: m.s(step)}
	switch {
	case x.Unset:
	case x.Secret:
		cv.Value = maskText
	case x.Omitted != "":
		cv.Value = "(" + x.Omitted + ")"
	default:
		cv.Value = m.s(oneLine(x.Text()))
	}
	return cv
}

// buildSession lists the session as the run left it and the confirmed
// outputs.
func (v *view) buildSession(st *journal.State) {
	m := v.mask
	if s := st.Session; !s.Empty() {
		names := make([]string, 0, len(s.Vars))
		for n := range s.Vars {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if x := s.Vars[n]; !x.Unset {
				v.Session = append(v.Session, v.varChange(x, s.From["var "+n]))
			}
		}
		names = names[:0]
		for n := range s.Funcs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f := s.Funcs[n]
			v.Session = append(v.Session, changeView{Name: m.s(n), Kind: "function", Secret: f.Secret, Step: m.s(s.From["func "+n])})
		}
		if s.Cwd != "" {
			v.Session = append(v.Session, changeView{Name: "cwd", Kind: "cwd", Value: m.s(s.Cwd), Step: m.s(s.From["cwd"])})
		}
	}
	names := make([]string, 0, len(st.Outputs))
	for n := range st.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := st.Outputs[n]
		ov := outputView{Name: m.s(n), Value: m.s(o.Value), Secret: o.Secret, Step: m.s(o.Step), Written: o.Written}
		if o.Secret {
			ov.Value = maskText
		}
		v.Outputs = append(v.Outputs, ov)
	}
}

// stepOutputs are the confirmed outputs a step gave.
func (v *view) stepOutputs(id string) []outputView {
	var out []outputView
	for _, o := range v.Outputs {
		if o.Step == id {
			out = append(out, o)
		}
	}
	return out
}

// changesText is a step's changes on one line.
func changesText(cs []changeView) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Text()
	}
	return strings.Join(parts, " · ")
}

// outputsText is a step's confirmed outputs on one line.
func outputsText(os []outputView) string {
	parts := make([]string, len(os))
	for i, o := range os {
		parts[i] = fmt.Sprintf("<%s> = %s", o.Name, o.Value)
	}
	return strings.Join(parts, " · ")
}
