package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/report"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/tui/lines"
)

// The fixture has a step of every kind the rules treat differently: a
// check step and a skip step (counted only once run), a continue-on-error
// step, a manual step, a step that fails until fixed, and a question.
const frontendsDoc = "# Deploy\n\n[VERIFY] Which region do we use? Recommended: us-west-2.\n\n## Build\n\n" +
	"```sh {name=build}\necho build\n```\n\n```sh {name=flaky}\nflaky\n```\n\n" +
	"```sh {name=optional continue-on-error}\nfail\n```\n\n- [ ] Tell the on-call channel\n\n## Verify\n\n" +
	"| Check | How |\n|---|---|\n| Health | `curl -fsS https://example.invalid/health` |\n\n" +
	"```sh {name=cleanup skip}\necho cleanup\n```\n\n```sh {name=last}\necho last\n```\n"

// scriptExec runs the fixture's commands: "fail" fails, "flaky" fails
// until its flag file exists, anything else prints itself.
type scriptExec struct{ flag string }

func (x scriptExec) Run(_ context.Context, req steps.Request) steps.Result {
	switch strings.TrimSpace(req.Command) {
	case "fail":
		return steps.Result{ExitCode: 1}
	case "flaky":
		if _, err := os.Stat(x.flag); err != nil {
			return steps.Result{ExitCode: 1}
		}
	}
	fmt.Fprintln(req.Output, req.Command)
	return steps.Result{}
}

// frontends is one fixture and the state dir every frontend reads.
type frontends struct {
	t     *testing.T
	doc   *runbook.Document
	state string
	reg   *steps.Registry
}

