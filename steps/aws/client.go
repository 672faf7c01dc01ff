// Package aws connects a run to AWS: it resolves the caller's identity with
// the SDK's default credential chain, enforces a document's account/region
// guard before any step runs, resolves secret-backed variables from Secrets
// Manager and SSM Parameter Store, uploads reports to S3, and turns the SDK's
// failures into one-line messages that say what to do.
//
// Nothing here touches the network until a method needs an answer: Load only
// reads the environment and the shared config files, so a document that never
// reaches an AWS-dependent step costs no request.
package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// Options choose the credentials and endpoints. The zero value means "what
// the aws CLI would use": AWS_PROFILE or the default profile, AWS_REGION or
// the profile's region, and the SDK's endpoints.
//
// The SDK reads the process environment itself (AWS_*), so there is no
// Environ field: tests use t.Setenv.
type Options struct {
	// Profile is a shared-config profile name (--profile); "" lets the SDK
	// pick (AWS_PROFILE, else "default").
	Profile string
	// Region overrides the configured region (--region).
	Region string
	// Endpoint overrides the endpoint of every service (LocalStack, tests).
	// Without it the SDK still honours AWS_ENDPOINT_URL and the per-service
	// AWS_ENDPOINT_URL_<SERVICE> variables and `endpoint_url` in the profile.
	Endpoint string
	// KMSKeyID makes uploads use SSE-KMS with this key (id, ARN or alias;
	// "aws/s3" for the AWS-managed key); "" uses SSE-S3 (AES256).
	KMSKeyID string
	// HTTPClient replaces the SDK's HTTP client; nil keeps it.
	HTTPClient config.HTTPClient
	// RetryMaxAttempts bounds the SDK's retries; 0 keeps its default (3).
	RetryMaxAttempts int
	// ConnectTimeout, ResponseTimeout, CallTimeout and UploadTimeout bound
	// every call (see timeout.go); 0 keeps the defaults. The first two
	// apply only to the SDK's own HTTP client (HTTPClient unset).
	ConnectTimeout, ResponseTimeout, CallTimeout, UploadTimeout time.Duration
}

// Identity is who the credentials belong to.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	// Region is the configured region ("" when none is), which is where
	// steps using the aws CLI or an SDK would act.
	Region string `json:"region,omitempty"`
}

// String is the one-line form shown in status bars and report headers.
func (id Identity) String() string {
	r := id.Region
	if r == "" {
		r = "no region"
	}
	return fmt.Sprintf("%s %s (%s)", id.Account, id.ARN, r)
}

// Client is a loaded AWS configuration with lazily created service clients
// and per-client caches. It is safe for concurrent use.
type Client struct {
	opt     Options
	cfg     awssdk.Config
	profile string // the profile in effect, for messages ("" when unknown)

	mu  sync.Mutex // guards the service clients and id
	sts *sts.Client
	sm  *secretsmanager.Client
	ssm *ssm.Client
	s3  *s3.Client
	id  *Identity

	fetch   sync.Mutex        // guards the caches, held across a fetch
	secrets map[string]string // Secrets Manager SecretString by secret id
	params  map[string]string // SSM parameter values by name
}

// Load reads the SDK's configuration (environment, shared config and
// credentials files, profile, SSO settings). It makes no network request:
// credentials are fetched when the first call needs them.
func Load(ctx context.Context, opt Options) (*Client, error) {
	// The SDK logs warnings (IMDS fallbacks, config quirks) to stderr, which
	// belongs to the TUI; everything that matters comes back as an error.
	lo := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if opt.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(opt.Profile))
	}
	if opt.Region != "" {
		lo = append(lo, config.WithRegion(opt.Region))
	}
	if opt.Endpoint != "" {
		lo = append(lo, config.WithBaseEndpoint(opt.Endpoint))
	}
	if opt.HTTPClient != nil {
		lo = append(lo, config.WithHTTPClient(opt.HTTPClient))
	} else {
		lo = append(lo, config.WithHTTPClient(opt.timeouts().httpClient()))
	}
	if opt.RetryMaxAttempts > 0 {
		lo = append(lo, config.WithRetryMaxAttempts(opt.RetryMaxAttempts))
	}
	profile := effectiveProfile(opt.Profile)
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, Explain(err, profile)
	}
	c := &Client{
		opt:     opt,
		cfg:     cfg,
		profile: profile,
		secrets: map[string]string{},
		params:  map[string]string{},
	}
	return c, nil
}

