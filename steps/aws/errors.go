package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind classifies an AWS failure by what the engineer has to do about it.
type Kind int

const (
	KindOther              Kind = iota
	KindNoCredentials           // nothing in the credential chain
	KindSSOExpired              // SSO session expired or never started
	KindExpired                 // temporary credentials expired
	KindInvalidCredentials      // keys AWS does not recognise
	KindAccessDenied            // IAM said no
	KindThrottled               // still throttled after the SDK's retries
	KindUnreachable             // could not connect to the endpoint
	KindNotFound                // secret, parameter or bucket does not exist
	KindNoRegion                // no region configured
	KindNoProfile               // the named profile does not exist
	KindTimeout                 // the endpoint did not answer in time
)

var kindNames = [...]string{
	"other", "no-credentials", "sso-expired", "expired", "invalid-credentials",
	"access-denied", "throttled", "unreachable", "not-found", "no-region", "no-profile", "timeout",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is an explained AWS failure: Error() is one line that says what
// went wrong and what to do; Unwrap gives the SDK's error.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// callError records which call failed on what, so that a terse service
// message ("Access Denied" from S3) can still name the action and resource.
type callError struct {
	action   string // IAM action, e.g. "secretsmanager:GetSecretValue"
	resource string // secret id, parameter name, s3://bucket/key
	region   string
	err      error
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// IAM puts who, what and on what in AccessDenied messages: "User: ARN
// is not authorized to perform: ACTION on resource: RESOURCE [because ...]".
var (
	iamUser     = regexp.MustCompile(`User: (\S+) is not authorized`)
	iamAction   = regexp.MustCompile(`not authorized to perform: ([\w-]+:\w+)`)
	iamResource = regexp.MustCompile(`on resource: (\S+)`)
)

// Explain turns an SDK error into an *Error with a one-line actionable
// message; profile is the profile in effect ("" for none), named in the
// `aws sso login` advice. Errors already explained, nil and context
// cancellation are returned unchanged.
func Explain(err error, profile string) error {
	if err == nil {
		return nil
	}
	var done *Error
	if errors.As(err, &done) {
		return err
	}
	// Ctrl-C is the engineer's own doing; nothing to explain.
	if errors.Is(err, context.Canceled) {
		return err
	}
	x := newExplainer(err, profile)
	var pne config.SharedConfigProfileNotExistError
	if errors.As(err, &pne) {
		return x.mk(KindNoProfile, "aws: profile %q is not in ~/.aws/config or ~/.aws/credentials (check --profile / AWS_PROFILE, or run `aws configure --profile %s`)", pne.Profile, pne.Profile)
	}
	var ite *ssocreds.InvalidTokenError
	if errors.As(err, &ite) || containsAny(err.Error(),
		"cached SSO token", // missing, unreadable, expired or not refreshable
		"unable to refresh SSO token") {
		return x.mk(KindSSOExpired, "aws: the SSO session%s has expired or was never started: run `%s` and try again", forProfile(profile), x.login)
	}
	var te *timeoutError
	if errors.As(err, &te) {
		return x.mk(KindTimeout, "aws: no answer for %s%s within %s: check the network, VPN or proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL if set, then try again", x.action, endpointOf(err), te.limit)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return x.apiError(api)
	}
	text := err.Error()
	if errors.Is(err, context.DeadlineExceeded) && !strings.Contains(text, "no EC2 IMDS role found") {
		return err
	}
	return x.local(text)
}

// explainer holds what every explanation of one error names: the call
// (action, resource), the profile and its `aws sso login` command.
type explainer struct {
	err                        error
	profile, action, on, login string
	resource                   string
}

func newExplainer(err error, profile string) *explainer {
	x := &explainer{err: err, profile: profile, login: "aws sso login"}
	x.action, x.resource = actionOf(err)
	x.on = x.action
	if x.resource != "" {
		x.on += " on " + x.resource
	}
	if profile != "" {
		x.login += " --profile " + profile
	}
	return x
}

func (x *explainer) mk(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: oneLine(fmt.Sprintf(format, args...)), Err: x.err}
}

// apiError explains an error AWS answered with.
func (x *explainer) apiError(api smithy.APIError) error {
	code, msg := api.ErrorCode(), api.ErrorMessage()
	switch {
	case x.action == "sso:GetRoleCredentials" && code == "UnauthorizedException":
		return x.mk(KindSSOExpired, "aws: the SSO session%s has expired: run `%s` and try again", forProfile(x.profile), x.login)
	case oneOf(code, "ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"):
		return x.mk(KindExpired, "aws: the credentials have expired (%s from %s): get fresh ones (`%s` for SSO, or renew AWS_SESSION_TOKEN) and try again", code, x.action, x.login)
	case oneOf(code, "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthFailure"):
		return x.mk(KindInvalidCredentials, "aws: AWS does not accept these credentials (%s from %s): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile%s", code, x.action, forProfile(x.profile))
	case oneOf(code, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "AllAccessDisabled"):
		return x.accessDenied(msg)
	case isThrottle(code):
		tries := ""
		var mae *retry.MaxAttemptsError
		if errors.As(x.err, &mae) {
			tries = fmt.Sprintf(" after %d attempt", mae.Attempt)
			if mae.Attempt != 1 {
				tries += "s"
			}
		}
		return x.mk(KindThrottled, "aws: %s is throttled by AWS (%s)%s; the SDK already retried with backoff, so wait a minute and try again", x.on, code, tries)
	case oneOf(code, "ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound", "NoSuchBucket", "NotFound"):
		return x.mk(KindNotFound, "aws: %s: not found (%s)%s", x.on, code, inRegion(x.err))
	}
	if msg == "" {
		msg = code
	} else {
		msg = code + ": " + msg
	}
	return x.mk(KindOther, "aws: %s: %s", x.on, msg)
}

// accessDenied names who may not do what on what, from IAM's message
// when it says so.
func (x *explainer) accessDenied(msg string) error {
	who, act, res := "", x.action, x.resource
	if m := iamUser.FindStringSubmatch(msg); m != nil {
		who = m[1]
	}
	if m := iamAction.FindStringSubmatch(msg); m != nil {
		act = m[1]
	}
	if m := iamResource.FindStringSubmatch(msg); m != nil {
		res = strings.TrimRight(m[1], ".,;")
	}
	subject := "these credentials"
	if who != "" {
		subject = who
	}
	target := act
	if res != "" {
		target += " on " + res
	}
	hint := "ask for that permission in the IAM policy (see docs/aws.md)"
	if strings.Contains(msg, "explicit deny") {
		hint = "an explicit Deny in a policy blocks it (see docs/aws.md)"
	}
	return x.mk(KindAccessDenied, "aws: access denied: %s may not perform %s; %s", subject, target, hint)
}

// local explains an error that never got an answer from AWS: no region,
// no credentials, or no connection.
func (x *explainer) local(text string) error {
	if strings.Contains(text, "Missing Region") {
		return x.mk(KindNoRegion, "aws: no AWS region is configured: set AWS_REGION, pass --region, or set region in the profile%s", forProfile(x.profile))
	}
	// The chain ends with the instance role: when even that has nothing,
	// there were no credentials anywhere.
	if containsAny(text,
		"no EC2 IMDS role found",
		"static credentials are empty",
		"anonymous credentials") {
		return x.mk(KindNoCredentials, "no AWS credentials found: set AWS_PROFILE or run `aws configure` / `aws sso login`")
	}
	if _, cause, ok := strings.Cut(text, "get credentials: "); ok {
		// credential_process, web identity, a container endpoint: the
		// SDK's message is all there is, but say what failed.
		return x.mk(KindNoCredentials, "aws: could not get credentials%s: %s", forProfile(x.profile), cause)
	}
	var ue *url.Error
	var oe *net.OpError
	var se *smithyhttp.RequestSendError
	isURL, isNet, isSend := errors.As(x.err, &ue), errors.As(x.err, &oe), errors.As(x.err, &se)
	if !isURL && !isNet && !isSend {
		return x.mk(KindOther, "aws: %s: %v", x.on, x.err)
	}
	where, cause := "the AWS endpoint", text
	if ue != nil {
		if u, perr := url.Parse(ue.URL); perr == nil {
			where += " " + u.Scheme + "://" + u.Host
		}
	}
	switch {
	case oe != nil:
		cause = oe.Op + ": " + oe.Err.Error() // "dial: connect: connection refused"
	case ue != nil:
		cause = ue.Err.Error()
	}
	return x.mk(KindUnreachable, "aws: cannot reach %s for %s: %s (check the network or proxy, and AWS_ENDPOINT_URL if set)", where, x.action, cause)
}

// endpointOf is " from https://host" when the error names the URL.
func endpointOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			return " from " + u.Scheme + "://" + u.Host
		}
	}
	return ""
}

