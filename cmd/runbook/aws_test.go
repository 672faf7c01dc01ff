package main

import (
	"context"
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
		a, err := awsSetup(context.Background(), doc, "no-such-profile", "", nil, nil)
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
	vars := map[string]string{"account-id": "123456789012", "region": "us-west-2"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	var seen []aws.Identity
	record := func(id aws.Identity) { seen = append(seen, id) }

	doc := awsDoc(&runbook.AWSGuard{Account: "<account-id>", Region: "{region}"})
	a, err := awsSetup(ctx, doc, "", "", lookup, record)
	if err != nil || a == nil {
		t.Fatalf("awsSetup = %v, %v", a, err)
	}
	if n := len(f.Requests("")); n != 0 {
		t.Fatalf("awsSetup made %d requests; the identity is the preflight's job", n)
	}
	var cfg steps.Config
	a.AddTo(&cfg)
	if len(cfg.Preflights) != 1 || cfg.Sources[aws.SchemeSecretsManager] == nil || cfg.Sources[aws.SchemeSSM] == nil {
		t.Fatalf("config: %d preflights, sources %v", len(cfg.Preflights), cfg.Sources)
	}
	err = cfg.Preflights[0](ctx)
	const want = "aws guard: this runbook is pinned to account 123456789012 (us-west-2) but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in us-west-2; refusing to run any step"
	if err == nil || err.Error() != want {
		t.Fatalf("preflight:\n got %v\nwant %s", err, want)
	}
	if code := exitCode(err); code != exitBadCall {
		t.Errorf("guard refusal exits %d, want %d", code, exitBadCall)
	}
	if len(seen) != 1 || seen[0].Account != "999999999999" {
		t.Errorf("recorded %+v", seen)
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
	a, err := awsSetup(context.Background(), awsDoc(nil, "aws-ssm:/p"), "", "", nil, nil)
	if err != nil || a == nil {
		t.Fatalf("awsSetup = %v, %v", a, err)
	}
	if err := a.Preflights[0](context.Background()); err != nil {
		t.Fatalf("identity-only preflight: %v", err)
	}
	if v, err := a.Sources[aws.SchemeSSM].Resolve(context.Background(), "/p"); err != nil || v != "v" {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
}

func TestAWSSetupProfile(t *testing.T) {
	awstest.Isolate(t)
	_, err := awsSetup(context.Background(), awsDoc(&runbook.AWSGuard{Profile: "<env>-admin"}), "", "", nil, nil)
	if err == nil || err.Error() != `doc.md:1: aws.profile "<env>-admin" cannot use a placeholder: the profile is chosen before any question is asked; pass --profile` {
		t.Errorf("placeholder profile: %v", err)
	}
	_, err = awsSetup(context.Background(), awsDoc(&runbook.AWSGuard{Profile: "staging"}), "", "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), `profile "staging" is not in`) || exitCode(err) != exitBadCall {
		t.Errorf("missing doc profile: %v (exit %d)", err, exitCode(err))
	}
	// The flag wins over the document.
	_, err = awsSetup(context.Background(), awsDoc(&runbook.AWSGuard{Profile: "staging"}), "ops", "", nil, nil)
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