// effectiveProfile mirrors the SDK's choice so error messages can name the
// profile the engineer must log in with.
func effectiveProfile(flag string) string {
	for _, p := range []string{flag, os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE")} {
		if p != "" {
			return p
		}
	}
	return ""
}

// Profile is the profile in effect ("" for the SDK's default chain without
// a named profile).
func (c *Client) Profile() string { return c.profile }

// Region is the configured region, "" when none is.
func (c *Client) Region() string { return c.cfg.Region }

// stsClient and friends build service clients on first use; building one is
// cheap and makes no request, but most runs need only one or two.
func (c *Client) stsClient() *sts.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sts == nil {
		c.sts = sts.NewFromConfig(c.cfg, func(o *sts.Options) {
			// GetCallerIdentity works from any region; without one the SDK
			// would refuse to build an endpoint, and "who am I" must still
			// answer so the guard can say what is missing.
			if o.Region == "" {
				o.Region = "us-east-1"
			}
		})
	}
	return c.sts
}

func (c *Client) secretsClient() *secretsmanager.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sm == nil {
		c.sm = secretsmanager.NewFromConfig(c.cfg)
	}
	return c.sm
}

func (c *Client) ssmClient() *ssm.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ssm == nil {
		c.ssm = ssm.NewFromConfig(c.cfg)
	}
	return c.ssm
}

func (c *Client) s3Client() *s3.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s3 == nil {
		c.s3 = s3.NewFromConfig(c.cfg, func(o *s3.Options) {
			// A custom endpoint (LocalStack, a test server) cannot serve
			// virtual-hosted bucket names. BaseEndpoint is already
			// resolved from Options.Endpoint, AWS_ENDPOINT_URL(_S3) or
			// the profile when this runs.
			if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
				o.UsePathStyle = true
			}
		})
	}
	return c.s3
}

// Identity returns the caller's identity (STS GetCallerIdentity), asking
// once per Client: the answer cannot change for the life of a run.
func (c *Client) Identity(ctx context.Context) (Identity, error) {
	c.mu.Lock()
	if c.id != nil {
		id := *c.id
		c.mu.Unlock()
		return id, nil
	}
	c.mu.Unlock()

	cctx, cancel := bound(ctx, c.opt.timeouts().call)
	defer cancel()
	out, err := c.stsClient().GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, c.explain(timedOut(cctx, err, c.opt.timeouts()), "sts:GetCallerIdentity", "")
	}
	id := Identity{
		Account: awssdk.ToString(out.Account),
		ARN:     awssdk.ToString(out.Arn),
		Region:  c.cfg.Region,
	}
	if id.Account == "" {
		return Identity{}, errors.New("aws: sts:GetCallerIdentity returned no account")
	}
	c.mu.Lock()
	c.id = &id
	c.mu.Unlock()
	return id, nil
}

// explain wraps an SDK error with the action and resource it concerned and
// turns it into an actionable message.
func (c *Client) explain(err error, action, resource string) error {
	return Explain(&callError{action: action, resource: resource, region: c.cfg.Region, err: err}, c.profile)
}

// StepEnv returns base adjusted so that the aws CLI and SDKs run by steps
// act as the identity this Client checked. Only an explicit profile or
// region (flag or front matter) changes anything: then AWS_PROFILE and
// AWS_REGION are set, and static keys from the environment are dropped
// because they would otherwise win over AWS_PROFILE in the child while the
// explicit profile won here.
func (c *Client) StepEnv(base []string) []string {
	set := map[string]string{}
	drop := map[string]bool{}
	if c.opt.Profile != "" {
		set["AWS_PROFILE"] = c.opt.Profile
		for _, k := range []string{"AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
			drop[k] = true
		}
	}
	if c.opt.Region != "" {
		set["AWS_REGION"] = c.opt.Region
		set["AWS_DEFAULT_REGION"] = c.opt.Region
	}
	if len(set) == 0 {
		return base
	}
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[k]; !replaced && !drop[k] {
			out = append(out, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		out = append(out, k+"="+set[k])
	}
	return out
}
