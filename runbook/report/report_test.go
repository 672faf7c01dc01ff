package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/runbook-sh/runbook/runbook/journal"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/")

func render(t *testing.T, format string, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, in); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	in := fixtureInput(t)
	for _, f := range []struct{ format, file string }{
		{"md", "fixture.report.md"},
		{"html", "fixture.report.html"},
		{"json", "fixture.report.json"},
		{"junit", "fixture.junit.xml"},
	} {
		t.Run(f.format, func(t *testing.T) {
			got := render(t, f.format, in)
			path := filepath.Join("testdata", f.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test -update rewrites it); first difference at line %d",
					f.format, path, firstDiffLine(got, want))
			}
			// Rendering twice gives the same bytes (no map-order leaks).
			if again := render(t, f.format, in); !bytes.Equal(got, again) {
				t.Errorf("%s: two renderings differ", f.format)
			}
		})
	}
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// The secret is in a log, in a note and in Input.Secrets: it must appear
// in no format, not even escaped.
func TestSecretNeverAppears(t *testing.T) {
	in := fixtureInput(t)
	log, err := os.ReadFile(filepath.Join(fixtureRunDir, "logs", "create-vpc.2.log"))
	if err != nil || !bytes.Contains(log, []byte(fixtureSecret)) {
		t.Fatalf("the fixture log must contain the secret (err %v)", err)
	}
	for _, format := range Formats() {
		out := render(t, format, in)
		for _, form := range []string{fixtureSecret, "s3cr3t", "Pa55word", `s3cr3t-Pa55word\u0021`} {
			if bytes.Contains(out, []byte(form)) {
				t.Errorf("%s output contains %q", format, form)
			}
		}
		if !bytes.Contains(out, []byte(maskText)) {
			t.Errorf("%s output has no mask where the secret was", format)
		}
	}
	// Without Input.Secrets the fixture's secret shows (the test can fail).
	in.Secrets = nil
	if out := render(t, "md", in); !bytes.Contains(out, []byte(fixtureSecret)) {
		t.Error("without Secrets the unmasked fixture secret should appear; the masking test proves nothing")
	}
}

// Everything outside the splice points is the document's own bytes: take
// the Markdown report's document part, remove every inserted block and
// marker replacement, and the fixture must come back byte for byte.
func TestMarkdownKeepsDocumentBytes(t *testing.T) {
	in := fixtureInput(t)
	in.Secrets = nil
	v, err := buildView(in)
	if err != nil {
		t.Fatal(err)
	}
	src := in.Doc.Source
	edits := questionEdits(v, statusIcon)
	for i, s := range v.Steps {
		pos, prefix := insertionPoint(src, s.Step)
		edits = append(edits, edit{Start: pos, End: pos, order: 1<<20 + i, Text: mdStepBlock(v, s, prefix, "\n", false, !blankAt(src, pos))})
	}
	out := string(render(t, "md", in))
	body := string(applyEdits(src, in.Doc.FrontMatter.Span.End, len(src), edits))
	if !strings.Contains(out, body) {
		t.Fatal("the report does not contain the annotated document")
	}
	// Undo the edits from the last to the first: what remains is the source.
	got := body
	sorted := append([]edit(nil), edits...)
	sortEdits(sorted)
	offset := in.Doc.FrontMatter.Span.End
	var b strings.Builder
	at := 0 // in got
	prev := offset
	for _, e := range sorted {
		n := e.Start - prev // unchanged source bytes before the edit
		b.WriteString(got[at : at+n])
		at += n
		if !strings.HasPrefix(got[at:], e.Text) {
			t.Fatalf("edit at %d not found in the report", e.Start)
		}
		at += len(e.Text)
		b.Write(src[e.Start:e.End])
		prev = e.End
	}
	b.WriteString(got[at:])
	if b.String() != string(src[offset:]) {
		t.Fatal("the document's bytes outside the splice points changed")
	}
	// The front matter is kept too, inside a code block.
	if !strings.Contains(out, string(src[:offset])) {
		t.Error("the front matter is not in the report")
	}
	// And the splices are where they belong: after the step and indented
	// into the list item that holds it.
	if !strings.Contains(out, "   ```\n\n   > **⌛ timed out** · `push-image`") {
		t.Error("push-image's status is not inside its list item")
	}
	if !strings.Contains(out, "| DNS resolves | `dig +short staging.example.com` |\n\n> **⏸ pending** · `check-health` Health endpoint") {
		t.Error("check statuses do not follow the table")
	}
}

func TestJUnitParses(t *testing.T) {
	out := render(t, "junit", fixtureInput(t))
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Skipped  int `xml:"skipped,attr"`
			Props    []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("junit does not parse: %v", err)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("want one testsuite, got %d", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 13 || s.Failures != 2 || s.Errors != 1 || s.Skipped != 6 || len(s.Cases) != 13 {
		t.Errorf("tests/failures/errors/skipped = %d/%d/%d/%d (%d cases), want 13/2/1/6",
			s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases))
	}
	props := map[string]string{}
	for _, p := range s.Props {
		props[p.Name] = p.Value
	}
	if props["run"] != "staging" || props["who"] != "bob" || props["host"] != "jump-2" {
		t.Errorf("properties: %v", props)
	}
	byName := map[string]int{}
	for i, c := range s.Cases {
		byName[strings.SplitN(c.Name, ":", 2)[0]] = i
	}
	vpc := s.Cases[byName["create-vpc"]]
	if vpc.Classname != "Stand up the staging environment › 2. Network" || vpc.Time != "137.500" {
		t.Errorf("create-vpc: classname %q time %q", vpc.Classname, vpc.Time)
	}
	if vpc.Failure == nil || vpc.Failure.Message != "exit code 1" ||
		!strings.Contains(vpc.Failure.Text, "Releasing state lock.") {
		t.Errorf("create-vpc failure: %+v", vpc.Failure)
	}
	if c := s.Cases[byName["announce"]]; c.Skipped == nil || c.Skipped.Message != "skipped: announced in the weekly meeting" {
		t.Errorf("announce: %+v", c.Skipped)
	}
	if c := s.Cases[byName["request-access"]]; c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "done by hand") {
		t.Errorf("request-access: %+v", c.Skipped)
	}
	if c := s.Cases[byName["migrate"]]; c.Error == nil {
		t.Error("interrupted migrate is not an error")
	}
}

