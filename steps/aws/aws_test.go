package aws

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps/aws/awstest"
)

func load(t *testing.T, opt Options) *Client {
	t.Helper()
	c, err := Load(context.Background(), opt)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestIdentity(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	c := load(t, Options{Endpoint: f.URL()})
	if got := len(f.Requests("")); got != 0 {
		t.Fatalf("Load made %d requests, want none", got)
	}
	id, err := c.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice", Region: "us-west-2"}
	if id != want {
		t.Fatalf("Identity = %+v, want %+v", id, want)
	}
	reqs := f.Requests("sts:GetCallerIdentity")
	if len(reqs) != 1 {
		t.Fatalf("%d GetCallerIdentity requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Decoded["Version"] != "2011-06-15" {
		t.Errorf("STS request: %s %v", r.Method, r.Decoded)
	}
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDTESTTESTTEST/") || !strings.Contains(auth, "/us-west-2/sts/aws4_request") {
		t.Errorf("Authorization = %q: not signed with the test keys for us-west-2", auth)
	}
	if _, err := c.Identity(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(f.Requests("")); got != 1 {
		t.Errorf("second Identity made a request (%d in all), want it cached", got)
	}
}

func TestGuard(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetIdentity("999999999999", "arn:aws:iam::999999999999:user/bob")
	t.Setenv("AWS_REGION", "eu-west-1")
	c := load(t, Options{Endpoint: f.URL()})

	var recorded []Identity
	record := func(id Identity) { recorded = append(recorded, id) }
	guardOf := func(g runbook.AWSGuard) func() (runbook.AWSGuard, error) {
		return func() (runbook.AWSGuard, error) { return g, nil }
	}
	ctx := context.Background()

	// Match: account and region as resolved from placeholders.
	if err := Preflight(c, guardOf(runbook.AWSGuard{Account: "999999999999", Region: "eu-west-1"}), record)(ctx); err != nil {
		t.Fatalf("matching guard refused: %v", err)
	}
	// Mismatch: the exact one-line refusal.
	err := Preflight(c, guardOf(runbook.AWSGuard{Account: "123456789012", Region: "us-west-2"}), record)(ctx)
	const want = "aws guard: this runbook is pinned to account 123456789012 (us-west-2) but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in eu-west-1; refusing to run any step"
	if err == nil || err.Error() != want {
		t.Fatalf("mismatch error:\n got %v\nwant %s", err, want)
	}
	var ge *GuardError
	if !errors.As(err, &ge) {
		t.Errorf("mismatch error is %T, want *GuardError", err)
	}
	if len(recorded) != 2 || recorded[1].Account != "999999999999" || recorded[1].Region != "eu-west-1" {
		t.Errorf("recorded identities = %+v", recorded)
	}
	if n := len(f.Requests("sts:GetCallerIdentity")); n != 1 {
		t.Errorf("%d GetCallerIdentity requests across preflights, want 1 (cached)", n)
	}
	// A nil guard only identifies.
	if err := Preflight(c, nil, nil)(ctx); err != nil {
		t.Fatal(err)
	}
	// Guard resolution errors (an unanswered placeholder) refuse too.
	err = Preflight(c, func() (runbook.AWSGuard, error) { return runbook.AWSGuard{}, errors.New("no value for <account-id>") }, nil)(ctx)
	if err == nil || err.Error() != "aws guard: no value for <account-id>" {
		t.Errorf("guard func error = %v", err)
	}
}

func TestCheckGuard(t *testing.T) {
	id := Identity{Account: "999999999999", ARN: "arn:aws:iam::999999999999:user/bob", Region: "eu-west-1"}
	for _, tc := range []struct {
		name string
		want runbook.AWSGuard
		id   Identity
		err  string
	}{
		{"empty guard", runbook.AWSGuard{}, id, ""},
		{"profile only", runbook.AWSGuard{Profile: "prod"}, id, ""},
		{"account match", runbook.AWSGuard{Account: "999999999999"}, id, ""},
		{"region match", runbook.AWSGuard{Region: "eu-west-1"}, id, ""},
		{"spaces", runbook.AWSGuard{Account: " 999999999999 ", Region: "eu-west-1\n"}, id, ""},
		{"account only", runbook.AWSGuard{Account: "123456789012"}, id,
			"aws guard: this runbook is pinned to account 123456789012 but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in eu-west-1; refusing to run any step"},
		{"region only", runbook.AWSGuard{Region: "us-west-2"}, id,
			"aws guard: this runbook is pinned to region us-west-2 but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in eu-west-1; refusing to run any step"},
		{"right account wrong region", runbook.AWSGuard{Account: "999999999999", Region: "us-west-2"}, id,
			"aws guard: this runbook is pinned to account 999999999999 (us-west-2) but the credentials are for 999999999999 (arn:aws:iam::999999999999:user/bob) in eu-west-1; refusing to run any step"},
		{"no region configured", runbook.AWSGuard{Region: "us-west-2"}, Identity{Account: "1", ARN: "a"},
			"aws guard: this runbook is pinned to region us-west-2 but the credentials are for 1 (a) with no region configured (set AWS_REGION or --region); refusing to run any step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckGuard(tc.id, tc.want)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.err {
				t.Errorf("got  %q\nwant %q", got, tc.err)
			}
		})
	}
}

