package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/aws"
)

// awsRun is what a run needs from AWS for one document. A nil *awsRun (the
// document declares no `aws:` and uses no aws-* source) adds nothing, and
// its methods are safe to call.
type awsRun struct {
	Client  *aws.Client
	Sources map[string]steps.SourceResolver // for steps.Config.Sources
	guard   runbook.AWSGuard                // as the front matter writes it
}

// awsSetup prepares AWS for doc. It does no SDK work at all for documents
// that do not use AWS, and no network I/O for those that do: the identity
// is asked by the preflight (Preflight), before the first step runs.
//
// profile and region are the --profile/--region flags ("" when unset); the
// document's `aws: {profile: …}` is used when the flag is not given.
func awsSetup(ctx context.Context, doc *runbook.Document, profile, region string) (*awsRun, error) {
	if !docUsesAWS(doc) {
		return nil, nil
	}
	fm := doc.FrontMatter
	var guard runbook.AWSGuard
	if fm.AWS != nil {
		guard = *fm.AWS
	}
	if profile == "" && guard.Profile != "" {
		if hasPlaceholder(guard.Profile) {
			return nil, &runbook.Error{Path: doc.Path, Line: fm.Line,
				Err: fmt.Errorf("aws.profile %q cannot use a placeholder: the profile is chosen before any question is asked; pass --profile", guard.Profile)}
		}
		profile = guard.Profile
	}
	c, err := aws.Load(ctx, aws.Options{Profile: profile, Region: region})
	if err != nil {
		return nil, &usageError{err}
	}
	return &awsRun{Client: c, Sources: aws.Sources(c), guard: guard}, nil
}

// awsRunValues is what the guard needs from the opened run: its values
// (to fill the guard's placeholders) and its journal (for the identity).
type awsRunValues interface {
	Var(name string) (string, bool)
	RecordIdentity(account, arn, region string) error
}

// Preflight is the AWS guard of a run that is open: before the first step
// it asks who the credentials are, journals the identity, and refuses to
// run anything when the doc is pinned to another account or region. nil
// when AWS is not used.
func (a *awsRun) Preflight(run awsRunValues) steps.Preflight {
	if a == nil {
		return nil
	}
	var guardFn func() (runbook.AWSGuard, error)
	if g := a.guard; g.Account != "" || g.Region != "" {
		guardFn = func() (runbook.AWSGuard, error) {
			var out runbook.AWSGuard
			var err error
			if out.Account, err = fillGuard(g.Account, run.Var); err != nil {
				return out, err
			}
			if out.Region, err = fillGuard(g.Region, run.Var); err != nil {
				return out, err
			}
			return out, nil
		}
	}
	record := func(id aws.Identity) { run.RecordIdentity(id.Account, id.ARN, id.Region) } //nolint:errcheck // a journal failure stops the step that follows
	check := aws.Preflight(a.Client, guardFn, record)
	return func(ctx context.Context) error {
		err := check(ctx)
		if refusesSetup(err) {
			// Nothing ran and the fix is in the engineer's setup, not in
			// a step: exit 2, like other bad input.
			return &usageError{err}
		}
		return err
	}
}

// StepEnv adjusts the steps' environment so that the aws CLI in a step acts
// as the identity the guard checked (an explicit --profile/--region).
func (a *awsRun) StepEnv(base []string) []string {
	if a == nil {
		return base
	}
	return a.Client.StepEnv(base)
}

// AddTo merges the AWS secret sources into an engine config.
func (a *awsRun) AddTo(cfg *steps.Config) {
	if a == nil {
		return
	}
	if cfg.Sources == nil {
		cfg.Sources = map[string]steps.SourceResolver{}
	}
	for k, r := range a.Sources {
		cfg.Sources[k] = r
	}
}

// docUsesAWS is true when the front matter declares `aws:` or a variable
// comes from an AWS source.
func docUsesAWS(doc *runbook.Document) bool {
	if doc == nil || doc.FrontMatter == nil {
		return false
	}
	fm := doc.FrontMatter
	if g := fm.AWS; g != nil && (g.Account != "" || g.Region != "" || g.Profile != "") {
		return true
	}
	for _, v := range fm.Variables {
		if strings.HasPrefix(v.Source, aws.SchemeSecretsManager+":") || strings.HasPrefix(v.Source, aws.SchemeSSM+":") {
			return true
		}
	}
	return false
}

func hasPlaceholder(s string) bool {
	found := false
	runbook.ScanPlaceholders(s, func(string, int, int) { found = true })
	return found
}

// fillGuard substitutes placeholders in a guard value with the run's
// answers; a guard that cannot be filled refuses to run rather than
// checking half a pin.
func fillGuard(s string, lookup func(string) (string, bool)) (string, error) {
	var out strings.Builder
	prev := 0
	var err error
	runbook.ScanPlaceholders(s, func(name string, start, end int) {
		if err != nil {
			return
		}
		var v string
		ok := false
		if lookup != nil {
			v, ok = lookup(name)
		}
		if !ok {
			err = fmt.Errorf("the guard value %q needs a value for %s: answer it or pass --set %s=…", s, s[start:end], name)
			return
		}
		out.WriteString(s[prev:start])
		out.WriteString(v)
		prev = end
	})
	if err != nil {
		return "", err
	}
	out.WriteString(s[prev:])
	return out.String(), nil
}

// refusesSetup reports whether a preflight error is the engineer's setup
// (guard, credentials, profile, region, permissions) rather than AWS
// having a bad moment.
func refusesSetup(err error) bool {
	if err == nil {
		return false
	}
	var ge *aws.GuardError
	if errors.As(err, &ge) {
		return true
	}
	var ae *aws.Error
	if !errors.As(err, &ae) {
		return strings.HasPrefix(err.Error(), "aws guard: ")
	}
	switch ae.Kind {
	case aws.KindThrottled, aws.KindUnreachable, aws.KindOther:
		return false
	}
	return true
}

// uploadReport puts a rendered report at dest+name in S3 (report --upload)
// with SSE and returns its s3:// URL. profile and region are the flags.
func uploadReport(ctx context.Context, dest, name string, body []byte, contentType, profile, region string) (string, error) {
	if _, _, err := aws.ParseS3URL(dest); err != nil {
		return "", &usageError{fmt.Errorf("--upload: %w", err)}
	}
	c, err := aws.Load(ctx, aws.Options{Profile: profile, Region: region})
	if err != nil {
		return "", &usageError{err}
	}
	url, err := c.Upload(ctx, dest, name, bytes.NewReader(body), contentType)
	if err != nil {
		return "", fmt.Errorf("upload report: %w", err)
	}
	return url, nil
}
