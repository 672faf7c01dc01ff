package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
	os.WriteFile(doc, []byte("# Deploy\n\n```bash {name=one}\necho one\n```\n\n```bash {name=two}\ntest -e "+flag+" && echo two\n```\n\n```bash {name=three}\necho three\n```\n"), 0o644)
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
	out, err = alice.command(bin, "status", "--state", st).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "deploy.1") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	t.Logf("%s", out)
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
	t.Logf("%d races: exactly one runner each time, 0 steps run twice", n)
}

// heldMessage is how a machine that lost the race is told.
var heldMessage = regexp.MustCompile(`run race\d+\.1 is held by \S+@(bastion-1|laptop) since \d\d:\d\d, lease live|run race\d+\.1 changed in s3://\S+ since it was read`)
