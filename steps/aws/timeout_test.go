package aws

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/steps/aws/awstest"
)

// silentServer accepts every request and never answers (until the test
// ends), like a black-holed proxy.
func silentServer(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

// within runs call and fails the test unless it returns before limit.
func within(t *testing.T, limit time.Duration, call func() error) error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- call() }()
	select {
	case err := <-res:
		return err
	case <-time.After(limit):
		t.Fatalf("the call did not return within %s", limit)
		return nil
	}
}

// Every AWS call gives up on an endpoint that accepts and never answers,
// with a one-line message that says what to check.
func TestEveryCallIsBoundedOnASilentEndpoint(t *testing.T) {
	awstest.Isolate(t)
	srv := silentServer(t)
	calls := map[string]func(*Client) error{
		"sts:GetCallerIdentity": func(c *Client) error { _, err := c.Identity(context.Background()); return err },
		"secretsmanager:GetSecretValue": func(c *Client) error {
			_, err := c.SecretValue(context.Background(), "db")
			return err
		},
		"ssm:GetParameter": func(c *Client) error { _, err := c.Parameter(context.Background(), "/p"); return err },
		"s3:PutObject": func(c *Client) error {
			_, err := c.Upload(context.Background(), "s3://bucket/", "r.md", bytes.NewReader([]byte("x")), "text/markdown")
			return err
		},
	}
	for action, call := range calls {
		for name, opt := range map[string]Options{
			// the transport's response timeout, on every attempt
			"response": {Endpoint: srv.URL, ResponseTimeout: 200 * time.Millisecond, RetryMaxAttempts: 2},
			// the call's own deadline, whatever the HTTP client does
			"call": {Endpoint: srv.URL, HTTPClient: http.DefaultClient, CallTimeout: 300 * time.Millisecond, UploadTimeout: 300 * time.Millisecond},
		} {
			t.Run(action+"/"+name, func(t *testing.T) {
				c := load(t, opt)
				err := within(t, 20*time.Second, func() error { return call(c) })
				var ae *Error
				if !errors.As(err, &ae) || ae.Kind != KindTimeout {
					t.Fatalf("got %v (%T), want a KindTimeout *Error", err, err)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "aws: no answer for "+action) || !strings.Contains(msg, "check the network") || strings.Contains(msg, "\n") {
					t.Fatalf("message %q", msg)
				}
			})
		}
	}
}

// Connecting and the TLS handshake are bounded by the SDK client's dialer
// and transport (an address that drops SYNs cannot be made on loopback).
func TestConnectTimeoutIsTheDialers(t *testing.T) {
	opt := Options{ConnectTimeout: 123 * time.Millisecond}
	c := opt.timeouts().httpClient()
	if got := c.GetDialer().Timeout; got != 123*time.Millisecond {
		t.Fatalf("dial timeout %s", got)
	}
	if got := c.GetTransport().TLSHandshakeTimeout; got != 123*time.Millisecond {
		t.Fatalf("TLS handshake timeout %s", got)
	}
	if got := (Options{}).timeouts(); got.connect != DefaultConnectTimeout || got.response != DefaultResponseTimeout || got.call != DefaultCallTimeout {
		t.Fatalf("defaults %+v", got)
	}
}
