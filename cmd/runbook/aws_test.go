package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/aws"
	"github.com/runbook-sh/runbook/steps/aws/awstest"
)

func awsDoc(guard *runbook.AWSGuard, sources ...string) *runbook.Document {
	fm := &runbook.FrontMatter{Line: 1, AWS: guard}
	for i, s := range sources {
		fm.Variables = append(fm.Variables, &runbook.Variable{Name: "v" + string(rune('a'+i)), Source: s})
	}
	return &runbook.Document{Path: "doc.md", FrontMatter: fm}
}

func TestAWSSetupNothingWithoutAWS(t *testing.T) {
	// No isolation on purpose: a doc without AWS must not touch the SDK,
	// whatever the machine's configuration.
	for _, doc := range []*runbook.Document{
		{Path: "a.md"},
		awsDoc(nil, "env:HOME"),
		awsDoc(&runbook.AWSGuard{}),
	} {
		a, err := awsSetup(context.Background(), doc, "no-such-profile", "")
		if a != nil || err != nil {
			t.Errorf("awsSetup = %v, %v; want nothing", a, err)
		}
		var cfg steps.Config
		a.AddTo(&cfg)
		if cfg.Sources != nil || cfg.Preflights != nil {
			t.Errorf("nil awsRun added to the config")
		}
		if env := a.StepEnv([]string{"A=1"}); len(env) != 1 {
			t.Errorf("nil awsRun changed the env")
		}
	}
}

func TestAWSSetupGuard(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetIdentity("999999999999", "arn:aws:iam::999999999999:user/bob")
	t.Setenv("AWS_ENDPOINT_URL", f.URL())
	ctx := context.Background()
	run := &fakeAWSRun{vars: map[string]string{"account-id": "123456789012", "region": "us-west-2"}}
	vars := run.vars

	doc := awsDoc(&runbook.AWSGuard{Account: "<account-id>", Region: "{region}"})
	a, err := awsSetup(ctx, doc, "", "")
	if err != nil || a == nil {
		t.Fatalf("awsSetup = %v, %v", a, err)
	}
	if n := len(f.Requests("")); n != 0 {
		t.Fatalf("awsSetup made %d requests; the identity is the preflight's job", n)
	}
	var cfg steps.Config
	a.AddTo(&cfg)
	if cfg.Sources[aws.SchemeSecretsManager] == nil || cfg.Sources[aws.SchemeSSM] == nil {
		t.Fatalf("config: sources %v", cfg.Sources)
	}
	cfg.Preflights = []steps.Preflight{a.Preflight(run)}
	err = cfg.Preflights[0](ctx)
	const want = "aws guard: this runbook is pinned to account 123456789012 (us-west-2) but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in us-west-2; refusing to run any step"
	if err == nil || err.Error() != want {
		t.Fatalf("preflight:\n got %v\nwant %s", err, want)
	}
	if code := exitCode(err); code != exitBadCall {
		t.Errorf("guard refusal exits %d, want %d", code, exitBadCall)
	}
	if len(run.seen) != 1 || run.seen[0] != "999999999999" {
		t.Errorf("recorded %+v", run.seen)
	}

	vars["account-id"] = "999999999999"
	if err := cfg.Preflights[0](ctx); err != nil {
		t.Fatalf("matching guard refused: %v", err)
	}

	delete(vars, "account-id")
	err = cfg.Preflights[0](ctx)
	if err == nil || err.Error() != `aws guard: the guard value "<account-id>" needs a value for <account-id>: answer it or pass --set account-id=…` {
		t.Errorf("unanswered guard placeholder: %v", err)
	}
}