func TestJSONValidatesAgainstSchema(t *testing.T) {
	sch := compileSchema(t)
	out := render(t, "json", fixtureInput(t))
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the JSON report does not match docs/report.schema.json:\n%v", err)
	}
	// The schema is strict: an unknown field or a wrong status fails.
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	m["surprise"] = true
	if sch.Validate(m) == nil {
		t.Error("the schema accepts unknown top-level fields")
	}
	delete(m, "surprise")
	m["steps"].([]any)[0].(map[string]any)["status"] = "fine"
	if sch.Validate(m) == nil {
		t.Error("the schema accepts an unknown status")
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../docs/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestWriteFixtureHTML writes the fixture's HTML report where
// RUNBOOK_REPORT_HTML says (scripts/check-html-report uses it).
func TestWriteFixtureHTML(t *testing.T) {
	out := os.Getenv("RUNBOOK_REPORT_HTML")
	if out == "" {
		t.Skip("RUNBOOK_REPORT_HTML not set")
	}
	if err := os.WriteFile(out, render(t, "html", fixtureInput(t)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHTMLInChromium opens the report in headless Chromium: no console
// errors, no request but the file itself, and a screenshot. The same check
// must fail on a page that fetches something.
func TestHTMLInChromium(t *testing.T) {
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium not on PATH")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "report.html")
	if err := os.WriteFile(good, render(t, "html", fixtureInput(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(html string) (string, error) {
		cmd := exec.Command("bash", "../../scripts/check-html-report", html)
		cmd.Env = append(os.Environ(), "CHECK_OUT="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := check(good); err != nil {
		t.Fatalf("report fails the browser check: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "report.png")); err != nil || fi.Size() < 10000 {
		t.Errorf("no screenshot (%v)", err)
	}
	bad := filepath.Join(dir, "bad.html")
	page := `<!DOCTYPE html><html><head><title>bad</title></head><body>
<img src="http://127.0.0.1:9/pixel.png"><script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(bad, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := check(bad)
	if err == nil {
		t.Fatalf("a page that fetches and logs an error passes the check:\n%s", out)
	}
	if !strings.Contains(out, "127.0.0.1:9/pixel.png") || !strings.Contains(out, "boom") {
		t.Errorf("the check does not name the request and the console error:\n%s", out)
	}
}

// A step the journal still has running, in a run no process has open, was
// running when runbook stopped.
func TestRunningStepOfADeadRun(t *testing.T) {
	in := fixtureInput(t)
	in.Live = false
	v, err := buildView(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Steps {
		if s.ID != "smoke-test" {
			continue
		}
		if a := s.last(); s.Status != "interrupted" || a.Status != "interrupted" || a.Error != "runbook stopped while the step was running" {
			t.Errorf("smoke-test: %s, last attempt %s %q", s.Status, a.Status, a.Error)
		}
		return
	}
	t.Fatal("no smoke-test step")
}

// The output a step printed before runbook died is in its log although no
// step-finished event names that log: the report shows it. It used to show
// no output at all for the step of most interest in a half-finished run.
func TestRunningStepShowsItsLog(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(fixtureRunDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, journal.LogPath("smoke-test", 1)), []byte("checking health\nHTTP 503\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := fixtureInput(t)
	in.RunDir, in.Live = dir, false
	v, err := buildView(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Steps {
		if s.ID != "smoke-test" {
			continue
		}
		a := s.last()
		if a.Log != "logs/smoke-test.1.log" || a.Excerpt == nil || strings.Join(a.Excerpt.Head, "|") != "checking health|HTTP 503" {
			t.Fatalf("smoke-test: log %q excerpt %+v", a.Log, a.Excerpt)
		}
		return
	}
	t.Fatal("no smoke-test step")
}

// TestHTMLSelfContained holds without a browser: nothing in the page can
// load anything, and a document that embeds images and raw HTML does not
// change that.
func TestHTMLSelfContained(t *testing.T) {
	in := fixtureInput(t)
	doc := fixtureDocument(t)
	doc.Source = append(doc.Source, "\n![x](https://example.com/x.png) <img src=\"https://example.com/y.png\"> <script>alert(1)</script>\n<link rel=stylesheet href=\"https://example.com/s.css\">\n"...)
	in.Doc = doc
	out := strings.ToLower(string(render(t, "html", in)))
	for _, bad := range []string{"<script", "<img", "<link", "<iframe", "<object", "<embed", "<video", "<audio",
		"<source", "@import", "url(", "src=", "srcset=", "@font-face"} {
		if strings.Contains(out, bad) {
			i := strings.Index(out, bad)
			t.Errorf("the HTML report contains %q: …%s…", bad, out[max(0, i-60):min(len(out), i+60)])
		}
	}
	if !strings.Contains(out, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("no Content-Security-Policy forbidding loads")
	}
	if !strings.Contains(out, `<a class="image" href="https://example.com/x.png">image: x</a>`) {
		t.Error("a document image is not shown as a link")
	}
}
