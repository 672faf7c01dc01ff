package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps"
)

// GuardError is a refusal to run: the credentials are not for the account
// or region the document is pinned to.
type GuardError struct {
	Want runbook.AWSGuard
	Got  Identity
}

func (e *GuardError) Error() string {
	var pinned string
	switch w := e.Want; {
	case w.Account != "" && w.Region != "":
		pinned = fmt.Sprintf("account %s (%s)", w.Account, w.Region)
	case w.Account != "":
		pinned = "account " + w.Account
	default:
		pinned = "region " + w.Region
	}
	where := "in " + e.Got.Region
	if e.Got.Region == "" {
		where = "with no region configured (set AWS_REGION or --region)"
	}
	return fmt.Sprintf("aws guard: this runbook is pinned to %s but the credentials are for %s (%s) %s; refusing to run any step",
		pinned, e.Got.Account, e.Got.ARN, where)
}

// CheckGuard reports whether id satisfies the guard. Values must already be
// resolved (placeholders substituted); empty fields are not checked, and
// the profile is not an identity property, so it is not compared.
func CheckGuard(id Identity, want runbook.AWSGuard) error {
	want.Account = strings.TrimSpace(want.Account)
	want.Region = strings.TrimSpace(want.Region)
	if want.Account == "" && want.Region == "" {
		return nil
	}
	if (want.Account == "" || want.Account == id.Account) &&
		(want.Region == "" || want.Region == id.Region) {
		return nil
	}
	return &GuardError{Want: want, Got: id}
}

// Preflight is the engine's check before the first step: it asks who the
// credentials belong to, lets the caller record it (the engine journals an
// identity event and shows it), then enforces the guard. guard may be nil
// when the document uses AWS sources but pins nothing; it is called only
// after the identity is known so its placeholders can be resolved late.
func Preflight(c *Client, guard func() (runbook.AWSGuard, error), record func(Identity)) steps.Preflight {
	return func(ctx context.Context) error {
		id, err := c.Identity(ctx)
		if err != nil {
			return err
		}
		if record != nil {
			record(id)
		}
		if guard == nil {
			return nil
		}
		want, err := guard()
		if err != nil {
			return fmt.Errorf("aws guard: %w", err)
		}
		return CheckGuard(id, want)
	}
}