func TestAWSSetupSourcesOnly(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetParameter("/p", "v")
	t.Setenv("AWS_ENDPOINT_URL", f.URL())
	a, err := awsSetup(context.Background(), awsDoc(nil, "aws-ssm:/p"), "", "")
	if err != nil || a == nil {
		t.Fatalf("awsSetup = %v, %v", a, err)
	}
	if err := a.Preflight(&fakeAWSRun{})(context.Background()); err != nil {
		t.Fatalf("identity-only preflight: %v", err)
	}
	if v, err := a.Sources[aws.SchemeSSM].Resolve(context.Background(), "/p"); err != nil || v != "v" {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
}

func TestAWSSetupProfile(t *testing.T) {
	awstest.Isolate(t)
	_, err := awsSetup(context.Background(), awsDoc(&runbook.AWSGuard{Profile: "<env>-admin"}), "", "")
	if err == nil || err.Error() != `doc.md:1: aws.profile "<env>-admin" cannot use a placeholder: the profile is chosen before any question is asked; pass --profile` {
		t.Errorf("placeholder profile: %v", err)
	}
	_, err = awsSetup(context.Background(), awsDoc(&runbook.AWSGuard{Profile: "staging"}), "", "")
	if err == nil || !strings.Contains(err.Error(), `profile "staging" is not in`) || exitCode(err) != exitBadCall {
		t.Errorf("missing doc profile: %v (exit %d)", err, exitCode(err))
	}
	// The flag wins over the document.
	_, err = awsSetup(context.Background(), awsDoc(&runbook.AWSGuard{Profile: "staging"}), "ops", "")
	if err == nil || !strings.Contains(err.Error(), `profile "ops" is not in`) {
		t.Errorf("flag profile: %v", err)
	}
}

func TestUploadReport(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	t.Setenv("AWS_ENDPOINT_URL", f.URL())
	url, err := uploadReport(context.Background(), "s3://reports/staging/", "run.html", []byte("<html>"), "text/html; charset=utf-8", "", "")
	if err != nil || url != "s3://reports/staging/run.html" {
		t.Fatalf("uploadReport = %q, %v", url, err)
	}
	r := f.Requests("s3:PutObject")
	if len(r) != 1 || r[0].Path != "/reports/staging/run.html" || r[0].Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		r[0].Header.Get("X-Amz-Server-Side-Encryption") != "AES256" || string(r[0].Body) != "<html>" {
		t.Fatalf("PutObject: %+v", r)
	}
	_, err = uploadReport(context.Background(), "reports/", "r", nil, "", "", "")
	if exitCode(err) != exitBadCall {
		t.Errorf("bad destination: %v (exit %d)", err, exitCode(err))
	}
}

// The whole CLI in line mode: a guard mismatch prints one line, runs no
// step and exits 2; a match runs the step with the secret masked.
func TestRunAWSGuardLineMode(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetIdentity("999999999999", "arn:aws:iam::999999999999:user/bob")
	f.SetSecret("app/db", `{"password":"pa55-w0rd-xyz"}`)
	t.Setenv("AWS_ENDPOINT_URL", f.URL())
	dir := t.TempDir()
	doc := filepath.Join(dir, "d.md")
	src := "---\naws:\n  account: \"<account-id>\"\n  region: us-west-2\nvariables:\n  pw:\n    source: aws-secretsmanager:app/db#password\n---\n# T\n\n```bash\necho \"pw=<pw>\" > out.txt\n```\n"
	if err := os.WriteFile(doc, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := execute([]string{"run", "--no-tui", "--yes", "--set", "account-id=123456789012", doc}, strings.NewReader(""), &out, &errb)
	const want = "runbook: aws guard: this runbook is pinned to account 123456789012 (us-west-2) but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in us-west-2; refusing to run any step\n"
	if code != exitBadCall || !strings.HasSuffix(errb.String(), want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and …%s", code, errb.String(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.txt")); !os.IsNotExist(err) {
		t.Fatalf("the step ran despite the guard")
	}

	out.Reset()
	errb.Reset()
	code = execute([]string{"run", "--no-tui", "--yes", "--run", "second", "--set", "account-id=999999999999", doc}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(b) != "pw=pa55-w0rd-xyz\n" {
		t.Fatalf("out.txt = %q, %v (the step gets the real value)", b, err)
	}
	if strings.Contains(out.String()+errb.String(), "pa55-w0rd-xyz") {
		t.Errorf("the secret reached the terminal:\n%s%s", out.String(), errb.String())
	}
	// Line mode names the identity before the first step runs.
	const identity = "aws: account 999999999999, arn:aws:iam::999999999999:user/bob (us-west-2)\n"
	i, j := strings.Index(out.String(), identity), strings.Index(out.String(), "out.txt")
	if i < 0 {
		t.Errorf("line mode did not print %q:\n%s", identity, out.String())
	} else if j >= 0 && j < i {
		t.Errorf("identity printed after the step started:\n%s", out.String())
	}
}

// `runbook report … --upload` through the real CLI: the report lands in S3
// with its format's content type and SSE, and the URL is printed.
func TestReportUploadCLI(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	t.Setenv("AWS_ENDPOINT_URL", f.URL())
	dir := t.TempDir()
	doc := filepath.Join(dir, "d.md")
	if err := os.WriteFile(doc, []byte("# T\n\n```bash\necho hi\n```\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := execute([]string{"run", "--no-tui", "--yes", "--run", "r1", doc}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code := execute([]string{"report", doc, "--run", "r1", "--format", "html", "--upload", "s3://ops-reports/staging/"}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("report: exit %d\n%s%s", code, out.String(), errb.String())
	}
	reqs := f.Requests("s3:PutObject")
	if len(reqs) != 1 {
		t.Fatalf("%d PutObject requests", len(reqs))
	}
	r := reqs[0]
	if !strings.HasPrefix(r.Path, "/ops-reports/staging/") || !strings.HasSuffix(r.Path, ".html") ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
		r.Header.Get("X-Amz-Server-Side-Encryption") != "AES256" || !bytes.Contains(r.Body, []byte("<html")) {
		t.Fatalf("PutObject %s %q sse=%q body %d bytes", r.Path, r.Header.Get("Content-Type"), r.Header.Get("X-Amz-Server-Side-Encryption"), len(r.Body))
	}
	if got, want := out.String(), "s3:/"+r.Path+"\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

// fakeAWSRun stands for the opened run the guard reads values from and
// journals the identity into.
type fakeAWSRun struct {
	vars map[string]string
	seen []string // accounts recorded
}

func (f *fakeAWSRun) Var(n string) (string, bool) { v, ok := f.vars[n]; return v, ok }

func (f *fakeAWSRun) RecordIdentity(account, _, _ string) error {
	f.seen = append(f.seen, account)
	return nil
}
