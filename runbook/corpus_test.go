package runbook

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The public corpus (testdata/corpus/SOURCE/*.md, see its README.md):
// real runbooks and READMEs with hand-written labels of the steps and
// placeholders a person reading them would see. The parser must find
// them with precision and recall of at least 0.97 each, and no step may
// run a literal prompt or nothing at all.

const corpusMinScore = 0.97

type corpusLabels struct {
	Steps        []map[string]string `yaml:"steps"`
	Placeholders []string            `yaml:"placeholders"`
}

type corpusSource struct {
	Repository  string `yaml:"repository"`
	License     string `yaml:"license"`
	Attribution string `yaml:"attribution"`
	Docs        map[string]struct {
		Path   string `yaml:"path"`
		Commit string `yaml:"commit"`
	} `yaml:"docs"`
}

// permissive are the licences a corpus document may carry.
var permissive = map[string]bool{"Apache-2.0": true, "MIT": true, "BSD-2-Clause": true, "BSD-3-Clause": true, "CC-BY-4.0": true}

type corpusDoc struct {
	name   string // SOURCE/NAME
	src    []byte
	labels corpusLabels
}

func loadCorpus(t *testing.T) []corpusDoc {
	t.Helper()
	dirs, _ := filepath.Glob("testdata/corpus/*/SOURCE.yaml")
	var docs []corpusDoc
	for _, sf := range dirs {
		dir := filepath.Dir(sf)
		var src corpusSource
		if err := readYAML(sf, &src); err != nil {
			t.Fatal(err)
		}
		if !permissive[src.License] || src.Repository == "" || src.Attribution == "" {
			t.Errorf("%s: licence %q, repository %q, attribution %q: want a permissive SPDX id and both set", sf, src.License, src.Repository, src.Attribution)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".md")
			if d, ok := src.Docs[name]; !ok || d.Path == "" || len(d.Commit) != 40 {
				t.Errorf("%s: %s is not listed with its path and commit", sf, name)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var l corpusLabels
			if err := readYAML(strings.TrimSuffix(f, ".md")+".labels.yaml", &l); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, corpusDoc{name: filepath.Base(dir) + "/" + name, src: b, labels: l})
		}
	}
	return docs
}

func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// stepKey is how a step is compared with its label: kind and first line
// of what runs (comments skipped), whitespace folded.
func stepKey(kind, code string) string {
	for line := range strings.SplitSeq(code, "\n") {
		if t := strings.TrimSpace(line); t != "" && (t[0] != '#' || kind == "manual") {
			return kind + ": " + strings.Join(strings.Fields(t), " ")
		}
	}
	return kind + ": "
}

// match counts the items of got found in want (as multisets) and returns
// the unmatched of each.
func match(got, want []string) (tp int, extra, missing []string) {
	left := slices.Clone(want)
	for _, g := range got {
		if i := slices.Index(left, g); i >= 0 {
			left = slices.Delete(left, i, i+1)
			tp++
			continue
		}
		extra = append(extra, g)
	}
	return tp, extra, left
}

func TestCorpusPrecisionRecall(t *testing.T) {
	docs := loadCorpus(t)
	if len(docs) < 40 {
		t.Errorf("corpus has %d documents, want at least 40", len(docs))
	}
	var sTP, sGot, sWant, pTP, pGot, pWant, badSteps int
	for _, d := range docs {
		doc, err := Parse(d.name+".md", d.src)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		var got, want []string
		for _, st := range doc.Steps {
			got = append(got, stepKey(st.Kind.String(), st.Code))
			if !hasCommand(st.Code) && st.Kind != KindManual || strings.TrimSpace(st.Code) == "" {
				badSteps++
				t.Errorf("%s:%d: step %s runs nothing: %q", d.name, st.Line, st.ID, st.Code)
			}
			for line := range strings.SplitSeq(st.Code, "\n") {
				if st.Kind != KindManual && (dollarPrompt(line) > 0 || strings.HasPrefix(line, "❯ ")) {
					badSteps++
					t.Errorf("%s:%d: step %s would run a prompt: %q", d.name, st.Line, st.ID, line)
				}
			}
		}
		for _, l := range d.labels.Steps {
			for k, v := range l {
				want = append(want, stepKey(k, v))
			}
		}
		tp, extra, missing := match(got, want)
		sTP, sGot, sWant = sTP+tp, sGot+len(got), sWant+len(want)
		for _, e := range extra {
			t.Logf("%s: step not in the labels: %s", d.name, e)
		}
		for _, m := range missing {
			t.Logf("%s: labelled step not found: %s", d.name, m)
		}
		var phs []string
		for _, p := range doc.Placeholders {
			if len(p.Lines) > 0 {
				phs = append(phs, p.Name)
			}
		}
		tp, extra, missing = match(phs, d.labels.Placeholders)
		pTP, pGot, pWant = pTP+tp, pGot+len(phs), pWant+len(d.labels.Placeholders)
		for _, e := range extra {
			t.Logf("%s: placeholder not in the labels: %s", d.name, e)
		}
		for _, m := range missing {
			t.Logf("%s: labelled placeholder not found: %s", d.name, m)
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	sp, sr, pp, pr := ratio(sTP, sGot), ratio(sTP, sWant), ratio(pTP, pGot), ratio(pTP, pWant)
	t.Logf("corpus: %d documents; steps: %d labelled, %d found, precision %.3f recall %.3f; placeholders: %d labelled, %d found, precision %.3f recall %.3f",
		len(docs), sWant, sGot, sp, sr, pWant, pGot, pp, pr)
	for _, m := range []struct {
		name string
		v    float64
	}{{"step precision", sp}, {"step recall", sr}, {"placeholder precision", pp}, {"placeholder recall", pr}} {
		if m.v < corpusMinScore {
			t.Errorf("%s %.3f < %.2f", m.name, m.v, corpusMinScore)
		}
	}
	if badSteps > 0 {
		t.Errorf("%d steps run a literal prompt or nothing", badSteps)
	}
}

// TestCorpusRoundTrip: on every corpus document, in LF, CRLF and BOM
// variants, a no-op write-back gives the same bytes and answering any one
// question (one is put before every paragraph) changes only its block.
func TestCorpusRoundTrip(t *testing.T) {
	docs := loadCorpus(t)
	trips, answered := 0, 0
	for _, d := range docs {
		lf := bytes.ReplaceAll(d.src, []byte("\r\n"), []byte("\n"))
		for _, v := range []struct {
			name string
			src  []byte
		}{
			{"LF", lf},
			{"CRLF", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))},
			{"BOM", append([]byte(utf8BOM), lf...)},
		} {
			name := d.name + " " + v.name
			wbCheckNoOp(t, name, v.src)
			// (a doc made only of code blocks has no paragraph to ask in)
			answered += wbCheckAnswerAll(t, name+" with questions", wbWithQuestions(v.src))
			trips++
		}
	}
	t.Logf("%d documents, %d no-op round trips, %d one-answer round trips", len(docs), trips, answered)
	if answered < 10*len(docs) {
		t.Errorf("only %d questions answered over %d documents", answered, len(docs))
	}
}