func (f *frontends) open() *steps.Engine {
	e, err := steps.Open(context.Background(), steps.Config{Doc: f.doc, Registry: f.reg, StateDir: f.state,
		Environ: []string{}, Who: "ana", Host: "box"})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// seen is what one frontend shows: done/total, the run's status, and each
// step's status.
type seen struct {
	progress string
	run      string
	steps    string
}

func (s seen) String() string { return s.progress + " " + s.run + " [" + s.steps + "]" }

var stepOrder = []string{"build", "flaky", "optional", "build/4", "verify/1", "cleanup", "last"}

func fromView(v *journal.RunView) seen {
	var parts []string
	for _, id := range stepOrder {
		parts = append(parts, id+"="+string(v.StepStatus(id)))
	}
	return seen{fmt.Sprintf("%d/%d", v.Counts.Done, v.Counts.Total), string(v.Status), strings.Join(parts, " ")}
}

// observe reads the run through every frontend and checks that they all
// show want.
func (f *frontends) observe(point string, e *steps.Engine, want string) {
	f.t.Helper()
	got := map[string]seen{}
	// Session directly.
	got["session"] = fromView(steps.NewSession(e, steps.Policy{}).View())
	// Line mode's summary line.
	v := e.View()
	lineSummary := lines.Summary(v)
	got["line mode"] = fromView(v)
	// The TUI: the status bar's progress and the checklist's statuses.
	h := newHarnessOn(f.t, e, func() int64 { return 0 }, 120, 40)
	bar := regexp.MustCompile(`(\d+/\d+) · \d\d:\d\d:\d\d`).FindStringSubmatch(h.m.statusBar())
	var parts []string
	for _, id := range stepOrder {
		parts = append(parts, id+"="+string(h.m.snap.stepStatus(id)))
	}
	done, total := h.m.checklist.Progress()
	if bar == nil || bar[1] != fmt.Sprintf("%d/%d", done, total) {
		f.t.Fatalf("%s: TUI status bar %q, checklist %d/%d", point, h.m.statusBar(), done, total)
	}
	got["tui"] = seen{bar[1], string(h.m.snap.view.Status), strings.Join(parts, " ")}
	// `runbook status --json` (what the command encodes).
	sj, err := journal.StatusOf(f.state, f.doc)
	if err != nil || len(sj.Runs) != 1 {
		f.t.Fatalf("%s: status %+v %v", point, sj, err)
	}
	r := sj.Runs[0]
	got["status --json"] = seen{fmt.Sprintf("%d/%d", r.Done, r.Total), string(r.Status), f.stepsOf(point, r.Dir, r.Live)}
	// The JSON report.
	got["report json"] = f.reportOf(point, r.Dir, r.Live)

	for name, s := range got {
		if s.String() != want {
			f.t.Errorf("%s: %s shows\n  %s\nwant\n  %s", point, name, s, want)
		}
	}
	wantSummary := summaryOf(want)
	if lineSummary != wantSummary {
		f.t.Errorf("%s: line mode summary %q, want %q", point, lineSummary, wantSummary)
	}
}

// stepsOf is the per-step status the status command's view gives (it
// shows counts only; its view is the same RunView).
func (f *frontends) stepsOf(point, dir string, live bool) string {
	_, st, err := journal.Load(dir)
	if err != nil {
		f.t.Fatalf("%s: %v", point, err)
	}
	return fromView(journal.NewView(f.doc, st, live)).steps
}

func (f *frontends) reportOf(point, dir string, live bool) seen {
	events, st, err := journal.Load(dir)
	if err != nil {
		f.t.Fatalf("%s: %v", point, err)
	}
	var b bytes.Buffer
	if err := report.JSON(&b, report.Input{Doc: f.doc, State: st, Events: events, RunDir: dir, Now: time.Now(), Live: live}); err != nil {
		f.t.Fatal(err)
	}
	var r struct {
		Run struct {
			Done, Total int
			Status      string
		}
		Steps []struct{ ID, Status string }
	}
	if err := json.Unmarshal(b.Bytes(), &r); err != nil {
		f.t.Fatal(err)
	}
	by := map[string]string{}
	for _, s := range r.Steps {
		by[s.ID] = s.Status
	}
	var parts []string
	for _, id := range stepOrder {
		parts = append(parts, id+"="+by[id])
	}
	return seen{fmt.Sprintf("%d/%d", r.Run.Done, r.Run.Total), r.Run.Status, strings.Join(parts, " ")}
}

// summaryOf is line mode's summary for a wanted view: counted statuses
// (not the check and skip steps that never ran).
func summaryOf(want string) string {
	counts := map[string]int{}
	for _, p := range strings.Fields(want[strings.Index(want, "[")+1 : len(want)-1]) {
		id, st, _ := strings.Cut(p, "=")
		if (id == "verify/1" || id == "cleanup") && st == "pending" {
			continue
		}
		counts[st]++
	}
	var out []string
	for _, st := range []string{"ok", "already-done", "done-by-hand", "skipped", "failed", "timed-out", "interrupted", "stale", "running", "pending"} {
		if counts[st] > 0 {
			out = append(out, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	return strings.Join(out, ", ")
}

// One fixture through every frontend: line mode runs it until a step
// fails, the run is resumed, the session retries the step, the TUI runs
// the rest (a continue-on-error failure, a manual step) to the end. At
// each point the session, line mode, the TUI, `status --json` and the
// JSON report show the same counts and statuses (they used to disagree:
// 8/11 against 6/8, "finished: ok" next to a pending step).
func TestEveryFrontendShowsTheSameRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deploy.md")
	if err := os.WriteFile(path, []byte(frontendsDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := runbook.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	flag := filepath.Join(dir, "fixed")
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, scriptExec{flag})
	reg.Register(runbook.KindCheck, scriptExec{flag})
	f := &frontends{t: t, doc: doc, state: filepath.Join(dir, ".runbook"), reg: reg}

	// Line mode: build runs, flaky fails, the run stops.
	e := f.open()
	out, err := lines.Run(context.Background(), e, lines.Options{Out: io.Discard, Yes: true, Selection: steps.Selection{}})
	if err == nil && out.ExitCode() != 1 {
		t.Fatalf("line mode: %+v", out)
	}
	if _, err := lines.Run(context.Background(), e, lines.Options{Out: io.Discard, Yes: true}); err == nil {
		t.Fatal("line mode ran with a question unanswered")
	}
	e.Answer("deploy/q1", "us-west-2")
	out, err = lines.Run(context.Background(), e, lines.Options{Out: io.Discard, Yes: true})
	if err != nil || out.Stopped == nil || out.Stopped.ID != "flaky" {
		t.Fatalf("line mode: %+v %v", out, err)
	}
	f.observe("after a failure", e,
		"1/5 running [build=ok flaky=failed optional=pending build/4=pending verify/1=pending cleanup=pending last=pending]")
	e.Close()

	// Resumed (runbook was restarted): nothing recorded yet, not live.
	e = f.open()
	defer e.Close()
	f.observe("after resume", e,
		"1/5 stopped [build=ok flaky=failed optional=pending build/4=pending verify/1=pending cleanup=pending last=pending]")

	// The session retries flaky: fixed now.
	os.WriteFile(flag, nil, 0o600)
	s := steps.NewSession(e, steps.Policy{Ask: true})
	s.RunStep("flaky")
	if a := s.Next(); a.Kind != steps.ActRun {
		t.Fatalf("session: %+v", a)
	}
	s.Run(context.Background(), steps.RunOptions{})
	if a := s.Next(); a.Kind != steps.ActDone || a.Outcome.ExitCode() != 0 {
		t.Fatalf("session: %+v", a)
	}

	// The TUI runs the rest: optional fails (continue-on-error), the
	// manual step asks.
	h := newHarnessOn(t, e, func() int64 { return 0 }, 120, 40)
	h.press("enter") // resume
	h.selectItem("optional")
	h.press("R")
	if h.m.dialog == nil || h.m.dialog.title != "Manual step" {
		t.Fatalf("TUI: no manual step dialog:\n%s", h.screen())
	}
	f.observe("mid-run", e,
		"2/5 running [build=ok flaky=ok optional=failed build/4=pending verify/1=pending cleanup=pending last=pending]")
	h.press("y")
	if !strings.Contains(h.screen(), "all steps done: run finished") {
		t.Fatalf("TUI did not say the run finished:\n%s", h.screen())
	}
	f.observe("at the end", e,
		"4/5 ok [build=ok flaky=ok optional=failed build/4=done-by-hand verify/1=pending cleanup=pending last=ok]")
	if v := e.View(); !v.Finished || !v.Complete || v.Counts.Tolerated != 1 || e.State().Status != journal.OK {
		t.Fatalf("end: %+v", v.Counts)
	}
}
