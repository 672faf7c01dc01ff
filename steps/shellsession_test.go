//go:build unix

package steps_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/shell"
)

// These tests run real shells through the engine and the session, as
// `runbook run` does (issue 14).

type rig struct {
	t     *testing.T
	dir   string
	doc   string
	state string
	sets  map[string]string
}

func newRig(t *testing.T, src string) *rig {
	t.Helper()
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.md")
	if err := os.WriteFile(doc, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, dir: dir, doc: doc, state: filepath.Join(dir, "state")}
}

func (r *rig) open() *steps.Engine {
	r.t.Helper()
	d, err := runbook.Load(r.doc)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := d.Err(); err != nil {
		r.t.Fatal(err)
	}
	sh := shell.New(shell.Options{NoPTY: true, Grace: time.Second})
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, sh)
	reg.Register(runbook.KindCheck, sh)
	e, err := steps.Open(context.Background(), steps.Config{Doc: d, Registry: reg, StateDir: r.state, Sets: r.sets,
		Environ: append(os.Environ(), "RUNBOOK_TEST=1"), Who: "ana", Host: "box"})
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// drive runs a flow to its end, answering each action with answer (nil:
// every action is a test failure), and returns the outcome and the
// output printed, by step.
func drive(t *testing.T, e *steps.Engine, s *steps.Session, answer func(steps.Action) steps.Choice) (*steps.Outcome, map[string]string) {
	t.Helper()
	out := map[string]*bytes.Buffer{}
	unsub := e.Subscribe(func(ev steps.Event) {
		if ev.Journal == nil {
			if out[ev.Step] == nil {
				out[ev.Step] = &bytes.Buffer{}
			}
			out[ev.Step].Write(ev.Output)
		}
	})
	defer unsub()
	for i := 0; i < 100; i++ {
		a := s.Next()
		switch a.Kind {
		case steps.ActDone:
			res := map[string]string{}
			for k, b := range out {
				res[k] = b.String()
			}
			return a.Outcome, res
		case steps.ActRun:
			if _, err := s.Run(context.Background(), steps.RunOptions{Hold: true}); err != nil {
				t.Logf("run: %v", err)
			}
		default:
			if answer == nil {
				t.Fatalf("unexpected action %s (%+v)", a.Kind, a)
			}
			if err := s.Choose(answer(a)); err != nil {
				t.Fatalf("choose: %v", err)
			}
		}
	}
	t.Fatal("the flow never ended")
	return nil, nil
}

func runAllYes(t *testing.T, e *steps.Engine) (*steps.Outcome, map[string]string) {
	t.Helper()
	s := steps.NewSession(e, steps.Policy{Yes: true})
	if err := s.RunAll(steps.Selection{}); err != nil {
		t.Fatal(err)
	}
	return drive(t, e, s, nil)
}

// stateBytes is every file under the state directory, concatenated.
func (r *rig) stateBytes() []byte {
	var all []byte
	filepath.WalkDir(r.state, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all = append(all, b...)
		}
		return nil
	})
	return all
}

