package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

// machine is one engineer's machine for the S3 tests: its own HOME (so
// its own cache of the runs) and host name.
type machine struct {
	home, host string
	env        []string
}

func newMachine(t *testing.T, srv *s3test.Server, host string, extra ...string) machine {
	home := t.TempDir()
	env := []string{"HOME=" + home, "RUNBOOK_HOST=" + host, "LANG=C", "LC_ALL=C", "NO_COLOR=1", "PATH=" + os.Getenv("PATH"), "USER=" + host + "-user"}
	for k, v := range srv.Env() {
		env = append(env, k+"="+v)
	}
	return machine{home: home, host: host, env: append(env, extra...)}
}

func (m machine) command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = m.env
	return cmd
}

// TestS3RunResumesOnAnotherMachine: alice's run stops at a failed step;
// bob resumes it from his machine: the finished steps stay finished, the
// answers come along, and the report lists both sessions.
func TestS3RunResumesOnAnotherMachine(t *testing.T) {
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	dir := t.TempDir()
	flag := filepath.Join(dir, "fixed")
	doc := filepath.Join(dir, "deploy.md")
	os.WriteFile(doc, []byte("# Deploy\n\n```bash {name=one}\nVPC_ID=vpc-0a1b; echo one\n```\n\n```bash {name=two}\ntest -e "+flag+" && echo two\n```\n\n```bash {name=three}\necho \"three in $VPC_ID\"\n```\n"), 0o644)
	st := srv.State("team")
	alice, bob := newMachine(t, srv, "bastion-1"), newMachine(t, srv, "laptop")
	out, err := alice.command(bin, "run", "--no-tui", "--yes", "--state", st, doc).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "two") {
		t.Fatalf("alice's run: %v\n%s", err, out)
	}
	os.WriteFile(flag, nil, 0o644)
	out, err = bob.command(bin, "run", "--no-tui", "--yes", "--state", st, doc).CombinedOutput()
	if err != nil {
		t.Fatalf("bob's resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resuming run deploy.1") || !strings.Contains(string(out), "one  ok earlier in this run") || strings.Contains(string(out), "\n> one") {
		t.Fatalf("bob's resume did not resume:\n%s", out)
	}
	// the session value alice's step set came along
	if !strings.Contains(string(out), "three in vpc-0a1b") {
		t.Fatalf("the shell session did not come along:\n%s", out)
	}
	out, err = alice.command(bin, "status", "--state", st).CombinedOutput()
	if err != nil || !regexp.MustCompile(`deploy\.1 +ok +3/3 done .* laptop +-\n`).Match(out) {
		t.Fatalf("status: %v\n%s", err, out)
	}
	// the report, from a third machine, lists each session
	out, err = newMachine(t, srv, "ic-desk").command(bin, "report", "--format", "json", "--state", st, doc).Output()
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	var rep struct {
		Run struct {
			Sessions []struct{ Kind, Who, Host string }
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if ss := rep.Run.Sessions; len(ss) != 2 || ss[0].Kind != "started" || ss[0].Host != "bastion-1" || ss[1].Kind != "resumed" || ss[1].Host != "laptop" {
		t.Fatalf("sessions = %+v", ss)
	}
}

// s3Count is the number of iterations of an S3 acceptance test: the full
// count, or fewer with -short.
func s3Count(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

// TestS3RaceToStartTheSameRun: two machines start the same run at the
// same moment, 100 times: each time exactly one runs it, the other is
// told who holds it, and no step ever runs twice.
func TestS3RaceToStartTheSameRun(t *testing.T) {
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	dir := t.TempDir()
	tally := filepath.Join(dir, "tally")
	doc := filepath.Join(dir, "race.md")
	os.WriteFile(doc, []byte("# Race\n\n```bash {name=first}\necho \"first $RUNBOOK_HOST\" >> "+tally+"; sleep 0.3\n```\n\n```bash {name=second}\necho \"second $RUNBOOK_HOST\" >> "+tally+"\n```\n"), 0o644)
	st := srv.State("race")
	a, b := newMachine(t, srv, "bastion-1"), newMachine(t, srv, "laptop")
	n := s3Count(100, 20)
	held, changed := 0, 0 // how the loser learnt it lost
	for i := range n {
		os.Remove(tally)
		lane := fmt.Sprintf("race%d", i)
		cmds := []*exec.Cmd{a.command(bin, "run", "--no-tui", "--yes", "--run", lane, "--state", st, doc),
			b.command(bin, "run", "--no-tui", "--yes", "--run", lane, "--state", st, doc)}
		outs := make([]bytes.Buffer, 2)
		for j, c := range cmds {
			c.Stdout, c.Stderr = &outs[j], &outs[j]
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		codes := make([]int, 2)
		for j, c := range cmds {
			c.Wait()
			codes[j] = c.ProcessState.ExitCode()
		}
		ran := 0
		for j := range 2 {
			switch codes[j] {
			case 0:
				ran++
			case 2:
				if !heldMessage.MatchString(outs[j].String()) {
					t.Fatalf("iteration %d: the loser was not told who holds the run:\n%s", i, outs[j].String())
				}
				if strings.Contains(outs[j].String(), "lease live") {
					held++
				} else {
					changed++
				}
			default:
				t.Fatalf("iteration %d: exit %d:\n%s", i, codes[j], outs[j].String())
			}
		}
		if ran != 1 {
			t.Fatalf("iteration %d: %d processes ran the run:\n%s\n---\n%s", i, ran, outs[0].String(), outs[1].String())
		}
		got, _ := os.ReadFile(tally)
		lines := strings.Split(strings.TrimSpace(string(got)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "first ") || !strings.HasPrefix(lines[1], "second ") || lines[0][6:] != lines[1][7:] {
			t.Fatalf("iteration %d: steps ran %q", i, lines)
		}
	}
	t.Logf("%d races: exactly one runner each time, 0 steps run twice; the loser was told \"held by …, lease live\" %d times, \"changed in S3 since it was read\" %d times", n, held, changed)
}

// heldMessage is how a machine that lost the race is told.
var heldMessage = regexp.MustCompile(`run race\d+\.1 is held by \S+@(bastion-1|laptop) since \d\d:\d\d, lease live|run race\d+\.1 changed in s3://\S+ since it was read`)

// s3Events reads a run's events from S3, as another machine would.
func s3Events(t *testing.T, store *state.S3Store, run string) []journal.Event {
	t.Helper()
	lines, err := store.Events(context.Background(), run, 0)
	if err != nil {
		t.Fatalf("read %s from S3: %v", run, err)
	}
	var evs []journal.Event
	for i, l := range lines {
		e, err := journal.Decode(l)
		if err != nil || e.Seq != i+1 {
			t.Fatalf("event %d of %s: %v (seq %d)", i+1, run, err, e.Seq)
		}
		evs = append(evs, e)
	}
	return evs
}

// waitLockFree waits until nobody holds run with a live lease.
func waitLockFree(t *testing.T, store *state.S3Store, run string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := store.LockInfo(context.Background(), run)
		if err == nil && (info == nil || !info.Live(time.Now())) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock of %s is still live: %+v %v", run, info, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var shownInterrupted = regexp.MustCompile(`(?m)^\S (\S+)  interrupted`)

// TestS3Kill9ResumedByTheOtherMachine kills a run on S3 with SIGKILL at
// random moments, each time resuming it on the other machine (taking
// over the expired lease): every event shown before the kill is in S3, no
// step finished before a kill runs again, and the step each kill cut
// short is shown as interrupted by the machine that resumes.
func TestS3Kill9ResumedByTheOtherMachine(t *testing.T) {
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	doc := writeDoc(t, "many.md", quickSteps(400, "echo step N; sleep 0.03"))
	st := srv.State("kill")
	loc, _ := state.Parse(st, "")
	store, err := state.OpenS3(context.Background(), loc, state.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	lease := "RUNBOOK_S3_LEASE=600ms"
	machines := []machine{newMachine(t, srv, "bastion-1", lease), newMachine(t, srv, "laptop", lease)}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	t.Logf("seed %d", seed)
	want := s3Count(30, 10)
	kills, checked, interrupted, cuts := 0, 0, 0, 0
	var cut string // the step the last kill cut short
	finishedBefore := map[string]bool{}
	for round := 0; kills < want; round++ {
		if round > 3*want {
			t.Fatalf("only %d kills landed in %d rounds", kills, round)
		}
		waitLockFree(t, store, "kill.1")
		m := machines[round%2]
		cmd := m.command(bin, "run", "--no-tui", "--yes", "--run", "kill", "--take-over", "--state", st, doc)
		var out, errb bytes.Buffer
		var mu sync.Mutex
		cmd.Stderr = &errb
		pipe, _ := cmd.StdoutPipe()
		began := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		copied := make(chan struct{})
		go func() {
			r := bufio.NewReader(pipe)
			for {
				line, err := r.ReadString('\n')
				mu.Lock()
				out.WriteString(line)
				mu.Unlock()
				if err != nil {
					close(copied)
					return
				}
			}
		}()
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-copied
		cmd.Wait()
		mu.Lock()
		shown := out.String()
		mu.Unlock()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the run ended on its own (exit %d) before its kill:\n%s\nstderr:\n%s", round, cmd.ProcessState.ExitCode(), shown, errb.String())
		}
		// the machine that resumed shows the step the last kill cut short
		if cut != "" && shownStarted.MatchString(shown) {
			found := false
			for _, mm := range shownInterrupted.FindAllStringSubmatch(shown, -1) {
				found = found || mm[1] == cut
			}
			if !found {
				t.Fatalf("round %d: %s was cut short by the last kill but not shown interrupted:\n%s", round, cut, shown)
			}
			interrupted++
			cut = ""
		}
		for _, mm := range shownStarted.FindAllStringSubmatch(shown, -1) {
			if finishedBefore[mm[1]] {
				t.Fatalf("round %d: %s finished before a kill and ran again:\n%s", round, mm[1], shown)
			}
		}
		if !shownStarted.MatchString(shown) {
			if testing.Verbose() {
				t.Logf("round %d: no step shown in %s:\n%s%s", round, time.Since(began), shown, errb.String())
			}
			continue // killed before any step: not a kill of a run
		}
		kills++
		evs := s3Events(t, store, "kill.1")
		started, finished := map[string]bool{}, map[string]bool{}
		for _, e := range evs {
			switch {
			case e.Type == journal.StepStarted:
				started[e.Step] = true
				cut = e.Step
			case e.Type == journal.StepFinished && e.Status == journal.OK:
				finished[e.Step] = true
				finishedBefore[e.Step] = true
				if cut == e.Step {
					cut = ""
				}
			case e.Type == journal.StepFinished:
				if cut == e.Step {
					cut = ""
				}
			}
		}
		if cut != "" {
			cuts++
		}
		for _, mm := range shownStarted.FindAllStringSubmatch(shown, -1) {
			checked++
			if !started[mm[1]] {
				t.Fatalf("kill %d: %s was shown as started but is not in S3\nshown:\n%s", kills, mm[1], shown)
			}
		}
		for _, mm := range shownFinished.FindAllStringSubmatch(shown, -1) {
			checked++
			if !finished[mm[1]] {
				t.Fatalf("kill %d: %s was shown as finished but is not in S3\nshown:\n%s", kills, mm[1], shown)
			}
		}
	}
	if cut != "" {
		// the last kill's step, on the other machine
		waitLockFree(t, store, "kill.1")
		r := startLive(t, machines[kills%2].command(bin, "run", "--no-tui", "--yes", "--run", "kill", "--take-over", "--state", st, doc))
		r.waitOutput(t, cut+" shown interrupted", func(o, _ string) bool {
			for _, mm := range shownInterrupted.FindAllStringSubmatch(o, -1) {
				if mm[1] == cut {
					return true
				}
			}
			return false
		})
		interrupted++
		r.cmd.Process.Kill()
		r.wait(t)
	}
	if interrupted != cuts {
		t.Fatalf("%d kills cut a step short, %d shown interrupted", cuts, interrupted)
	}
	t.Logf("%d kills on S3 (%d cut a step short, the rest landed between steps), %d shown events all found in S3, all %d cut steps shown interrupted on the other machine, 0 finished steps re-run", kills, cuts, checked, interrupted)
}

// TestS3StateFromFrontMatter: the doc's `state:` puts its runs on S3
// without a flag, and status finds them there.
func TestS3StateFromFrontMatter(t *testing.T) {
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	doc := writeDoc(t, "fm.md", "---\nstate: "+srv.State("fm")+"\n---\n# FM\n\n```bash {name=hello}\necho hello\n```\n")
	m := newMachine(t, srv, "bastion-1")
	out, err := m.command(bin, "run", "--no-tui", "--yes", doc).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "(state: "+srv.State("fm")+"/fm.1)") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(doc), ".runbook")); err == nil {
		t.Fatal("the run went to .runbook beside the doc")
	}
	out, err = m.command(bin, "status", "--json", doc).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"stateDir": "`+srv.State("fm")+`"`) || !strings.Contains(string(out), `"dir": "`+srv.State("fm")+`/fm.1"`) {
		t.Fatalf("status: %v\n%s", err, out)
	}
}

// TestS3StatusShowsTheTeamsRuns: while alice runs a step, status on
// another machine shows the run running, who holds it, where, and that
// the lease is live; --json says the same.
func TestS3StatusShowsTheTeamsRuns(t *testing.T) {
	srv := s3test.Start(t)
	bin := runbookBinary(t)
	dir := t.TempDir()
	flag := filepath.Join(dir, "go-on")
	doc := filepath.Join(dir, "deploy.md")
	os.WriteFile(doc, []byte("# Deploy\n\n```bash {name=build}\necho built\n```\n\n```bash {name=wait}\nwhile ! test -e "+flag+"; do sleep 0.05; done\n```\n"), 0o644)
	st := srv.State("team")
	alice := startLive(t, newMachine(t, srv, "bastion-1", "RUNBOOK_S3_LEASE=600ms").command(bin, "run", "--no-tui", "--yes", "--state", st, doc))
	alice.waitOutput(t, "step wait", func(o, _ string) bool { return strings.Contains(o, "> wait") })
	// the lease is renewed while the step runs: live over four leases
	loc, _ := state.Parse(st, "")
	store, err := state.OpenS3(context.Background(), loc, state.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(2400 * time.Millisecond); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if info, err := store.LockInfo(context.Background(), "deploy.1"); err != nil || info == nil || !info.Live(time.Now()) {
			t.Fatalf("lease not live during a long step: %+v %v", info, err)
		}
	}
	ic := newMachine(t, srv, "ic-desk")
	out, err := ic.command(bin, "status", "--state", st).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^deploy\.1 +running +1/2 done \(1 running\) +\S+ \S+ +\S+ +bastion-1 +held by \S+@bastion-1 since \d\d:\d\d, lease live$`).Match(out) {
		t.Fatalf("status: %v\n%s", err, out)
	}
	out, err = ic.command(bin, "status", "--json", "--state", st).CombinedOutput()
	var js struct {
		SchemaVersion int    `json:"schemaVersion"`
		StateDir      string `json:"stateDir"`
		Runs          []struct {
			Name, Status, Host string
			Live               bool
			Lock               *struct {
				Host string
				Live bool
				Text string
			}
		}
	}
	if err != nil || json.Unmarshal(out, &js) != nil || js.SchemaVersion == 0 || js.StateDir != st || len(js.Runs) != 1 ||
		js.Runs[0].Status != "running" || !js.Runs[0].Live || js.Runs[0].Lock == nil || js.Runs[0].Lock.Host != "bastion-1" || !js.Runs[0].Lock.Live {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	os.WriteFile(flag, nil, 0o644)
	if code := alice.wait(t); code != 0 {
		t.Fatalf("alice's run: exit %d", code)
	}
	out, _ = ic.command(bin, "status", "--state", st).CombinedOutput()
	if !regexp.MustCompile(`(?m)^deploy\.1 +ok +2/2 done .* bastion-1 +-$`).Match(out) {
		t.Fatalf("status after the run:\n%s", out)
	}
}
