package journal

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
)

func clock() func() time.Time {
	t := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func intp(n int) *int { return &n }

// allEvents has one event of every type, in a plausible order.
func allEvents() []Event {
	return []Event{
		{Type: RunStarted, Run: "staging", Doc: "deploy.md", DocHash: "h1", Who: "ana", Host: "box"},
		{Type: IdentityFound, Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/ana", Region: "us-west-2"},
		{Type: AnswerGiven, Question: "q1", Value: "us-west-2", Who: "ana"},
		{Type: AnswerGiven, Question: "q2", Note: "skipped for now", Who: "ana"},
		{Type: VariableSet, Name: "env", Value: "staging", Source: "set"},
		{Type: VariableSet, Name: "db-password", Secret: true, Source: "aws-secretsmanager"},
		{Type: StepStarted, Step: "a/1", Attempt: 1, Hash: "s1", Command: "make"},
		{Type: StepFinished, Step: "a/1", Attempt: 1, Status: Failed, ExitCode: intp(2), DurationMS: 300, Log: "logs/a_1-x.1.log"},
		{Type: StepStarted, Step: "a/1", Attempt: 2, Hash: "s1", Command: "make"},
		{Type: StepFinished, Step: "a/1", Attempt: 2, Status: OK, ExitCode: intp(0), DurationMS: 1200},
		{Type: StepSkipped, Step: "a/2", Note: "not in staging", Hash: "s2"},
		{Type: StepMarked, Step: "a/3", Note: "did it in the console", Hash: "s3"},
		{Type: StepEdited, Step: "a/4", Command: "make -j1"},
		{Type: StepAccepted, Step: "a/1", Hash: "s1b"},
		{Type: NoteAdded, Step: "a/2", Note: "ask Bob"},
		{Type: RunResumed, Who: "bob", Host: "box2", DocHash: "h2"},
		{Type: StepStarted, Step: "a/5", Attempt: 1, Hash: "s5", Command: "sleep 100"},
		{Type: WroteBack, Written: []string{"q1"}, DocHash: "h3"},
		{Type: RunFinished, Status: OK},
	}
}

func TestRoundTripAndReplay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "staging")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.SetClock(clock())
	var appended []Event
	for _, e := range allEvents() {
		got, err := w.Append(e)
		if err != nil {
			t.Fatal(err)
		}
		appended = append(appended, got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	events, st, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(events, appended) {
		t.Fatalf("read back differs:\n got %+v\nwant %+v", events, appended)
	}
	for i, e := range events {
		if e.Seq != i+1 || e.V != VersionOf(e) {
			t.Errorf("event %d: seq %d v %d", i, e.Seq, e.V)
		}
	}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	want := &State{
		Run: "staging", Doc: "deploy.md", DocHash: "h3", Who: "bob", Host: "box2",
		Started: at(1), Updated: at(19), Finished: true, Status: OK, FinishedAt: at(19), Resumed: 1, Seq: 19,
		Steps: map[string]*StepState{
			"a/1": {Status: OK, Hash: "s1b", Accepted: true, Attempts: []Attempt{
				{N: 1, Started: at(7), Duration: 300 * time.Millisecond, Command: "make", ExitCode: intp(2), Status: Failed, Log: "logs/a_1-x.1.log"},
				{N: 2, Started: at(9), Duration: 1200 * time.Millisecond, Command: "make", ExitCode: intp(0), Status: OK},
			}},
			"a/2": {Status: Skipped, Hash: "s2", Note: "not in staging"},
			"a/3": {Status: DoneByHand, Hash: "s3", Note: "did it in the console"},
			"a/4": {Status: Pending, Command: "make -j1"},
			"a/5": {Status: Running, Hash: "s5", Attempts: []Attempt{{N: 1, Started: at(17), Command: "sleep 100", Status: Running}}},
		},
		Answers: map[string]Answer{
			"q1": {Value: "us-west-2", Who: "ana", Time: at(3), Written: true},
			"q2": {Skipped: true, Who: "ana", Time: at(4)},
		},
		Vars: map[string]Var{
			"env":         {Value: "staging", Source: "set"},
			"db-password": {Secret: true, Source: "aws-secretsmanager"},
		},
		Identity: &Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/ana", Region: "us-west-2"},
		Notes:    []Note{{Step: "a/2", Text: "ask Bob", Time: at(15)}},
		Session:  NewSession(),
		Outputs:  map[string]Output{},
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("replay:\n got %+v\nwant %+v", st, want)
	}
	c := st.Clone()
	c.Steps["a/1"].Attempts[0].Command = "changed"
	c.Answers["q1"] = Answer{}
	if st.Steps["a/1"].Attempts[0].Command != "make" || st.Answers["q1"].Value != "us-west-2" {
		t.Fatal("Clone shares memory with the original")
	}
}

func TestSecretVariableValueNeverReplayed(t *testing.T) {
	st := Replay([]Event{{Type: VariableSet, Name: "pw", Value: "hunter2", Secret: true}})
	if st.Vars["pw"].Value != "" {
		t.Fatal("a secret value made it into the state")
	}
}

func TestPermissions(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	dir := filepath.Join(state, "run")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append(Event{Type: RunStarted}); err != nil {
		t.Fatal(err)
	}
	l := w.Log("sec/1", 1)
	if _, err := l.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for path, want := range map[string]os.FileMode{
		state:                                   0o700 | os.ModeDir,
		dir:                                     0o700 | os.ModeDir,
		filepath.Join(dir, LogDir):              0o700 | os.ModeDir,
		filepath.Join(dir, JournalFile):         0o600,
		filepath.Join(dir, LogPath("sec/1", 1)): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, LogPath("sec/1", 1)))
	if string(b) != "hello\n" {
		t.Fatalf("log holds %q", b)
	}
}

func TestCorruptLineNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), JournalFile)
	os.WriteFile(path, []byte(`{"v":1,"seq":1,"type":"run-started"}`+"\nnot json\n"+`{"v":1,"seq":3,"type":"note"}`+"\n"), 0o600)
	_, err := ReadFile(path)
	var re *runbook.Error
	if !errors.As(err, &re) || re.Line != 2 || re.Path != path {
		t.Fatalf("got %v", err)
	}
	os.WriteFile(path, []byte(`{"v":99,"seq":1,"type":"run-started"}`+"\n"), 0o600)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("future schema: %v", err)
	}
}

