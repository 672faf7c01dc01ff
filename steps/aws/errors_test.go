package aws

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/steps/aws/awstest"
)

func TestExplainedErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		op   string
		fail awstest.Failure
		call func(*Client) error
		kind Kind
		want string
	}{
		{
			name: "expired token from STS",
			op:   "sts:GetCallerIdentity",
			fail: awstest.Failure{Status: 403, Code: "ExpiredToken", Message: "The security token included in the request is expired"},
			call: func(c *Client) error { _, err := c.Identity(ctx); return err },
			kind: KindExpired,
			want: "aws: the credentials have expired (ExpiredToken from sts:GetCallerIdentity): get fresh ones (`aws sso login --profile ops` for SSO, or renew AWS_SESSION_TOKEN) and try again",
		},
		{
			name: "expired token from Secrets Manager",
			op:   "secretsmanager:GetSecretValue",
			fail: awstest.Failure{Status: 400, Code: "ExpiredTokenException", Message: "The security token included in the request is expired"},
			call: func(c *Client) error { _, err := c.SecretValue(ctx, "app/db#password"); return err },
			kind: KindExpired,
			want: "aws: the credentials have expired (ExpiredTokenException from secretsmanager:GetSecretValue): get fresh ones (`aws sso login --profile ops` for SSO, or renew AWS_SESSION_TOKEN) and try again",
		},
		{
			name: "access denied with IAM's message",
			op:   "secretsmanager:GetSecretValue",
			fail: awstest.Failure{Status: 400, Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-west-2:123456789012:secret:app/db-AbCdEf because no identity-based policy allows the secretsmanager:GetSecretValue action"},
			call: func(c *Client) error { _, err := c.SecretValue(ctx, "app/db"); return err },
			kind: KindAccessDenied,
			want: "aws: access denied: arn:aws:sts::123456789012:assumed-role/ReadOnly/alice may not perform secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-west-2:123456789012:secret:app/db-AbCdEf; ask for that permission in the IAM policy (see docs/aws.md)",
		},
		{
			name: "access denied by S3 says nothing; we name the call",
			op:   "s3:PutObject",
			fail: awstest.Failure{Status: 403, Code: "AccessDenied", Message: "Access Denied"},
			call: func(c *Client) error {
				_, err := c.Upload(ctx, "s3://ops-reports/p/", "r.md", strings.NewReader("x"), "text/markdown")
				return err
			},
			kind: KindAccessDenied,
			want: "aws: access denied: these credentials may not perform s3:PutObject on s3://ops-reports/p/r.md; ask for that permission in the IAM policy (see docs/aws.md)",
		},
		{
			name: "explicit deny",
			op:   "ssm:GetParameter",
			fail: awstest.Failure{Status: 400, Code: "AccessDeniedException", Message: "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-west-2:123456789012:parameter/prod/x with an explicit deny in an identity-based policy"},
			call: func(c *Client) error { _, err := c.Parameter(ctx, "/prod/x"); return err },
			kind: KindAccessDenied,
			want: "aws: access denied: arn:aws:iam::123456789012:user/alice may not perform ssm:GetParameter on arn:aws:ssm:us-west-2:123456789012:parameter/prod/x; an explicit Deny in a policy blocks it (see docs/aws.md)",
		},
		{
			name: "throttled",
			op:   "ssm:GetParameter",
			fail: awstest.Failure{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"},
			call: func(c *Client) error { _, err := c.Parameter(ctx, "/p"); return err },
			kind: KindThrottled,
			want: "aws: ssm:GetParameter on /p is throttled by AWS (ThrottlingException) after 1 attempt; the SDK already retried with backoff, so wait a minute and try again",
		},
		{
			name: "invalid keys",
			op:   "sts:GetCallerIdentity",
			fail: awstest.Failure{Status: 403, Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."},
			call: func(c *Client) error { _, err := c.Identity(ctx); return err },
			kind: KindInvalidCredentials,
			want: `aws: AWS does not accept these credentials (InvalidClientTokenId from sts:GetCallerIdentity): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile for profile "ops"`,
		},
		{
			name: "other service error keeps code and message",
			op:   "secretsmanager:GetSecretValue",
			fail: awstest.Failure{Status: 400, Code: "DecryptionFailure", Message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key."},
			call: func(c *Client) error { _, err := c.SecretValue(ctx, "app/db"); return err },
			kind: KindOther,
			want: "aws: secretsmanager:GetSecretValue on app/db: DecryptionFailure: Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			awstest.Isolate(t)
			t.Setenv("AWS_PROFILE", "ops")
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "config"), []byte("[profile ops]\nregion = us-west-2\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
			f := awstest.NewServer(t)
			f.Fail(tc.op, tc.fail, nil)
			c := load(t, Options{Endpoint: f.URL(), RetryMaxAttempts: 1})
			err := tc.call(c)
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if ae.Kind != tc.kind {
				t.Errorf("kind = %v, want %v", ae.Kind, tc.kind)
			}
			if err.Error() != tc.want {
				t.Errorf("message:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestNoCredentials(t *testing.T) {
	awstest.Isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	f := awstest.NewServer(t)
	c := load(t, Options{Endpoint: f.URL()})
	_, err := c.Identity(context.Background())
	const want = "no AWS credentials found: set AWS_PROFILE or run `aws configure` / `aws sso login`"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if n := len(f.Requests("")); n != 0 {
		t.Errorf("%d requests without credentials", n)
	}
}

func TestSSOSessionExpired(t *testing.T) {
	for _, tc := range []struct{ name, config string }{
		{"legacy profile", "[profile corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-west-2\n"},
		{"sso-session", "[profile corp]\nsso_session = corp-sso\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-west-2\n\n[sso-session corp-sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := awstest.Isolate(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			if err := os.WriteFile(filepath.Join(dir, "config"), []byte(tc.config), 0o600); err != nil {
				t.Fatal(err)
			}
			f := awstest.NewServer(t)
			c := load(t, Options{Profile: "corp", Endpoint: f.URL()})
			_, err := c.Identity(context.Background())
			const want = "aws: the SSO session for profile \"corp\" has expired or was never started: run `aws sso login --profile corp` and try again"
			if err == nil || err.Error() != want {
				t.Fatalf("got %v\nwant %s", err, want)
			}
		})
	}
}

func TestUnknownProfile(t *testing.T) {
	awstest.Isolate(t)
	_, err := Load(context.Background(), Options{Profile: "nope"})
	const want = "aws: profile \"nope\" is not in ~/.aws/config or ~/.aws/credentials (check --profile / AWS_PROFILE, or run `aws configure --profile nope`)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestUnreachable(t *testing.T) {
	awstest.Isolate(t)
	f := awstest.NewServer(t)
	url := f.URL()
	f.Srv.Close() // nothing listens any more
	c := load(t, Options{Endpoint: url, RetryMaxAttempts: 1})
	_, err := c.Identity(context.Background())
	var ae *Error
	if !errors.As(err, &ae) || ae.Kind != KindUnreachable {
		t.Fatalf("got %T %v, want unreachable", err, err)
	}
	want := "aws: cannot reach the AWS endpoint " + url + " for sts:GetCallerIdentity: dial: connect: connection refused (check the network or proxy, and AWS_ENDPOINT_URL if set)"
	if err.Error() != want {
		t.Fatalf("got  %s\nwant %s", err, want)
	}
}

func TestNoRegion(t *testing.T) {
	awstest.Isolate(t)
	t.Setenv("AWS_REGION", "")
	f := awstest.NewServer(t)
	c := load(t, Options{})
	_, err := c.Parameter(context.Background(), "/p")
	const want = "aws: no AWS region is configured: set AWS_REGION, pass --region, or set region in the profile"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	// STS still answers so the guard can say what is missing.
	c = load(t, Options{Endpoint: f.URL()})
	id, err := c.Identity(context.Background())
	if err != nil || id.Region != "" {
		t.Fatalf("Identity without a region = %+v, %v", id, err)
	}
}

func TestExplainPassesThrough(t *testing.T) {
	if Explain(nil, "") != nil {
		t.Error("Explain(nil) != nil")
	}
	if err := Explain(context.Canceled, ""); err != context.Canceled {
		t.Errorf("Explain(Canceled) = %v", err)
	}
	e := &Error{Kind: KindThrottled, Msg: "x"}
	if err := Explain(e, "p"); err != e {
		t.Errorf("Explain re-explained an *Error")
	}
	if got := KindAccessDenied.String(); got != "access-denied" {
		t.Errorf("String = %q", got)
	}
}