// A secret captured in the session (by its name, by the front matter, by
// holding a known secret) is masked in later output, never journaled,
// and a resumed run asks for it: the step that set it, or its value.
func TestSessionSecretsStayInMemory(t *testing.T) {
	r := newRig(t, "---\nvariables:\n  db-pass: {secret: true}\n---\n# Secrets\n\n"+
		"```bash {name=set}\nAPI_TOKEN=tok-$((6*7))-$(echo abcdef | tr a-f u-z)\nDB_PASS=pw-$(echo hunter2 | rev)\nAUTH=\"Bearer $API_TOKEN\"\nPLAIN=visible\n```\n\n"+
		"```bash {name=use}\necho \"token=$API_TOKEN pass=$DB_PASS auth=$AUTH plain=$PLAIN\"\n```\n\n"+
		"```bash {name=last}\necho \"again $API_TOKEN\"\n```\n")
	e := r.open()
	s := steps.NewSession(e, steps.Policy{Yes: true})
	if err := s.RunAll(steps.Selection{Only: []string{"set", "use"}}); err != nil {
		t.Fatal(err)
	}
	out, printed := drive(t, e, s, nil)
	if out.ExitCode() != 0 {
		t.Fatalf("outcome %+v", out)
	}
	if got := printed["use"]; got != "token=**** pass=**** auth=**** plain=visible\n" {
		t.Errorf("use printed %q", got)
	}
	sv := e.Session()
	secret := map[string]bool{}
	for _, v := range sv {
		secret[v.Name] = v.Secret
	}
	if !secret["API_TOKEN"] || !secret["DB_PASS"] || !secret["AUTH"] || secret["PLAIN"] {
		t.Errorf("secret flags %v", secret)
	}
	e.Close()
	disk := r.stateBytes()
	// The values exist only in the step's shell (the doc computes them).
	for _, v := range []string{"tok-42-uvwxyz", "pw-2retnuh"} {
		if bytes.Contains(disk, []byte(v)) {
			t.Fatalf("%s reached the state directory", v)
		}
	}
	if !bytes.Contains(disk, []byte(`"name":"PLAIN","kind":"scalar","value":"visible"`)) {
		t.Errorf("PLAIN is not journaled:\n%s", disk)
	}

	// Resumed: the session lacks the secrets. Nobody to ask: the flow
	// stops before the step that would see the session, saying how to
	// give them.
	e = r.open()
	missing := e.MissingSession()
	if len(missing) != 3 || missing[0].Name != "API_TOKEN" || missing[0].Step != "set" || !missing[0].Secret {
		t.Fatalf("missing = %+v", missing)
	}
	s = steps.NewSession(e, steps.Policy{Yes: true})
	s.RunAll(steps.Selection{})
	out, _ = drive(t, e, s, nil)
	if out.Stopped == nil || out.Stopped.ID != "last" || !strings.Contains(out.Reason, "--set API_TOKEN=VALUE") {
		t.Fatalf("outcome %+v", out)
	}
	e.Close()

	// Asked: running the step that set them again restores them.
	e = r.open()
	s = steps.NewSession(e, steps.Policy{Ask: true})
	s.RunAll(steps.Selection{})
	asked := 0
	out, printed = drive(t, e, s, func(a steps.Action) steps.Choice {
		if a.Kind != steps.ActSessionValues {
			t.Fatalf("asked %s", a.Kind)
		}
		asked++
		return steps.Choice{Kind: steps.ChooseRun}
	})
	if asked != 1 || out.ExitCode() != 0 || printed["last"] != "again ****\n" || printed["set"] != "" {
		t.Fatalf("asked %d, outcome %+v, printed %q", asked, out, printed)
	}
	e.Close()

	// --set gives a lacking value.
	r.sets = map[string]string{"API_TOKEN": "given-by-hand", "DB_PASS": "x", "AUTH": "y"}
	e = r.open()
	if m := e.MissingSession(); len(m) != 0 {
		t.Fatalf("still missing %+v", m)
	}
	e.Close()
}

