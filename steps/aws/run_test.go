package aws_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/aws"
	"github.com/runbook-sh/runbook/steps/aws/awstest"
	"github.com/runbook-sh/runbook/steps/shell"
)

const maskedDoc = `---
aws:
  account: "123456789012"
  region: us-west-2
variables:
  db-password:
    source: aws-secretsmanager:app/db#password
---
# Rotate the app database password

` + "```bash {name=show}\n" + `echo "pw=<db-password>"
` + "```\n"

// openRun opens an engine on doc with the AWS sources and the identity
// guard wired the way cmd/runbook does, and collects what subscribers see.
func openRun(t *testing.T, src string, f *awstest.Server) (*steps.Engine, *bytes.Buffer, *[]aws.Identity, *sync.Mutex) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "rotate.md")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := runbook.Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := aws.Load(context.Background(), aws.Options{Endpoint: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ids []aws.Identity
	guard := func() (runbook.AWSGuard, error) { return *doc.FrontMatter.AWS, nil }
	record := func(id aws.Identity) { mu.Lock(); ids = append(ids, id); mu.Unlock() }

	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, shell.New(shell.Options{}))
	e, err := steps.Open(context.Background(), steps.Config{
		Doc:        doc,
		Registry:   reg,
		StateDir:   filepath.Join(dir, ".runbook"),
		Environ:    []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=dumb"},
		Sources:    aws.Sources(c),
		Preflights: []steps.Preflight{aws.Preflight(c, guard, record)},
		Who:        "ana",
		Host:       "box",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	var seen bytes.Buffer
	e.Subscribe(func(ev steps.Event) {
		mu.Lock()
		defer mu.Unlock()
		seen.Write(ev.Output)
		if ev.Journal != nil {
			seen.WriteString(ev.Journal.Command + ev.Journal.Value + ev.Journal.Error + ev.Journal.Note + "\n")
		}
	})
	return e, &seen, &ids, &mu
}

// The password from a Secrets Manager JSON key never reaches disk or a
// subscriber in clear, through a whole run.
func TestSecretMaskedThroughRun(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	const secret = "Tr0ub4dor&3-horse-battery"
	f.SetSecret("app/db", `{"username":"app","password":"`+secret+`"}`)
	e, seen, ids, mu := openRun(t, maskedDoc, f)

	if preview, err := e.Preview("show"); err != nil || strings.Contains(preview, secret) {
		t.Fatalf("Preview = %q, %v", preview, err)
	}
	status, err := e.Run(context.Background(), "show", steps.RunOptions{})
	if err != nil || status != journal.OK {
		t.Fatalf("Run = %v, %v", status, err)
	}
	if err := e.Finish(); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	out := seen.String()
	gotIDs := append([]aws.Identity(nil), *ids...)
	mu.Unlock()
	if strings.Contains(out, secret) {
		t.Errorf("a subscriber saw the secret:\n%s", out)
	}
	if !strings.Contains(out, "pw=****") {
		t.Errorf("subscriber output has no masked value:\n%s", out)
	}
	if len(gotIDs) != 1 || gotIDs[0].Account != "123456789012" {
		t.Errorf("identities recorded: %+v", gotIDs)
	}

	var files, masked int
	err = filepath.WalkDir(e.RunDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the secret in clear", p)
		}
		masked += bytes.Count(b, []byte("****"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 || masked == 0 {
		t.Errorf("run dir: %d files, %d masks; want the journal and a log with ****", files, masked)
	}
	if n := len(f.Requests("secretsmanager:GetSecretValue")); n != 1 {
		t.Errorf("%d GetSecretValue requests, want 1", n)
	}
}

// A guard mismatch refuses before any step runs, and before any secret is
// fetched with the wrong account's credentials.
func TestGuardMismatchRunsNothing(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetIdentity("999999999999", "arn:aws:iam::999999999999:user/bob")
	f.SetSecret("app/db", `{"password":"x"}`)
	src := strings.Replace(maskedDoc, `echo "pw=<db-password>"`, `touch ran`, 1)
	e, _, _, _ := openRun(t, src, f)
	_, err := e.Run(context.Background(), "show", steps.RunOptions{})
	const want = "aws guard: this runbook is pinned to account 123456789012 (us-west-2) but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in us-west-2; refusing to run any step"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run error:\n got %v\nwant …%s", err, want)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(e.Doc().Path), "ran")); !os.IsNotExist(err) {
		t.Errorf("the step ran despite the guard (stat: %v)", err)
	}
	if st := e.StepStatus("show"); st != journal.Pending {
		t.Errorf("step status = %v, want pending", st)
	}
}