func TestCreateRefusesExistingAndLocks(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := Create(dir); err == nil {
		t.Fatal("Create over an existing journal succeeded")
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second writer: %v", err)
	}
}

func TestMemoryWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w := Memory(dir, 7)
	e, err := w.Append(Event{Type: NoteAdded})
	if err != nil || e.Seq != 8 {
		t.Fatalf("%+v %v", e, err)
	}
	l := w.Log("x", 1)
	l.Write([]byte("out"))
	if l.Path() != "" || l.Close() != nil {
		t.Fatal("memory log")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("memory journal touched the disk")
	}
}

func TestLayout(t *testing.T) {
	for in, want := range map[string]string{
		"/x/Production Deployment Guide.md": "production-deployment-guide",
		"/x/first-deployment.txt":           "first-deployment",
		"/x/.md":                            "md",
		"/x/***.md":                         "run",
	} {
		if got := DefaultRunName(in); got != want {
			t.Errorf("DefaultRunName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := DefaultStateDir("/x/y/doc.md"); got != "/x/y/.runbook" {
		t.Errorf("DefaultStateDir = %q", got)
	}
	if a, b := LogPath("a/b", 1), LogPath("a_b", 1); a == b || b != "logs/a_b.1.log" {
		t.Errorf("LogPath collision or shape: %q %q", a, b)
	}
	for _, bad := range []string{"", ".", "..", ".hidden", "a/b", `a\b`} {
		if CheckRunName(bad) == nil {
			t.Errorf("CheckRunName(%q) accepted", bad)
		}
	}
}

func TestRuns(t *testing.T) {
	state := t.TempDir()
	for i, name := range []string{"old", "new"} {
		w, err := Create(RunDir(state, name))
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		w.Append(Event{Type: RunStarted, Run: name, Doc: "d.md", Time: base})
		w.Append(Event{Type: StepFinished, Step: "s1", Status: OK, Time: base.Add(time.Minute)})
		w.Append(Event{Type: StepFinished, Step: "s2", Status: Failed, Time: base.Add(2 * time.Minute)})
		w.Close()
	}
	os.MkdirAll(filepath.Join(state, "bad"), 0o700)
	os.WriteFile(filepath.Join(state, "bad", JournalFile), []byte("{\n"), 0o600)
	os.MkdirAll(filepath.Join(state, "empty"), 0o700)

	runs, err := Runs(state)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Run)
	}
	if strings.Join(names, ",") != "new,old,bad" {
		t.Fatalf("runs = %v", names)
	}
	if r := runs[0]; r.Counts[OK] != 1 || r.Counts[Failed] != 1 || r.Events != 3 || r.Doc != "d.md" {
		t.Errorf("summary %+v", r)
	}
	if runs[0].Live {
		t.Error("closed run reported live")
	}
	w, err := Open(RunDir(state, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if runs, _ := Runs(state); !runs[0].Live {
		t.Error("open run not reported live")
	}
	w.Close()
	if runs[2].Error == "" {
		t.Error("bad journal not reported")
	}
	if runs, err := Runs(filepath.Join(state, "missing")); err != nil || runs != nil {
		t.Errorf("missing state dir: %v %v", runs, err)
	}
}

func TestAppendUnsyncedThenSync(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Append(Event{Type: RunStarted})
	a, _ := w.AppendUnsynced(Event{Type: NoteAdded, Note: "held"})
	b, _ := w.Append(Event{Type: NoteAdded, Note: "synced"})
	if a.Seq != 2 || b.Seq != 3 || w.dirty {
		t.Fatalf("seq %d %d dirty %v", a.Seq, b.Seq, w.dirty)
	}
	w.AppendUnsynced(Event{Type: NoteAdded})
	if !w.dirty || w.Sync() != nil || w.dirty {
		t.Fatal("Sync did not clear the unsynced event")
	}
	w.Close()
	if evs, err := ReadFile(filepath.Join(dir, JournalFile)); err != nil || len(evs) != 4 {
		t.Fatalf("%v %v", evs, err)
	}
}

// Unreadable state is bad input: a *runbook.Error naming the file, so that
// the CLI exits 2 as for any bad input. A state "directory" that is a file
// and a journal that is a directory used to be plain errors (exit 1).
func TestUnreadableStateIsBadInput(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, ".runbook")
	if err := os.WriteFile(state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Runs(state)
	var re *runbook.Error
	if !errors.As(err, &re) || err.Error() != state+": unsafe state directory: not a directory" {
		t.Fatalf("Runs: %v", err)
	}
	_, _, err = Load(filepath.Join(state, "deploy"))
	if !errors.As(err, &re) || err.Error() != state+": unsafe state directory: not a directory" {
		t.Fatalf("Load: %v", err)
	}
	if errors.Is(err, ErrNoJournal) {
		t.Fatal("an unreadable journal is not a missing one")
	}
}
