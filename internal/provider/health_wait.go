package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	pause := healthPollMin
	var last *client.Health
	for {
		h, err := c.CheckHealth(ctx, id)
		switch {
		case err != nil && last != nil && ctx.Err() != nil:
			return last, &healthWaitError{id, last, "did not turn healthy in time"}
		case err != nil:
			return last, err
		case h.Status == client.HealthHealthy:
			return h, nil
		case h.Status == client.HealthUnhealthy:
			v := judge(ctx, h)
			h.Details = v.details
			if v.hopeless {
				return h, &healthWaitError{id, h, "is unhealthy, and waiting will not fix it"}
			}
			if time.Now().After(giveUp) {
				return h, &healthWaitError{id, h, fmt.Sprintf("is still unhealthy after %s, longer than IAM takes to propagate a change", healthWaitWindow)}
			}
		}
		last = h
		tflog.Info(ctx, "waiting for the connection to turn healthy", map[string]any{
			"id": id, "status": h.Status, "codes": detailCodes(h.Details), "next_check_in": pause.String(),
		})
		select {
		case <-ctx.Done():
			return h, &healthWaitError{id, h, "did not turn healthy in time"}
		case <-time.After(pause):
		}
		pause = min(2*pause, healthPollMax)
	}
}

func detailCodes(details []client.HealthDetail) []string {
	codes := make([]string, len(details))
	for i, d := range details {
		codes[i] = d.Code
	}
	return codes
}
