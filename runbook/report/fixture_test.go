package report

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// The fixture run (testdata/run) has a step in every status. Its document
// model is built here by hand rather than by runbook.Parse, so that the
// golden reports change only when the report changes: each span is found by
// searching the fixture's source for the text it covers.

const (
	fixtureDoc    = "testdata/fixture.md"
	fixtureRunDir = "testdata/run"
	fixtureSecret = "s3cr3t-Pa55word!"
)

var fixtureNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type docBuilder struct {
	t   testing.TB
	src string
	doc *runbook.Document
}

// find returns the span of the only occurrence of s.
func (b *docBuilder) find(s string) runbook.Span {
	b.t.Helper()
	i := strings.Index(b.src, s)
	if i < 0 || strings.Count(b.src, s) != 1 {
		b.t.Fatalf("fixture: %q found %d times", s, strings.Count(b.src, s))
	}
	return runbook.Span{Start: i, End: i + len(s)}
}

func (b *docBuilder) line(off int) int { return 1 + strings.Count(b.src[:off], "\n") }

func (b *docBuilder) lineEnd(off int) int {
	if i := strings.IndexByte(b.src[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(b.src)
}

func (b *docBuilder) section(title string, level, parent int, id string) {
	h := b.find(strings.Repeat("#", level) + " " + title + "\n")
	h.End--
	b.doc.Sections = append(b.doc.Sections, &runbook.Section{ID: id, Title: title, Level: level,
		Line: b.line(h.Start), Parent: parent, Heading: h})
}

// fence adds the fenced block whose info string holds name=id.
func (b *docBuilder) fence(id string, kind runbook.StepKind, lang string, section int) {
	open := b.find("name=" + id)
	start := strings.LastIndex(b.src[:open.Start], "```")
	end := strings.Index(b.src[open.End:], "```\n") + open.End + 3
	codeStart := b.lineEnd(open.Start) + 1
	b.step(&runbook.Step{ID: id, Kind: kind, Lang: lang, Section: section,
		Span: runbook.Span{Start: start, End: end}, CodeSpan: runbook.Span{Start: codeStart, End: strings.LastIndex(b.src[:end], "\n")}})
}

func (b *docBuilder) task(id, text string, checked bool, section int) {
	box := "[ ] "
	if checked {
		box = "[x] "
	}
	sp := b.find("- " + box + text)
	b.step(&runbook.Step{ID: id, Kind: runbook.KindManual, Section: section, Span: sp, Title: text,
		Checked: checked, Box: runbook.Span{Start: sp.Start + 2, End: sp.Start + 5},
		CodeSpan: runbook.Span{Start: sp.Start + 6, End: sp.End}})
}

func (b *docBuilder) check(id, row string, section int) {
	sp := b.find(row)
	b.step(&runbook.Step{ID: id, Kind: runbook.KindCheck, Section: section, Span: sp,
		Title: strings.TrimSpace(strings.Split(row, "|")[1])})
}

func (b *docBuilder) step(s *runbook.Step) {
	s.Line, s.EndLine = b.line(s.Span.Start), b.line(s.Span.End)
	if s.Title == "" {
		s.Title = s.ID
	}
	if s.CodeSpan.End > s.CodeSpan.Start {
		s.Code = b.src[s.CodeSpan.Start:s.CodeSpan.End]
	}
	s.Hash = "h-" + s.ID
	b.doc.Steps = append(b.doc.Steps, s)
}

func (b *docBuilder) question(id, text string, section int, in runbook.BlockKind) {
	mk := b.find("[VERIFY] " + text)
	mk.End = mk.Start + len("[VERIFY] ")
	ts := runbook.Span{Start: mk.End, End: mk.End + len(text)}
	b.doc.Questions = append(b.doc.Questions, &runbook.Question{ID: id, Text: text, Section: section,
		Line: b.line(mk.Start), In: in, Marker: mk, TextSpan: ts, Block: runbook.Span{Start: mk.Start, End: ts.End}})
}

func fixtureDocument(t testing.TB) *runbook.Document {
	t.Helper()
	src, err := os.ReadFile(fixtureDoc)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	b := &docBuilder{t: t, src: string(src), doc: &runbook.Document{
		Path: fixtureDoc, Source: src, Hash: hex.EncodeToString(sum[:]), Title: "Stand up the staging environment",
	}}
	fm := b.find("---\nvariables:")
	fmEnd := strings.Index(b.src[fm.End:], "\n---\n") + fm.End + len("\n---\n")
	secretVar := &runbook.Variable{Name: "db_password", Prompt: "Database admin password", Secret: true, Source: "env:DB_PASSWORD", Line: 3}
	b.doc.FrontMatter = &runbook.FrontMatter{Span: runbook.Span{Start: 0, End: fmEnd}, Line: 1,
		Variables: []*runbook.Variable{secretVar},
		AWS:       &runbook.AWSGuard{Account: "123456789012", Region: "eu-west-1"}}

	b.section("Stand up the staging environment", 1, -1, "stand-up-the-staging-environment")
	b.section("1. Prerequisites", 2, 0, "stand-up-the-staging-environment/1-prerequisites")
	b.section("2. Network", 2, 0, "stand-up-the-staging-environment/2-network")
	b.section("2.1 Peering", 3, 2, "stand-up-the-staging-environment/2-network/21-peering")
	b.section("3. Application", 2, 0, "stand-up-the-staging-environment/3-application")
	b.section("4. Cut over", 2, 0, "stand-up-the-staging-environment/4-cut-over")

	b.question("q-aws-account", "Which AWS account is staging? Recommended: 123456789012", 1, runbook.InListItem)
	b.question("q-vpn", "Do we need the VPN for the console?", 1, runbook.InListItem)
	b.task("request-access", "Request access to the staging account", true, 1)
	b.task("announce", "Announce the change window in #ops", false, 1)
	b.fence("check-tools", runbook.KindShell, "bash", 1)
	b.question("q-cidr", "Which CIDR should the VPC use? Suggested: 10.20.0.0/16", 2, runbook.InBlockQuote)
	b.fence("create-vpc", runbook.KindShell, "bash", 2)
	b.fence("peering", runbook.KindShell, "bash", 3)
	b.fence("push-image", runbook.KindShell, "bash", 4)
	b.fence("migrate", runbook.KindSQL, "sql", 4)
	b.fence("seed-data", runbook.KindShell, "sh", 4)
	b.fence("smoke-test", runbook.KindShell, "bash", 4)
	b.check("check-health", "| Health endpoint | `curl -fsS https://staging.example.com/health` |", 4)
	b.check("check-dns", "| DNS resolves | `dig +short staging.example.com` |", 4)
	b.question("q-approver", "Who approves the DNS change?", 5, runbook.InTableCell)
	b.fence("dns-cutover", runbook.KindShell, "bash", 5)
	for _, s := range b.doc.Steps {
		if s.Kind == runbook.KindCheck {
			s.Code = strings.Trim(strings.Split(b.src[s.Span.Start:s.Span.End], "|")[2], " `")
		}
	}
	b.doc.Placeholders = []*runbook.Placeholder{
		{Name: "env", Lines: []int{34, 52, 60}},
		{Name: "account-id", Lines: []int{35}},
		{Name: "peering-id", Lines: []int{41}},
		{Name: "db_password", Secret: true, Var: secretVar},
	}
	return b.doc
}

// fixtureInput is the fixture run as the CLI would load it.
func fixtureInput(t testing.TB) Input {
	t.Helper()
	events, st, err := journal.Load(fixtureRunDir)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Doc: fixtureDocument(t), State: st, Events: events, RunDir: fixtureRunDir,
		Secrets: []string{fixtureSecret}, Now: fixtureNow, Live: true}
}
