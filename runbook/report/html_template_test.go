package report

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"testing"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// The HTML report used to be written by html/template
// (testdata/report.html.tmpl, kept for this test). TestHTMLMatchesTemplate
// holds the hand-written page to it byte for byte, on the fixture run and
// on the same run with hostile text everywhere, so that the escaping stays
// html/template's: the test binary may link html/template, runbook need
// not.

type tmplPage struct {
	*htmlPage
	CSS      template.CSS
	Preamble template.HTML
	Sections []tmplSection
	Orphans  []template.HTML
}

type tmplSection struct {
	htmlSection
	Body template.HTML
}

func referenceTemplate(t *testing.T) *template.Template {
	t.Helper()
	src, err := os.ReadFile("testdata/report.html.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"icon": htmlIcon, "label": statusText, "class": statusClass,
		"time": formatTime, "duration": formatDuration, "short": shortHash, "worst": worst,
		"statusList": func(c map[journal.Status]int) []statusCount {
			var out []statusCount
			for _, s := range statuses(c) {
				out = append(out, statusCount{s, c[s]})
			}
			return out
		},
		"attention": attention,
		"hOpen": func(level int, anchor string) template.HTML {
			return template.HTML(fmt.Sprintf(`<h%d id="%s-h" class="sec-title">`, min(level+1, 6), template.HTMLEscapeString(anchor)))
		},
		"hClose": func(level int) template.HTML { return template.HTML(fmt.Sprintf("</h%d>", min(level+1, 6))) },
	}).Parse(string(src)))
}

// hostile puts text that needs escaping into every field a run or a
// document can fill.
func hostile(v *view) {
	const x = `<b>"it's" & 1+1</b>` + "\x00"
	v.Title += x
	v.Run += x
	for _, s := range v.Sections {
		s.Title += x
	}
	for _, s := range append(append([]*stepView{}, v.Steps...), v.Orphans...) {
		s.Title += x
		s.Note += x
		s.Edited += x
		for _, a := range s.Attempts {
			a.Error += x
			a.LogPath += x
			if a.Excerpt != nil {
				a.Excerpt.Err += x
				a.Excerpt.Path += x
				for i := range a.Excerpt.Head {
					a.Excerpt.Head[i] += x
				}
				for i := range a.Excerpt.Tail {
					a.Excerpt.Tail[i] += x
				}
			}
		}
	}
	for _, q := range v.Questions {
		q.Text += x
		q.Answer += x
		q.Who += x
	}
	for i := range v.Vars {
		v.Vars[i].Name += x
		v.Vars[i].Value += x
		v.Vars[i].Source += x
	}
	for i := range v.Notes {
		v.Notes[i].Text += x
		v.Notes[i].Step += x
	}
}

func TestHTMLMatchesTemplate(t *testing.T) {
	tmpl := referenceTemplate(t)
	for _, name := range []string{"fixture", "hostile"} {
		t.Run(name, func(t *testing.T) {
			v, err := buildView(fixtureInput(t))
			if err != nil {
				t.Fatal(err)
			}
			if name == "hostile" {
				hostile(v)
			}
			pg, err := buildPage(v)
			if err != nil {
				t.Fatal(err)
			}
			// Every step card, as the template's "step" wrote it.
			for _, s := range append(append([]*stepView{}, v.Steps...), v.Orphans...) {
				var want bytes.Buffer
				if err := tmpl.ExecuteTemplate(&want, "step", newHTMLStep(s)); err != nil {
					t.Fatal(err)
				}
				if got := stepCard(s); got != want.String() {
					t.Errorf("step %s:\n got %s\nwant %s", s.ID, got, want.String())
				}
			}
			// The page around them.
			tp := tmplPage{htmlPage: pg, CSS: template.CSS(pg.CSS), Preamble: template.HTML(pg.Preamble)}
			for _, s := range pg.Sections {
				tp.Sections = append(tp.Sections, tmplSection{htmlSection: s, Body: template.HTML(s.Body)})
			}
			for _, o := range pg.Orphans {
				tp.Orphans = append(tp.Orphans, template.HTML(o))
			}
			var want bytes.Buffer
			if err := tmpl.ExecuteTemplate(&want, "page", tp); err != nil {
				t.Fatal(err)
			}
			var got page
			writePage(&got, pg)
			if got.String() != want.String() {
				t.Errorf("page differs from the template's:\n%s", firstDiff(got.String(), want.String()))
			}
		})
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-200, 0)
	return fmt.Sprintf("at byte %d:\n got …%s\nwant …%s", i, a[from:min(i+200, len(a))], b[from:min(i+200, len(b))])
}