// Named outputs: a step writes endpoint=… to $RUNBOOK_OUTPUT; confirmed,
// it fills <endpoint> for later steps, is journaled, and offered for
// write-back into the front matter and the table row.
func TestOutputsFillPlaceholders(t *testing.T) {
	r := newRig(t, "# Outputs\n\n| Name | Value |\n|---|---|\n| `<endpoint>` | |\n\n"+
		"```bash {name=find}\necho \"endpoint=db-1.internal:5432\" >> \"$RUNBOOK_OUTPUT\"\nprintf 'note<<EOF\\nline1\\nline2\\nEOF\\n' >> \"$RUNBOOK_OUTPUT\"\n```\n\n"+
		"```bash {name=use}\necho \"connecting to <endpoint>\"\n```\n")
	e := r.open()
	s := steps.NewSession(e, steps.Policy{Ask: true})
	s.RunAll(steps.Selection{})
	var offered []steps.OutputOffer
	out, printed := drive(t, e, s, func(a steps.Action) steps.Choice {
		switch a.Kind {
		case steps.ActValues:
			// <endpoint> is not known before the step that finds it:
			// the engineer skips the upfront prompt.
			return steps.Choice{Kind: steps.ChooseValues}
		case steps.ActOutputs:
			offered = a.Outputs
			return steps.Choice{Kind: steps.ChooseAccept}
		}
		t.Fatalf("asked %s", a.Kind)
		return steps.Choice{}
	})
	if out.ExitCode() != 0 || printed["use"] != "connecting to db-1.internal:5432\n" {
		t.Fatalf("outcome %+v printed %q", out, printed)
	}
	if len(offered) != 1 || offered[0].Name != "endpoint" || offered[0].Shown != "db-1.internal:5432" {
		t.Errorf("offered %+v", offered)
	}
	if o := e.State().Outputs["endpoint"]; o.Value != "db-1.internal:5432" || o.Step != "find" {
		t.Errorf("journaled %+v", o)
	}
	diff, err := e.PendingWriteBack()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+---", "+  endpoint: \"db-1.internal:5432\"", "+| `<endpoint>` | `db-1.internal:5432` |"} {
		if !strings.Contains(diff, want) {
			t.Errorf("write-back diff lacks %q:\n%s", want, diff)
		}
	}
	if err := e.WriteBack(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(r.doc)
	if !strings.HasPrefix(string(b), "---\nvariables:\n  endpoint: \"db-1.internal:5432\"\n---\n# Outputs\n") {
		t.Errorf("doc after write-back:\n%s", b)
	}
	if d, _ := e.PendingWriteBack(); d != "" {
		t.Errorf("still pending after write-back:\n%s", d)
	}
	e.Close()
}

// done-if and cwd see the session: a done-if testing $VPC_ID sees the
// captured value, a cwd of $WORK/sub is the captured directory's.
func TestDoneIfAndCwdSeeTheSession(t *testing.T) {
	r := newRig(t, "# T\n\n```bash {name=one}\nVPC_ID=vpc-123\nWORK=$(mktemp -d)\nmkdir \"$WORK/sub\"\n```\n\n"+
		"```bash {name=two done-if='test \"$VPC_ID\" = vpc-123'}\necho should-not-run\n```\n\n"+
		"```bash {name=three cwd=$WORK/sub}\npwd\n```\n")
	e := r.open()
	defer e.Close()
	out, printed := runAllYes(t, e)
	if out.ExitCode() != 0 {
		t.Fatalf("outcome %+v", out)
	}
	if st := e.StepStatus("two"); st != journal.AlreadyDone {
		t.Errorf("two = %s (printed %q)", st, printed["two"])
	}
	if !strings.HasSuffix(printed["three"], "/sub\n") {
		t.Errorf("three ran in %q", printed["three"])
	}
}

// A background step starts, the run moves on once ready-if succeeds, a
// later step uses it, and it is stopped (its whole group) when the run is
// complete.
func TestBackgroundStep(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	port := freePort(t)
	marker := fmt.Sprintf("runbook-bg-test-%d", port)
	r := newRig(t, "# BG\n\n"+
		fmt.Sprintf("```bash {name=serve background ready-if=\"curl -fsS http://127.0.0.1:%d/ >/dev/null\"}\nexec -a %s python3 -m http.server %d --bind 127.0.0.1\n```\n\n", port, marker, port)+
		fmt.Sprintf("```bash {name=use}\ncurl -fsS -o /dev/null -w '%%{http_code}\\n' http://127.0.0.1:%d/\n```\n", port))
	e := r.open()
	defer e.Close()
	out, printed := runAllYes(t, e)
	if out.ExitCode() != 0 || printed["use"] != "200\n" || !out.Finished {
		t.Fatalf("outcome %+v printed %q", out, printed)
	}
	if st := e.StepStatus("serve"); st != journal.OK {
		t.Errorf("serve = %s", st)
	}
	if n := procsWith(marker); n != 0 {
		t.Errorf("%d process(es) left behind", n)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// procsWith counts the live processes whose command line holds marker.
func procsWith(marker string) int {
	n := 0
	ents, _ := os.ReadDir("/proc")
	for _, d := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(marker)) {
			continue
		}
		st, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			continue
		}
		n++
	}
	return n
}