func TestSecretsManager(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetSecret("app/db", `{"username":"app","password":"s3cr3t-pa55","port":3306,"tls":true,"opts":{"a": 1},"nothing":null}`)
	f.SetSecret("plain", "just-a-string")
	f.SetSecretBinary("blob", []byte{0, 1, 2})
	c := load(t, Options{Endpoint: f.URL()})
	src := Sources(c)
	ctx := context.Background()

	for _, tc := range []struct{ scheme, ref, want string }{
		{SchemeSecretsManager, "app/db#password", "s3cr3t-pa55"},
		{SchemeSecretsManager, "aws-secretsmanager:app/db#username", "app"}, // with its scheme
		{SchemeSecretsManager, "app/db#port", "3306"},
		{SchemeSecretsManager, "app/db#tls", "true"},
		{SchemeSecretsManager, "app/db#opts", `{"a":1}`},
		{SchemeSecretsManager, "plain", "just-a-string"},
	} {
		got, err := src[tc.scheme].Resolve(ctx, tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	reqs := f.Requests("secretsmanager:GetSecretValue")
	if len(reqs) != 2 {
		t.Fatalf("%d GetSecretValue requests, want 2 (one per secret, keys cached)", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || r.Decoded["SecretId"] != "app/db" {
		t.Errorf("GetSecretValue request: %s %s %v %s", r.Method, r.Path, r.Header, r.Body)
	}

	for _, tc := range []struct{ ref, want string }{
		{"app/db#missing", `aws: secret app/db has no key "missing" (its keys: nothing, opts, password, port, tls, username)`},
		{"app/db#nothing", `aws: key "nothing" of secret app/db is null`},
		{"plain#k", `aws: secret plain is not a JSON object, so it has no key "k"; use aws-secretsmanager:plain for the whole value`},
		{"blob", "aws: secret blob holds binary data (SecretBinary), which runbook cannot use as a variable; store it as a string secret"},
		{"app/db#", "aws: source aws-secretsmanager:app/db# has an empty key after '#'"},
		{"gone", "aws: secretsmanager:GetSecretValue on gone: not found (ResourceNotFoundException) in us-west-2; is it in another account or region?"},
		{"aws-ssm:/x", `aws: source "aws-ssm:/x" given to the aws-secretsmanager resolver`},
	} {
		_, err := src[SchemeSecretsManager].Resolve(ctx, tc.ref)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Resolve(%q) error:\n got %v\nwant %s", tc.ref, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
}

func TestSSMParameter(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetParameter("/staging/db/password", "hunter2-ssm")
	c := load(t, Options{Endpoint: f.URL()})
	ctx := context.Background()
	for range 3 {
		got, err := Sources(c)[SchemeSSM].Resolve(ctx, "/staging/db/password")
		if err != nil || got != "hunter2-ssm" {
			t.Fatalf("Resolve = %q, %v", got, err)
		}
	}
	// The scheme-carrying resolver reaches the same cache.
	if got, err := c.Resolver().Resolve(ctx, "aws-ssm:/staging/db/password"); err != nil || got != "hunter2-ssm" {
		t.Fatalf("Resolver().Resolve = %q, %v", got, err)
	}
	reqs := f.Requests("ssm:GetParameter")
	if len(reqs) != 1 {
		t.Fatalf("%d GetParameter requests, want 1 (cached)", len(reqs))
	}
	r := reqs[0]
	if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("GetParameter headers: %v", r.Header)
	}
	if r.Decoded["Name"] != "/staging/db/password" || r.Decoded["WithDecryption"] != true {
		t.Errorf("GetParameter body = %s, want Name and WithDecryption true", r.Body)
	}

	_, err := c.Parameter(ctx, "/nope")
	const want = "aws: ssm:GetParameter on /nope: not found (ParameterNotFound) in us-west-2; is it in another account or region?"
	if err == nil || err.Error() != want {
		t.Errorf("missing parameter:\n got %v\nwant %s", err, want)
	}
	if _, err := c.Resolver().Resolve(ctx, "vault:x"); err == nil || err.Error() != `aws: source "vault:x": want aws-secretsmanager:ID[#key] or aws-ssm:/name` {
		t.Errorf("unknown scheme: %v", err)
	}
}

// A failed fetch is not cached: after `aws sso login` the next resolve works.
func TestFailureNotCached(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetSecret("app/db", "v")
	f.Fail("secretsmanager:GetSecretValue", awstest.Failure{Status: 400, Code: "ExpiredTokenException", Message: "The security token included in the request is expired", Once: true}, nil)
	c := load(t, Options{Endpoint: f.URL()})
	if _, err := c.SecretValue(context.Background(), "app/db"); err == nil {
		t.Fatal("want an error")
	}
	if v, err := c.SecretValue(context.Background(), "app/db"); err != nil || v != "v" {
		t.Fatalf("retry = %q, %v", v, err)
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetParameter("/p", "from-env-endpoint")
	f.SetSecret("s", "sm-endpoint")
	t.Setenv("AWS_ENDPOINT_URL", f.URL())
	c := load(t, Options{})
	ctx := context.Background()
	if _, err := c.Identity(ctx); err != nil {
		t.Fatalf("Identity with AWS_ENDPOINT_URL: %v", err)
	}
	if v, err := c.Parameter(ctx, "/p"); err != nil || v != "from-env-endpoint" {
		t.Fatalf("Parameter with AWS_ENDPOINT_URL = %q, %v", v, err)
	}

	// A service-specific variable wins over the general one.
	awstest.Isolate(t)
	f2 := awstest.NewServer(t)
	f2.SetSecret("s", "sm-endpoint")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens there
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f2.URL())
	c = load(t, Options{})
	if v, err := c.SecretValue(ctx, "s"); err != nil || v != "sm-endpoint" {
		t.Fatalf("SecretValue with AWS_ENDPOINT_URL_SECRETS_MANAGER = %q, %v", v, err)
	}
	if n := len(f.Requests("secretsmanager:GetSecretValue")); n != 0 {
		t.Errorf("the general endpoint got %d Secrets Manager requests", n)
	}
}

func TestUpload(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	c := load(t, Options{Endpoint: f.URL()})
	body := "# Report\n\nall green\n"
	url, err := c.Upload(context.Background(), "s3://ops-reports/staging/runs/", "run-1.md", strings.NewReader(body), "text/markdown; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if url != "s3://ops-reports/staging/runs/run-1.md" {
		t.Errorf("url = %q", url)
	}
	reqs := f.Requests("s3:PutObject")
	if len(reqs) != 1 {
		t.Fatalf("%d PutObject requests, want 1", len(reqs))
	}
	r := reqs[0]
	checks := []struct{ what, got, want string }{
		{"method", r.Method, "PUT"},
		{"path", r.Path, "/ops-reports/staging/runs/run-1.md"},
		{"Content-Type", r.Header.Get("Content-Type"), "text/markdown; charset=utf-8"},
		{"x-amz-server-side-encryption", r.Header.Get("X-Amz-Server-Side-Encryption"), "AES256"},
		{"kms key header", r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), ""},
		{"body", string(r.Body), body},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.what, ch.got, ch.want)
		}
	}

	// SSE-KMS when asked, and a prefix without its trailing slash.
	c = load(t, Options{Endpoint: f.URL(), KMSKeyID: "alias/reports"})
	if _, err := c.Upload(context.Background(), "s3://ops-reports/x", "r.json", strings.NewReader("{}"), "application/json"); err != nil {
		t.Fatal(err)
	}
	r = f.Requests("s3:PutObject")[1]
	if r.Path != "/ops-reports/x/r.json" || r.Header.Get("X-Amz-Server-Side-Encryption") != "aws:kms" ||
		r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != "alias/reports" {
		t.Errorf("KMS upload: %s %v", r.Path, r.Header)
	}
}

func TestUploadBadDestination(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	c := load(t, Options{Endpoint: f.URL()})
	for dest, want := range map[string]string{
		"https://b/p/": `upload destination "https://b/p/" is not an s3:// URL (want s3://bucket/prefix/)`,
		"s3:///p/":     `upload destination "s3:///p/" names no bucket (want s3://bucket/prefix/)`,
	} {
		_, err := c.Upload(context.Background(), dest, "r.md", strings.NewReader("x"), "text/markdown")
		if err == nil || err.Error() != want {
			t.Errorf("Upload(%q) = %v, want %s", dest, err, want)
		}
	}
	if n := len(f.Requests("")); n != 0 {
		t.Errorf("bad destinations made %d requests", n)
	}
}

func TestUploadOtherRegion(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.Fail("s3:PutObject", awstest.Failure{Status: 301, Code: "PermanentRedirect", Message: "The bucket you are attempting to access must be addressed using the specified endpoint.", Once: true},
		map[string]string{"x-amz-bucket-region": "eu-central-1"})
	c := load(t, Options{Endpoint: f.URL()})
	if _, err := c.Upload(context.Background(), "s3://far/", "r.md", strings.NewReader("x"), "text/markdown"); err != nil {
		t.Fatal(err)
	}
	reqs := f.Requests("s3:PutObject")
	if len(reqs) != 2 || !strings.Contains(reqs[1].Header.Get("Authorization"), "/eu-central-1/s3/") || string(reqs[1].Body) != "x" {
		t.Fatalf("retry in the bucket's region: %d requests, last auth %q", len(reqs), reqs[len(reqs)-1].Header.Get("Authorization"))
	}
}

func TestStepEnv(t *testing.T) {
	awstest.Isolate(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte("[profile staging]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	base := []string{"PATH=/bin", "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=x", "AWS_SESSION_TOKEN=t", "AWS_PROFILE=prod", "AWS_REGION=us-east-1"}

	if got := load(t, Options{}).StepEnv(base); strings.Join(got, " ") != strings.Join(base, " ") {
		t.Errorf("no explicit profile/region changed the env: %q", got)
	}
	got := load(t, Options{Profile: "staging", Region: "eu-west-2"}).StepEnv(base)
	want := []string{"PATH=/bin", "AWS_DEFAULT_REGION=eu-west-2", "AWS_PROFILE=staging", "AWS_REGION=eu-west-2"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("StepEnv =\n %q\nwant\n %q", got, want)
	}
}

// Concurrent first resolves of one secret make one request.
func TestConcurrentResolveOneRequest(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	f.SetSecret("app/db", `{"a":"1","b":"2"}`)
	c := load(t, Options{Endpoint: f.URL()})
	r := Sources(c)[SchemeSecretsManager]
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			key := []string{"a", "b"}[i%2]
			v, err := r.Resolve(context.Background(), "app/db#"+key)
			if err == nil && v != map[string]string{"a": "1", "b": "2"}[key] {
				err = errors.New("wrong value " + v)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.Requests("")); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestCredentialProcessFails(t *testing.T) {
	dir := awstest.Isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte("[profile proc]\ncredential_process = /nonexistent/helper --json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := awstest.NewServer(t)
	c := load(t, Options{Profile: "proc", Endpoint: f.URL()})
	_, err := c.Identity(context.Background())
	const want = `aws: could not get credentials for profile "proc": `
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v\nwant %s…", err, want)
	}
}
