package runbook

import (
	"regexp"
	"slices"
	"strings"
)

// outputWrite matches what a step writes to $RUNBOOK_OUTPUT: `name=` or
// `name<<` starting a word (echo "endpoint=$EP" >> "$RUNBOOK_OUTPUT").
var outputWrite = regexp.MustCompile(`(?:^|[\s"'({;|])([A-Za-z_][A-Za-z0-9_.-]*)(?:=|<<)`)

// stepOutputs finds, for each step whose code uses $RUNBOOK_OUTPUT, the
// placeholders of the doc it may write there. It reads more than the step
// may write (a shell assignment `ENDPOINT=…` in such a step counts): at
// worst a value is asked when the step that was to give it did not.
func (p *parser) stepOutputs() {
	if len(p.doc.Placeholders) == 0 {
		return
	}
	for _, st := range p.doc.Steps {
		if st.Kind != KindShell || !strings.Contains(st.Code, "RUNBOOK_OUTPUT") {
			continue
		}
		for _, m := range outputWrite.FindAllStringSubmatch(st.Code, -1) {
			name := PlaceholderName(m[1])
			if p.doc.Placeholder(name) != nil && !slices.Contains(st.Outputs, name) {
				st.Outputs = append(st.Outputs, name)
			}
		}
	}
}