// A background step that ran when the run stopped is started again on
// resume, after asking, when a later step needs it; skipped when none
// does; and the engineer can stop one (journaled ok).
func TestBackgroundStepOnResume(t *testing.T) {
	r := newRig(t, "# BG\n\n```bash {name=serve background}\nsleep 300\n```\n\n```bash {name=use}\ntest -e \"$RUNBOOK_DIR_FLAG\" || exit 3\n```\n")
	flag := filepath.Join(t.TempDir(), "flag")
	r.sets = nil
	e := r.open()
	s := steps.NewSession(e, steps.Policy{Yes: true})
	s.RunAll(steps.Selection{})
	os.Setenv("RUNBOOK_DIR_FLAG", flag)
	defer os.Unsetenv("RUNBOOK_DIR_FLAG")
	out, _ := drive(t, e, s, nil)
	if out.Stopped == nil || out.Stopped.ID != "use" {
		t.Fatalf("outcome %+v", out)
	}
	if !e.BackgroundRunning("serve") || len(e.Background()) != 1 {
		t.Fatal("serve is not running in the background")
	}
	e.Close() // runbook stops: so does serve
	e = r.open()
	if st := e.StepStatus("serve"); st != journal.Interrupted {
		t.Fatalf("serve = %s after the run stopped", st)
	}
	os.WriteFile(flag, nil, 0o600)
	s = steps.NewSession(e, steps.Policy{Ask: true})
	s.RunAll(steps.Selection{})
	asked := 0
	out, _ = drive(t, e, s, func(a steps.Action) steps.Choice {
		if a.Kind != steps.ActRestart || a.Step.ID != "serve" {
			t.Fatalf("asked %s", a.Kind)
		}
		asked++
		return steps.Choice{Kind: steps.ChooseRun}
	})
	if asked != 1 || out.ExitCode() != 0 || !out.Finished || e.StepStatus("serve") != journal.OK {
		t.Fatalf("asked %d, outcome %+v, serve %s", asked, out, e.StepStatus("serve"))
	}
	e.Close()
}

func TestBackgroundStepNotNeededAndStopped(t *testing.T) {
	r := newRig(t, "# BG\n\n```bash {name=first}\ntrue\n```\n\n```bash {name=serve background ready-after=50ms}\nsleep 300\n```\n\n```bash {name=last}\nexit 1\n```\n")
	e := r.open()
	runAllYes(t, e)
	if err := e.StopBackground("serve"); err != nil {
		t.Fatal(err)
	}
	if st := e.StepStatus("serve"); st != journal.OK {
		t.Errorf("serve stopped by the engineer = %s", st)
	}
	if e.StopBackground("serve") == nil {
		t.Error("stopping a step that is not running was not refused")
	}
	e.Close()

	// Runbook stopped while serve ran; `last` was then done by hand:
	// nothing after serve is left, so a resumed run does not start it
	// again, it skips it.
	r = newRig(t, "# BG\n\n```bash {name=first}\ntrue\n```\n\n```bash {name=serve background ready-after=50ms}\nsleep 300\n```\n\n```bash {name=last}\nexit 1\n```\n")
	e = r.open()
	runAllYes(t, e)
	e.Close()
	e = r.open()
	if err := e.MarkDone("last", "fixed by hand"); err != nil {
		t.Fatal(err)
	}
	s := steps.NewSession(e, steps.Policy{Yes: true})
	s.RunAll(steps.Selection{})
	a := s.Next()
	if a.Kind != steps.ActDone || len(a.Notes) == 0 || !slices.ContainsFunc(a.Notes, func(n steps.Note) bool { return n.Kind == steps.NoteNotNeeded }) {
		t.Fatalf("action %s notes %+v", a.Kind, a.Notes)
	}
	defer e.Close()
	if st := e.StepStatus("serve"); st != journal.Skipped || e.BackgroundRunning("serve") || !e.View().Finished {
		t.Errorf("serve = %s, finished %v", st, e.View().Finished)
	}
}

