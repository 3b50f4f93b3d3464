package awsiam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	"github.com/cenkalti/backoff/v5"
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
// from hammering IAM while a slow change settles. The jitter spreads out the
// retries of many resources that failed together.
const (
	retryWaitMin = 200 * time.Millisecond
	retryWaitMax = 5 * time.Second
	retryJitter  = 0.25
)

// retryWhen calls fn until it succeeds, fails with an error retryable does
// not accept, timeout passes or ctx is done. It returns the last error,
// saying how long it retried when it gave up.
func retryWhen(ctx context.Context, timeout time.Duration, fn func() error, retryable func(error) bool) error {
	var last error // fn's last error while it is one to retry
	attempt := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		attempt++
		err := fn()
		if err == nil || retryable(err) {
			last = err
			return struct{}{}, err
		}
		last = nil // a failure for good, not retries that ran out
		return struct{}{}, backoff.Permanent(err)
	},
		backoff.WithBackOff(&untilDeadline{
			BackOff: &backoff.ExponentialBackOff{
				InitialInterval: retryWaitMin, RandomizationFactor: retryJitter, Multiplier: 2, MaxInterval: retryWaitMax,
			},
			deadline: time.Now().Add(timeout),
		}),
		backoff.WithMaxElapsedTime(0), // untilDeadline ends the retries
		backoff.WithNotify(func(err error, wait time.Duration) {
			tflog.Debug(ctx, "retrying IAM call until the change propagates", map[string]any{
				"attempt": attempt, "wait": wait.String(), "error": err.Error(),
			})
		}),
	)
	switch {
	case last == nil:
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("%w while retrying: %w", ctx.Err(), last)
	default:
		return fmt.Errorf("still failing after retrying for %s: %w", timeout, last)
	}
}

// untilDeadline shortens the last wait of a backoff to end at the deadline
// and stops there, so the last attempt comes at the timeout rather than up
// to a whole wait before it, as backoff.WithMaxElapsedTime would have it.
type untilDeadline struct {
	backoff.BackOff
	deadline time.Time
}

func (b *untilDeadline) NextBackOff() time.Duration {
	remaining := time.Until(b.deadline)
	if remaining <= 0 {
		return backoff.Stop
	}
	return min(b.BackOff.NextBackOff(), remaining)
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
