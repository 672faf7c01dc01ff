//go:build unix

package journal

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A holder killed with -9 leaves no stale lock.
func TestLockOfAKilledHolderIsReleased(t *testing.T) {
	dir := newRun(t)
	var w *Writer
	var err error
	// flock(1) -o holds the lock itself; its child does not inherit it
	cmd := exec.Command("flock", "-o", filepath.Join(dir, LockFile), "sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skip("no flock(1):", err)
	}
	kill := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) } // flock(1) and its sleep
	defer kill()
	for deadline := time.Now().Add(10 * time.Second); LockHolder(dir) == nil; {
		if time.Now().After(deadline) {
			t.Fatal("flock(1) never took the lock")
		}
		time.Sleep(time.Millisecond) // polling for the lock to be taken
	}
	kill()
	cmd.Wait()
	// the kernel drops the lock as the killed processes exit: poll
	for deadline := time.Now().Add(10 * time.Second); ; {
		w, err = Open(dir)
		if err == nil {
			w.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the holder died: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// A run whose lock is taken but whose first event is not written yet (a
// runbook starting it right now) is listed live, as status shows it,
// never absent: cmd/runbook's TestRunInUseNamesItsHolder saw `status`
// list no run in that window under load.
func TestRunsListsARunBeingStarted(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	w, err := Create(filepath.Join(state, "doc.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	runs, err := Runs(state)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %+v, %v; want the run being started", runs, err)
	}
	if r := runs[0]; r.Run != "doc.1" || !r.Live || r.Holder == nil || r.Holder.PID != os.Getpid() {
		t.Fatalf("run being started: %+v", r)
	}
	out, err := StatusOf(state, nil)
	if err != nil || len(out.Runs) != 1 || out.Runs[0].Status != RunRunning || !out.Runs[0].Live {
		t.Fatalf("status of a run being started: %+v, %v", out, err)
	}
}

// A new journal whose first write fails is not renamed into place: the
// run has no journal rather than a torn one. (RLIMIT_FSIZE makes the
// write fail with EFBIG; Go ignores the SIGXFSZ that comes with it.)
func TestFailedCreationLeavesNoJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "doc.1")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	small := old
	small.Cur = 16
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Skip(err)
	}
	_, err = w.Append(Event{Type: RunStarted, Run: "doc.1"})
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	if err == nil {
		t.Fatal("append succeeded past the file size limit")
	}
	if _, serr := os.Lstat(filepath.Join(dir, JournalFile)); !os.IsNotExist(serr) {
		t.Fatalf("a journal was renamed into place after the write failed (%v): %v", err, serr)
	}
}
