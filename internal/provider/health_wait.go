package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// defaultHealthTimeout is how long create and update wait for a connection
// to turn healthy at most. Waiting itself stops sooner when it cannot help:
// at once for a mistake, one propagation window after the wait began for
// anything else.
const defaultHealthTimeout = 10 * time.Minute

// Waiting for health polls with exponential backoff between these bounds,
// and gives up on what it cannot see after healthWaitWindow.
var (
	healthPollMin    = 2 * time.Second
	healthPollMax    = 30 * time.Second
	healthWaitWindow = awsiam.PropagationTimeout
)

// judgeFunc decides whether waiting can still make an unhealthy connection
// healthy; (*roleInspector).judge is the real one.
type judgeFunc func(ctx context.Context, h *client.Health) verdict

// healthWaitError is a wait that ended without a healthy connection: the
// health it ended with, explained.
type healthWaitError struct {
	id     string
	health *client.Health
	reason string
}

func (e *healthWaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Connection %s %s (status %s).", e.id, e.reason, e.health.Status)
	for _, d := range e.health.Details {
		fmt.Fprintf(&b, "\n\n- %s: %s\n  Fix: %s", d.Code, d.Message, d.Remediation)
	}
	return b.String()
}

// waitForHealthy returns once the connection is healthy. Each poll asks the
// service for a new check (the role may just have been fixed) and judge
// says whether to go on: it fails at once when waiting will not help, after
// one propagation window when the cause is not visible, and with the last
// health when ctx ends. The health returned carries judge's explanation.
func waitForHealthy(ctx context.Context, c *client.Client, id string, judge judgeFunc) (*client.Health, error) {
	giveUp := time.Now().Add(healthWaitWindow)
	var last *client.Health
	err := pollHealth(ctx, func() error {
		h, err := c.CheckHealth(ctx, id)
		if err != nil {
			return err
		}
		last = h
		switch h.Status {
		case client.HealthHealthy:
			return nil
		case client.HealthUnhealthy:
			v := judge(ctx, h)
			h.Details = v.details
			if v.hopeless {
				return &healthWaitError{id, h, "is unhealthy, and waiting will not fix it"}
			}
			if time.Now().After(giveUp) {
				return &healthWaitError{id, h, fmt.Sprintf("is still unhealthy after %s, longer than IAM takes to propagate a change", healthWaitWindow)}
			}
		}
		return errNotHealthyYet
	}, func(next time.Duration) {
		tflog.Info(ctx, "waiting for the connection to turn healthy", map[string]any{
			"id": id, "status": last.Status, "codes": detailCodes(last.Details), "next_check_in": next.String(),
		})
	})
	var verdict *healthWaitError
	if err != nil && last != nil && ctx.Err() != nil && !errors.As(err, &verdict) {
		// The poll or the pause after it ran into the end of ctx.
		return last, &healthWaitError{id, last, "did not turn healthy in time"}
	}
	return last, err
}

// errNotHealthyYet is a poll that found a connection, or some of a set, not
// healthy yet: pollHealth polls again.
var errNotHealthyYet = errors.New("not healthy yet")

// pollHealth calls poll until it returns nil or an error other than
// errNotHealthyYet, which it returns, or until ctx ends, when it returns
// ctx's cause. Between polls it calls waiting with the pause to come, which
// doubles from healthPollMin up to healthPollMax. The pauses have no
// jitter: the client's pacer already spaces out the requests of many waits.
func pollHealth(ctx context.Context, poll func() error, waiting func(next time.Duration)) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := poll()
		if err != nil && !errors.Is(err, errNotHealthyYet) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	},
		backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: healthPollMin, Multiplier: 2, MaxInterval: healthPollMax}),
		backoff.WithMaxElapsedTime(0), // the waits end on ctx, and on the propagation window their polls judge
		backoff.WithNotify(func(_ error, next time.Duration) { waiting(next) }),
	)
	return err
}

func detailCodes(details []client.HealthDetail) []string {
	codes := make([]string, len(details))
	for i, d := range details {
		codes[i] = d.Code
	}
	return codes
}
