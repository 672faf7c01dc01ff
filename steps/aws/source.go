package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/runbook-sh/runbook/steps"
)

// Source schemes, the prefix of a front-matter `source:`.
const (
	SchemeSecretsManager = "aws-secretsmanager"
	SchemeSSM            = "aws-ssm"
)

// Sources returns the resolvers for both AWS schemes, for the engine's
// Config.Sources.
func Sources(c *Client) map[string]steps.SourceResolver {
	return map[string]steps.SourceResolver{
		SchemeSecretsManager: resolver{c: c, scheme: SchemeSecretsManager},
		SchemeSSM:            resolver{c: c, scheme: SchemeSSM},
	}
}

// Resolver returns a resolver for full references that carry their scheme
// ("aws-ssm:/name", "aws-secretsmanager:id#key").
func (c *Client) Resolver() steps.SourceResolver { return resolver{c: c} }

// resolver accepts a reference with or without its scheme prefix: callers
// differ in whether they strip it, and secret ids (ARNs included) never
// start with "aws-".
type resolver struct {
	c      *Client
	scheme string // "" → the ref must carry it
}

func (r resolver) Resolve(ctx context.Context, ref string) (string, error) {
	scheme := r.scheme
	for _, s := range []string{SchemeSecretsManager, SchemeSSM} {
		if rest, ok := strings.CutPrefix(ref, s+":"); ok {
			if r.scheme != "" && r.scheme != s {
				return "", fmt.Errorf("aws: source %q given to the %s resolver", ref, r.scheme)
			}
			scheme, ref = s, rest
			break
		}
	}
	switch scheme {
	case SchemeSecretsManager:
		return r.c.SecretValue(ctx, ref)
	case SchemeSSM:
		return r.c.Parameter(ctx, ref)
	}
	return "", fmt.Errorf("aws: source %q: want aws-secretsmanager:ID[#key] or aws-ssm:/name", ref)
}

// SecretValue resolves "ID" (the SecretString) or "ID#key" (that key of a
// JSON secret) from Secrets Manager. The secret is fetched once per Client
// and kept only in memory; several keys of one secret cost one request.
func (c *Client) SecretValue(ctx context.Context, ref string) (string, error) {
	// '#' cannot occur in a secret name or ARN, so the first one splits.
	id, key, hasKey := strings.Cut(ref, "#")
	if id == "" {
		return "", fmt.Errorf("aws: source %s:%s names no secret", SchemeSecretsManager, ref)
	}
	if hasKey && key == "" {
		return "", fmt.Errorf("aws: source %s:%s has an empty key after '#'", SchemeSecretsManager, ref)
	}
	s, err := c.secretString(ctx, id)
	if err != nil {
		return "", err
	}
	if !hasKey {
		return s, nil
	}
	return jsonKey(id, s, key)
}

func (c *Client) secretString(ctx context.Context, id string) (string, error) {
	// Holding the lock across the request means concurrent resolves of one
	// secret make one request; runs resolve a handful of secrets at most.
	c.fetch.Lock()
	defer c.fetch.Unlock()
	if s, ok := c.secrets[id]; ok {
		return s, nil
	}
	cctx, cancel := bound(ctx, c.opt.timeouts().call)
	defer cancel()
	out, err := c.secretsClient().GetSecretValue(cctx, &secretsmanager.GetSecretValueInput{SecretId: awssdk.String(id)})
	if err != nil {
		return "", c.explain(timedOut(cctx, err, c.opt.timeouts()), "secretsmanager:GetSecretValue", id)
	}
	if out.SecretString == nil {
		if out.SecretBinary != nil {
			return "", fmt.Errorf("aws: secret %s holds binary data (SecretBinary), which runbook cannot use as a variable; store it as a string secret", id)
		}
		return "", fmt.Errorf("aws: secret %s has no value in its current version", id)
	}
	c.secrets[id] = *out.SecretString
	return *out.SecretString, nil
}

// jsonKey picks key out of a JSON object secret. Strings come back as is;
// numbers and booleans as written; nested values as compact JSON. Error
// messages may name the keys but never a value.
func jsonKey(id, secret, key string) (string, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(secret))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return "", fmt.Errorf("aws: secret %s is not a JSON object, so it has no key %q; use aws-secretsmanager:%s for the whole value", id, key, id)
	}
	raw, ok := obj[key]
	if !ok {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return "", fmt.Errorf("aws: secret %s has no key %q (its keys: %s)", id, key, strings.Join(keys, ", "))
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(raw, []byte("null")):
		return "", fmt.Errorf("aws: key %q of secret %s is null", key, id)
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("aws: key %q of secret %s is not a valid JSON string", key, id)
		}
		return s, nil
	case len(raw) > 0 && (raw[0] == '{' || raw[0] == '['):
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", fmt.Errorf("aws: key %q of secret %s is not valid JSON", key, id)
		}
		return b.String(), nil
	}
	return string(raw), nil
}

// Parameter resolves an SSM parameter, decrypting SecureStrings. It is
// fetched once per Client and kept only in memory.
func (c *Client) Parameter(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("aws: source %s: names no parameter", SchemeSSM)
	}
	c.fetch.Lock()
	defer c.fetch.Unlock()
	if v, ok := c.params[name]; ok {
		return v, nil
	}
	cctx, cancel := bound(ctx, c.opt.timeouts().call)
	defer cancel()
	out, err := c.ssmClient().GetParameter(cctx, &ssm.GetParameterInput{
		Name:           awssdk.String(name),
		WithDecryption: awssdk.Bool(true),
	})
	if err != nil {
		return "", c.explain(timedOut(cctx, err, c.opt.timeouts()), "ssm:GetParameter", name)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", fmt.Errorf("aws: parameter %s has no value", name)
	}
	v := *out.Parameter.Value
	c.params[name] = v
	return v, nil
}