// With --yes a step's outputs are taken; with nobody to confirm them they
// are not used; an output that does not fit its variable's pattern or
// names no placeholder is not offered (a note says so).
func TestOutputsWithoutAsking(t *testing.T) {
	doc := "---\nvariables:\n  tag: {pattern: \"v[0-9]+\"}\n---\n# O\n\n```bash {name=find}\nprintf 'tag=latest\\nendpoint=db\\nnothing=1\\n' >> \"$RUNBOOK_OUTPUT\"\n```\n\n```bash {name=use}\necho <endpoint> <tag>\n```\n"
	r := newRig(t, doc)
	r.sets = map[string]string{"tag": "v1"}
	e := r.open()
	out, printed := runAllYes(t, e)
	if out.ExitCode() != 0 || printed["use"] != "db v1\n" {
		t.Fatalf("outcome %+v printed %q", out, printed)
	}
	var notes []string
	for _, n := range e.State().Notes {
		notes = append(notes, n.Text)
	}
	if !slices.Contains(notes, "output nothing names no placeholder of the doc: not used") ||
		!slices.ContainsFunc(notes, func(n string) bool {
			return strings.HasPrefix(n, "output tag: value for tag does not match its pattern")
		}) {
		t.Errorf("notes %q", notes)
	}
	e.Close()

	r = newRig(t, doc)
	r.sets = map[string]string{"tag": "v1"}
	e = r.open()
	defer e.Close()
	s := steps.NewSession(e, steps.Policy{})
	s.RunAll(steps.Selection{})
	out, _ = drive(t, e, s, nil)
	if out.Stopped == nil || out.Stopped.ID != "use" || !strings.Contains(out.Reason, "no value for <endpoint>") {
		t.Errorf("without --yes: %+v", out)
	}
}

// `session: isolated` in the front matter: every step runs in a fresh
// shell, as before sessions.
func TestSessionIsolatedDoc(t *testing.T) {
	r := newRig(t, "---\nsession: isolated\n---\n# T\n\n```bash {name=a}\nX=1; cd /\n```\n\n```bash {name=b}\necho \"x=${X-unset} $(pwd)\"\n```\n")
	e := r.open()
	defer e.Close()
	_, printed := runAllYes(t, e)
	if printed["b"] != "x=unset "+r.dir+"\n" {
		t.Errorf("b printed %q", printed["b"])
	}
	if st := e.State().Steps["a"]; st.Attempts[0].Session != nil {
		t.Errorf("an isolated doc captured %+v", st.Attempts[0].Session)
	}
}

// A session whose directory is gone stops the next step with a message
// rather than run it somewhere else.
func TestSessionDirectoryGone(t *testing.T) {
	r := newRig(t, "# T\n\n```bash {name=a}\nmkdir gone && cd gone\n```\n\n```bash {name=b}\nrmdir \"$PWD\"\n```\n\n```bash {name=c}\nrm -rf ./*\n```\n")
	e := r.open()
	defer e.Close()
	out, printed := runAllYes(t, e)
	if out.Err == nil || !strings.Contains(out.Err.Error(), "the session's working directory "+r.dir+"/gone (step a changed to it) is gone") || printed["c"] != "" {
		t.Errorf("outcome %+v", out)
	}
}

