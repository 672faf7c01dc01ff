package steps

import (
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
)

// Filled is a command with its placeholders filled, ready to run.
type Filled struct {
	// Run is the text the executor runs. In a SQL step every string
	// literal holding a placeholder is a `?` here, its value in Binds.
	Run string
	// Display is what is shown and journaled: secret values masked, and in
	// a SQL step each bound literal written out with its value, quoted for
	// reading only (it is never run).
	Display string
	// Binds are the values of a SQL step's `?` markers, in order.
	Binds []Bind
}

// Bind is a value sent to the SQL server as a parameter of a prepared
// statement: runbook never writes a value into SQL text, so no character
// set or sql_mode can make it code. (Where the grammar takes no parameter,
// the server itself writes it in; see steps/sql.)
type Bind struct {
	// Offset is the byte offset of the `?` in Filled.Run (Request.Command).
	Offset int
	// Value is what the server receives: the string literal the
	// placeholders sat in, with their values in place.
	Value string
	// Label names the placeholders of the literal as written ("<pw>"),
	// for messages.
	Label string
}

// Fill fills the placeholders of code (a step's Code, its done-if, or a
// command edited for this run) with vals. Shell and manual steps are
// filled by Substitute; SQL steps send every value that sits in a string
// literal as a bind parameter (see fillSQL).
func Fill(step *runbook.Step, code string, vals map[string]Value) (Filled, error) {
	if step == nil || step.Kind != runbook.KindSQL {
		run, display, err := Substitute(step, code, vals)
		return Filled{Run: run, Display: display}, err
	}
	for _, n := range step.Placeholders {
		if _, ok := vals[n]; !ok {
			return Filled{}, fmt.Errorf("no value for placeholder %s", placeholderLabel(code, n))
		}
	}
	occs := findPlaceholders(step, code, vals)
	for _, o := range occs {
		if strings.IndexByte(vals[o.name].Text, 0) >= 0 {
			return Filled{}, fmt.Errorf("value for %s contains a NUL byte", o.label)
		}
	}
	if len(occs) == 0 {
		return Filled{Run: code, Display: code}, nil
	}
	return fillSQL(step, code, occs, vals)
}

// docLine is the document line of byte off of code: exact for the step's
// own code, the step's line for a done-if or an edited command.
func docLine(step *runbook.Step, code string, off int) int {
	if step.Line == 0 || code != step.Code {
		return step.Line
	}
	// Line is the opening fence; the code starts on the next line.
	return step.Line + 1 + strings.Count(code[:off], "\n")
}
