package journal

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

// newRun writes a run with a few events and returns its directory.
func newRun(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state", "deploy")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.SetClock(clock())
	w.Append(Event{Type: RunStarted, Run: "deploy"})
	w.Append(Event{Type: StepStarted, Step: "build", Attempt: 1})
	w.Append(Event{Type: StepFinished, Step: "build", Attempt: 1, Status: OK, ExitCode: intp(0)})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func journalBytes(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func setJournal(t *testing.T, dir, s string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, JournalFile), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A complete last event without its newline was written in full: it is
// kept (the step it finished does not run again), and reopening adds the
// newline so the next event has a line of its own.
func TestCompleteLastEventWithoutNewlineIsKept(t *testing.T) {
	dir := newRun(t)
	setJournal(t, dir, strings.TrimSuffix(journalBytes(t, dir), "\n"))
	_, st, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Steps["build"].Status != OK {
		t.Fatalf("build is %s, want ok", st.Steps["build"].Status)
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := w.Append(Event{Type: NoteAdded, Note: "next"}); err != nil || e.Seq != 4 {
		t.Fatalf("%+v %v", e, err)
	}
	w.Close()
	if evs, err := ReadFile(filepath.Join(dir, JournalFile)); err != nil || len(evs) != 4 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
}

func TestDamagedJournalsNameFileLineAndRepair(t *testing.T) {
	started := `{"v":1,"seq":1,"time":"2026-11-24T12:00:01Z","type":"run-started","run":"deploy"}` + "\n"
	build := `{"v":1,"seq":2,"time":"2026-11-24T12:00:02Z","type":"step-started","step":"build","attempt":1}` + "\n"
	for _, c := range []struct {
		name, journal string
		line          int
		want          string
	}{
		{"empty", "", 1, "the journal is empty"},
		{"truncated", started + `{"v":1,"seq":2,"time":"2026-11-24T12:00:02Z","type":"step-fin`, 2, "cut short"},
		{"unknown status", started + build + `{"v":1,"seq":3,"type":"step-finished","step":"build","attempt":1,"status":"exploded"}` + "\n", 3, `unknown status "exploded"`},
		{"run status", started + `{"v":1,"seq":2,"type":"run-finished","status":"meh"}` + "\n", 2, `unknown status "meh"`},
		{"missing event", started + `{"v":1,"seq":3,"type":"note"}` + "\n", 2, "seq 3 follows seq 1"},
		{"repeated event", started + build + build, 3, "seq 2 follows seq 2"},
		{"no start", build, 1, "not run-started"},
		{"no step", started + `{"v":1,"seq":2,"type":"step-finished","status":"ok"}` + "\n", 2, "names no step"},
		{"garbage", started + "not json\n" + build, 2, "unreadable event"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := newRun(t)
			setJournal(t, dir, c.journal)
			path := filepath.Join(dir, JournalFile)
			for what, err := range map[string]error{
				"ReadFile": func() error { _, err := ReadFile(path); return err }(),
				"Open":     func() error { _, err := Open(dir); return err }(),
			} {
				var re *runbook.Error
				var de *DamageError
				if !errors.As(err, &re) || re.Path != path || re.Line != c.line || !errors.As(err, &de) {
					t.Fatalf("%s: got %v, want %s:%d", what, err, path, c.line)
				}
				if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "runbook status --state-dir "+filepath.Dir(dir)+" --repair deploy") {
					t.Fatalf("%s: %v", what, err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("%s: not one line: %q", what, err)
				}
			}
			if got := journalBytes(t, dir); got != c.journal {
				t.Fatalf("reading changed the journal: %q", got)
			}
		})
	}
}

func TestRepairKeepsIntactEventsAndSavesTheDamage(t *testing.T) {
	dir := newRun(t)
	good := journalBytes(t, dir)
	bad := good + "garbage\n" + `{"v":1,"seq":5,"type":"step-finished","step":"release","attempt":1,"status":"ok"}` + "\n"
	setJournal(t, dir, bad)
	res, err := Repair(dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept != 3 || res.Dropped != 2 || res.SetAside || len(res.Steps) != 1 || res.Steps[0] != "release" {
		t.Fatalf("%+v", res)
	}
	if got := journalBytes(t, dir); got != good {
		t.Fatalf("kept %q, want %q", got, good)
	}
	if b, err := os.ReadFile(res.Saved); err != nil || string(b) != bad {
		t.Fatalf("damaged copy %s: %v", res.Saved, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, JournalFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// the run opens again and goes on from what was kept
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := w.Append(Event{Type: NoteAdded}); e.Seq != 4 {
		t.Fatalf("seq %d", e.Seq)
	}
	w.Close()
	if res, err := Repair(dir); err != nil || !res.Intact {
		t.Fatalf("second repair: %+v %v", res, err)
	}
}

func TestRepairSetsAsideWhatCannotBeKept(t *testing.T) {
	dir := newRun(t)
	setJournal(t, dir, "")
	res, err := Repair(dir)
	if err != nil || !res.SetAside {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the run directory is still there")
	}
	if _, err := os.Stat(filepath.Join(res.Saved, JournalFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir); err != nil {
		t.Fatalf("a new run: %v", err)
	}
}

func TestRepairRefusesARunInUse(t *testing.T) {
	dir := newRun(t)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var iu *InUseError
	if _, err := Repair(dir); !errors.As(err, &iu) {
		t.Fatalf("got %v", err)
	}
}

// The lock records who holds the run; a second runbook names them.
func TestLockNamesItsHolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	dir := newRun(t)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// another process: the test binary's own lock is per open file, so a
	// second Open in this process is refused the same way
	_, err = Open(dir)
	var iu *InUseError
	var re *runbook.Error
	if !errors.As(err, &iu) || iu.Holder == nil || !errors.As(err, &re) {
		t.Fatalf("got %v", err)
	}
	host, _ := os.Hostname()
	if iu.Holder.PID != os.Getpid() || iu.Holder.Host != host || iu.Holder.User == "" || iu.Holder.Since.IsZero() {
		t.Fatalf("holder %+v", iu.Holder)
	}
	msg := err.Error()
	for _, want := range []string{"run deploy is in use by", host, "(pid ", "since 20"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if h := LockHolder(dir); h == nil || h.PID != os.Getpid() {
		t.Fatalf("LockHolder = %+v", h)
	}
	runs, _ := Runs(filepath.Dir(dir))
	if len(runs) != 1 || !runs[0].Live || runs[0].Holder == nil {
		t.Fatalf("Runs: %+v", runs)
	}
	w.Close()
	if h := LockHolder(dir); h != nil {
		t.Fatalf("released lock still held by %+v", h)
	}
}

func TestStateDirRefusedWhenSymlinkedOrShared(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix modes and symlinks")
	}
	base := t.TempDir()
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o700)
	link := filepath.Join(base, "link")
	os.Symlink(real, link)
	shared := filepath.Join(base, "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o777)
	group := filepath.Join(base, "group")
	os.Mkdir(group, 0o700)
	os.Chmod(group, 0o770)
	for dir, want := range map[string]string{
		link:   "is a symlink",
		shared: "writable by other users (mode 0777)",
		group:  "writable by other users (mode 0770)",
	} {
		for what, err := range map[string]error{
			"Create": func() error { _, err := Create(filepath.Join(dir, "run")); return err }(),
			"Load":   func() error { _, _, err := Load(filepath.Join(dir, "run")); return err }(),
			"Runs":   func() error { _, err := Runs(dir); return err }(),
		} {
			var re *runbook.Error
			if !errors.As(err, &re) || re.Path != dir || !errors.Is(err, ErrUnsafeStateDir) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s(%s): %v, want %q", what, filepath.Base(dir), err, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(real, "run")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a run was created through the symlink")
	}
}

func TestUncreatableStateDirIsBadInput(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores permissions: make the parent a file instead
		parent := filepath.Join(t.TempDir(), "file")
		os.WriteFile(parent, nil, 0o600)
		_, err := Create(filepath.Join(parent, "state", "run"))
		var re *runbook.Error
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("got %v", err)
		}
		return
	}
	ro := t.TempDir()
	os.Chmod(ro, 0o500)
	defer os.Chmod(ro, 0o700)
	_, err := Create(filepath.Join(ro, "state", "run"))
	var re *runbook.Error
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "cannot create the state directory") {
		t.Fatalf("got %v", err)
	}
}

// Inside the state directory nothing is followed through a symlink: not
// a run directory, the journal, the lock, logs/ or a log file.
func TestRunFilesNeverFollowSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious\n"), 0o600)
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "symlink") {
			t.Fatalf("got %v, want a refusal naming the symlink", err)
		}
		if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
			t.Fatalf("victim written: %q", b)
		}
	}
	t.Run("run dir", func(t *testing.T) {
		state := t.TempDir()
		os.Symlink(filepath.Dir(victim), filepath.Join(state, "run"))
		_, err := Create(filepath.Join(state, "run"))
		check(t, err)
	})
	t.Run("journal", func(t *testing.T) {
		dir := newRun(t)
		os.Remove(filepath.Join(dir, JournalFile))
		os.Symlink(victim, filepath.Join(dir, JournalFile))
		_, err := Open(dir)
		check(t, err)
		_, err = ReadFile(filepath.Join(dir, JournalFile))
		check(t, err)
	})
	t.Run("lock", func(t *testing.T) {
		dir := newRun(t)
		os.Remove(filepath.Join(dir, LockFile))
		os.Symlink(victim, filepath.Join(dir, LockFile))
		_, err := Open(dir)
		check(t, err)
	})
	t.Run("logs dir", func(t *testing.T) {
		dir := newRun(t)
		os.RemoveAll(filepath.Join(dir, LogDir))
		os.Symlink(filepath.Dir(victim), filepath.Join(dir, LogDir))
		_, err := Open(dir)
		check(t, err)
	})
	t.Run("log file", func(t *testing.T) {
		dir := newRun(t)
		os.Symlink(victim, filepath.Join(dir, LogPath("build", 2)))
		w, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		_, err = w.Log("build", 2).Write([]byte("output\n"))
		check(t, err)
		// and readers (reports, the TUI) do not read through it either
		_, err = OpenLog(filepath.Join(dir, LogPath("build", 2)))
		check(t, err)
	})
}