// actionOf names the failed call as an IAM action ("s3:PutObject") and its
// resource, from our wrapper or else from the SDK's operation error.
func actionOf(err error) (action, resource string) {
	var ce *callError
	if errors.As(err, &ce) {
		action, resource = ce.action, ce.resource
	}
	// The innermost operation error names the call that really failed: a
	// credential failure inside GetSecretValue is an sso or sts call, and
	// then the secret is not the resource at fault.
	var inner *smithy.OperationError
	for e := err; e != nil; e = errors.Unwrap(e) {
		if oe, ok := e.(*smithy.OperationError); ok {
			inner = oe
		}
	}
	if inner != nil {
		if op := iamService(inner.ServiceID) + ":" + inner.OperationName; op != action {
			action, resource = op, ""
		}
	}
	if action == "" {
		action = "the AWS call"
	}
	return action, resource
}

// iamService maps an SDK service id to its IAM action prefix.
func iamService(id string) string {
	switch id {
	case "Secrets Manager":
		return "secretsmanager"
	case "SSM":
		return "ssm"
	case "S3":
		return "s3"
	case "STS":
		return "sts"
	case "SSO":
		return "sso"
	case "SSO OIDC":
		return "sso-oauth"
	}
	return strings.ToLower(strings.ReplaceAll(id, " ", ""))
}

func isThrottle(code string) bool {
	return oneOf(code, "Throttling", "ThrottlingException", "ThrottledException",
		"TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
		"ProvisionedThroughputExceededException", "RequestThrottled",
		"RequestThrottledException", "LimitExceededException", "PriorRequestNotComplete")
}

// inRegion names the region a lookup happened in, since the usual cause of
// a missing secret is looking in the wrong account or region.
func inRegion(err error) string {
	var ce *callError
	if errors.As(err, &ce) && ce.region != "" {
		return " in " + ce.region + "; is it in another account or region?"
	}
	return "; is it in another account or region?"
}

func forProfile(p string) string {
	if p == "" {
		return ""
	}
	return fmt.Sprintf(" for profile %q", p)
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// oneLine folds a message onto one line: SDK messages sometimes carry the
// service's multi-line text.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
