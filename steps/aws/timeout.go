package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Every AWS call is bounded: an endpoint that accepts a connection and
// never answers (a broken proxy, a black-holed VPN route, a wrong
// AWS_ENDPOINT_URL) must fail the call with a message, not hang the run.
const (
	// DefaultConnectTimeout bounds the TCP connect and the TLS handshake.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultResponseTimeout bounds the wait for a response's headers,
	// per attempt.
	DefaultResponseTimeout = 30 * time.Second
	// DefaultCallTimeout bounds a whole call, the SDK's retries and the
	// fetching of credentials included.
	DefaultCallTimeout = 60 * time.Second
	// DefaultUploadTimeout bounds a report upload, body included.
	DefaultUploadTimeout = 5 * time.Minute
)

// timeouts are the bounds in effect, Options' or the defaults.
type timeouts struct{ connect, response, call, upload time.Duration }

func (o Options) timeouts() timeouts {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return timeouts{
		connect:  or(o.ConnectTimeout, DefaultConnectTimeout),
		response: or(o.ResponseTimeout, DefaultResponseTimeout),
		call:     or(o.CallTimeout, DefaultCallTimeout),
		upload:   or(o.UploadTimeout, DefaultUploadTimeout),
	}
}

// httpClient is the SDK's own HTTP client with a bounded connect, TLS
// handshake and wait for the response headers.
func (t timeouts) httpClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = t.connect }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = t.connect
			tr.ResponseHeaderTimeout = t.response
		})
}

// errCallTimeout is the cause of a call's context when its own deadline,
// not the caller's, ran out.
var errCallTimeout = errors.New("aws call timed out")

// bound gives a call its deadline.
func bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, errCallTimeout)
}

// timeoutError is a call that got no answer in time; Explain turns it into
// KindTimeout.
type timeoutError struct {
	limit time.Duration
	err   error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("no answer within %s: %v", e.limit, e.err) }
func (e *timeoutError) Unwrap() error { return e.err }

// timedOut recognises a call that ran out of time: its own deadline, or
// the transport's connect or response timeout on the last attempt.
func timedOut(ctx context.Context, err error, t timeouts) error {
	if err == nil {
		return nil
	}
	if errors.Is(context.Cause(ctx), errCallTimeout) {
		return &timeoutError{limit: t.call, err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.Canceled) {
		return &timeoutError{limit: t.response, err: err}
	}
	return err
}
