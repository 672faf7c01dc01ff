package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
