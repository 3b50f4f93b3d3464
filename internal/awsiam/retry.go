package awsiam

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// PropagationTimeout bounds every wait for IAM's eventual consistency: a new
// role can take minutes to be visible to reads, to be accepted as a
// principal and to be assumable, and a change can collide with one still
// being applied. AWS says changes can take "several minutes"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency),
// the platform's guide about five: terraform-provider-aws's two minutes
// would fail health waits that propagation would still end.
const PropagationTimeout = 5 * time.Minute

// deleteTimeout bounds retrying a role deletion that conflicts with policies
// still being detached: IAM settles that in seconds, so a conflict lasting
// longer means someone is changing the role and the user should know.
const deleteTimeout = 30 * time.Second

// Backoff between attempts: the first retry comes soon, because most
// propagation delays are short; the cap keeps a for_each over many accounts
// from hammering IAM while a slow change settles.
const (
	retryWaitMin = 200 * time.Millisecond
	retryWaitMax = 5 * time.Second
)

// retryWhen calls fn until it succeeds, fails with an error retryable does
// not accept, timeout passes or ctx is done. It returns the last error,
// saying how long it retried when it gave up.
func retryWhen(ctx context.Context, timeout time.Duration, fn func() error, retryable func(error) bool) error {
	deadline := time.Now().Add(timeout)
	wait := retryWaitMin
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !retryable(err) {
			return err
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return fmt.Errorf("still failing after retrying for %s: %w", timeout, err)
		}
		// Jitter spreads out the retries of many resources that failed together.
		sleep := min(wait+rand.N(wait/4+1), remaining)
		tflog.Debug(ctx, "retrying IAM call until the change propagates", map[string]any{
			"attempt": attempt, "wait": sleep.String(), "error": err.Error(),
		})
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w while retrying: %w", ctx.Err(), err)
		case <-timer.C:
		}
		wait = min(wait*2, retryWaitMax)
	}
}

// isInvalidPrincipal reports IAM refusing a trust policy whose principal it
// does not know yet: a role or account created moments ago.
func isInvalidPrincipal(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "MalformedPolicyDocument" &&
		strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "invalid principal")
}

// isConcurrentModification reports a change refused because another change
// of the same entity is still being applied.
func isConcurrentModification(err error) bool {
	return hasErrorCode(err, "ConcurrentModification")
}

// isNoSuchEntity reports an entity that does not exist (or is not visible
// yet). The typed *types.NoSuchEntityException carries this code too.
func isNoSuchEntity(err error) bool {
	return hasErrorCode(err, "NoSuchEntity")
}

// isDeleteConflict reports an entity that cannot be deleted while something
// is still attached to it.
func isDeleteConflict(err error) bool {
	return hasErrorCode(err, "DeleteConflict")
}

// hasErrorCode reports an AWS API error with that code, whether the SDK
// modelled it as a typed exception or not.
func hasErrorCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}