// The engineer stops a background step through the session (the TUI's
// way): journaled ok, and a run that this completes is finished.
func TestSessionStopsABackgroundStep(t *testing.T) {
	r := newRig(t, "# BG\n\n```bash {name=serve background}\nsleep 300\n```\n\n```bash {name=use}\ntrue\n```\n")
	e := r.open()
	defer e.Close()
	s := steps.NewSession(e, steps.Policy{Ask: true})
	if err := s.RunStep("serve"); err != nil {
		t.Fatal(err)
	}
	drive(t, e, s, nil)
	if !e.BackgroundRunning("serve") {
		t.Fatal("serve is not running")
	}
	if err := s.MarkDone("use", "by hand"); err != nil {
		t.Fatal(err)
	}
	if e.View().Finished {
		t.Fatal("finished while serve runs")
	}
	if err := s.StopBackground("serve"); err != nil {
		t.Fatal(err)
	}
	if v := e.View(); !v.Finished || e.StepStatus("serve") != journal.OK || e.BackgroundRunning("serve") {
		t.Errorf("finished %v, serve %s", v.Finished, e.StepStatus("serve"))
	}
	if s.StopBackground("serve") == nil {
		t.Error("stopping a stopped step was not refused")
	}
}

// Check-table commands see the session too (issue 14 §5).
func TestChecksSeeTheSession(t *testing.T) {
	r := newRig(t, "# T\n\n```bash {name=one}\nVPC_ID=vpc-1\n```\n\n| Check | How |\n|---|---|\n| the VPC | `test \"$VPC_ID\" = vpc-1` |\n")
	e := r.open()
	defer e.Close()
	s := steps.NewSession(e, steps.Policy{Yes: true})
	s.RunAll(steps.Selection{Checks: true})
	out, _ := drive(t, e, s, nil)
	if out.ExitCode() != 0 {
		t.Fatalf("outcome %+v", out)
	}
	for _, st := range e.Doc().Steps {
		if st.Kind == runbook.KindCheck && e.StepStatus(st.ID) != journal.OK {
			t.Errorf("check %s = %s", st.ID, e.StepStatus(st.ID))
		}
	}
}

// The run's view says which steps run in the background now.
func TestViewShowsBackgroundSteps(t *testing.T) {
	r := newRig(t, "# BG\n\n```bash {name=serve background}\nsleep 300\n```\n\n```bash {name=after}\nexit 1\n```\n")
	e := r.open()
	defer e.Close()
	runAllYes(t, e)
	v := e.View()
	if sv := v.Step("serve"); sv == nil || !sv.Background || sv.Status != journal.Running {
		t.Errorf("serve in the view: %+v", sv)
	}
	if bg := e.Background(); len(bg) != 1 || bg[0].ID != "serve" || bg[0].Pid == 0 || bg[0].Log != "logs/serve.1.log" {
		t.Errorf("Background() = %+v", bg)
	}
}

// The front matter's cwd is where the session starts; a cd carries over
// it, and a step's own cwd wins for that step.
func TestSessionCwdOverFrontMatterCwd(t *testing.T) {
	r := newRig(t, "---\ncwd: infra\n---\n# T\n\n```bash {name=a}\npwd; cd sub\n```\n\n```bash {name=b}\npwd\n```\n\n```bash {name=c cwd=other}\npwd\n```\n")
	for _, d := range []string{"infra/sub", "infra/other"} {
		os.MkdirAll(filepath.Join(r.dir, d), 0o700)
	}
	e := r.open()
	defer e.Close()
	_, printed := runAllYes(t, e)
	if printed["a"] != r.dir+"/infra\n" || printed["b"] != r.dir+"/infra/sub\n" || printed["c"] != r.dir+"/infra/other\n" {
		t.Errorf("printed %q", printed)
	}
}
