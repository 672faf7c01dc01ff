package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSplitRunName(t *testing.T) {
	for name, want := range map[string]string{
		"deploy": "deploy 1", "deploy.3": "deploy 3", "deploy.12": "deploy 12", "v1.2.7": "v1.2 7",
		"deploy.20261124T120000Z": "deploy.20261124T120000Z 1", "deploy.03": "deploy.03 1", "deploy.+3": "deploy.+3 1",
		"deploy.0": "deploy.0 1", ".x": ".x 1",
	} {
		lane, n := SplitRunName(name)
		if got := lane + " " + strconv.Itoa(n); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

// makeRun writes a run directory whose first event says which doc it ran.
func makeRun(t *testing.T, state, name, doc string, finished bool) {
	t.Helper()
	w, err := Create(RunDir(state, name))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Append(Event{Type: RunStarted, Run: name, Doc: doc}); err != nil {
		t.Fatal(err)
	}
	if finished {
		w.Append(Event{Type: RunFinished, Status: OK})
	}
}

// One naming scheme: a lane's runs are <lane>.<n>, numbers never reused
// (whatever doc a run of the lane belongs to), a legacy <lane> directory
// is its run 1; readers find the lane's latest run of their doc, or a run
// by its full name; another doc's run is never picked, and naming it is
// an error.
func TestLanes(t *testing.T) {
	root := t.TempDir()
	state := filepath.Join(root, "state")
	infra := filepath.Join(root, "infra", "deploy.md")
	app := filepath.Join(root, "app", "deploy.md")
	for _, p := range []string{infra, app} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("# d\n"), 0o644)
	}
	if n, _ := NextRunName(state, "deploy"); n != "deploy.1" {
		t.Fatalf("first run of a lane: %s", n)
	}
	makeRun(t, state, "deploy", infra, true) // legacy: run 1
	makeRun(t, state, "deploy.2", infra, false)
	makeRun(t, state, "deploy.3", app, false)
	makeRun(t, state, "staging.1", infra, false)
	if n, _ := NextRunName(state, "deploy"); n != "deploy.4" {
		t.Fatalf("next: %s", n)
	}
	refs, err := LaneRuns(state, "deploy", infra)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range refs {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "deploy.2,deploy" {
		t.Fatalf("infra's lane runs %v", names)
	}
	for _, tc := range []struct{ doc, name, want string }{
		{infra, "deploy", "deploy.2"}, {app, "deploy", "deploy.3"}, {infra, "deploy.2", "deploy.2"},
		{infra, "staging", "staging.1"}, {infra, "staging.1", "staging.1"},
	} {
		ref, ok, err := FindRun(state, tc.name, tc.doc)
		if err != nil || !ok || ref.Name != tc.want {
			t.Errorf("FindRun(%s) for %s: %+v %v %v, want %s", tc.name, tc.doc, ref, ok, err, tc.want)
		}
	}
	var od *OtherDocError
	if _, _, err := FindRun(state, "deploy.3", infra); !errors.As(err, &od) || od.Doc != app {
		t.Errorf("another doc's run by name: %v", err)
	}
	if _, ok, err := FindRun(state, "prod", infra); ok || err != nil {
		t.Errorf("no such run: %v %v", ok, err)
	}
	if _, _, err := FindRun(state, "../x", infra); err == nil {
		t.Error("a bad run name was accepted")
	}
	runs, err := RunsOf(state, infra)
	if err != nil || len(runs) != 3 {
		t.Fatalf("infra's past runs: %d %v", len(runs), err)
	}
}
