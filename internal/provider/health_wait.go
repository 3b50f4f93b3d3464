package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// defaultHealthTimeout is how long create and update wait for a connection
// to turn healthy: AWS takes about five minutes to propagate a new role's
// permissions everywhere, so twice that.
const defaultHealthTimeout = 10 * time.Minute

// Waiting for health polls with exponential backoff between these bounds.
var (
	healthPollMin = 2 * time.Second
	healthPollMax = 30 * time.Second
)

// permanentHealthCodes are the problems waiting will not fix: the role's
// trust policy is wrong, or a region's STS is not activated. Everything
// else (the role not assumable or not found yet, policies not visible yet)
// is what IAM propagation delays look like.
var permanentHealthCodes = []string{
	"trust_principal_mismatch",
	"external_id_condition_missing",
	"external_id_mismatch",
	"sts_region_inactive",
}

// waitForHealthy returns once the connection is healthy. It fails at once
// when the connection is unhealthy for a reason waiting will not fix, and
// with the last health details when ctx ends first. Between polls it asks
// the service for a new check: the service checks on its own only after a
// change and then every few minutes.
func waitForHealthy(ctx context.Context, c *client.Client, id string) (*client.Health, error) {
	h, err := c.GetHealth(ctx, id)
	pause := healthPollMin
	for {
		if err != nil {
			if ctx.Err() != nil && h != nil {
				return h, healthError(id, h, "did not turn healthy in time")
			}
			return h, err
		}
		switch h.Status {
		case client.HealthHealthy:
			return h, nil
		case client.HealthUnhealthy:
			if slices.ContainsFunc(h.Details, isPermanent) {
				return h, healthError(id, h, "is unhealthy, and waiting will not fix it")
			}
		}
		tflog.Info(ctx, "waiting for the connection to turn healthy", map[string]any{
			"id": id, "status": h.Status, "codes": detailCodes(h), "next_check_in": pause.String(),
		})
		select {
		case <-ctx.Done():
			return h, healthError(id, h, "did not turn healthy in time")
		case <-time.After(pause):
		}
		pause = min(2*pause, healthPollMax)
		last := h
		if h, err = c.CheckHealth(ctx, id); h == nil {
			h = last
		}
	}
}

func isPermanent(d client.HealthDetail) bool { return slices.Contains(permanentHealthCodes, d.Code) }

func detailCodes(h *client.Health) []string {
	codes := make([]string, len(h.Details))
	for i, d := range h.Details {
		codes[i] = d.Code
	}
	return codes
}

// healthError explains an unhealthy connection: every detail with what to
// change.
func healthError(id string, h *client.Health, what string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Connection %s %s (status %s).", id, what, h.Status)
	for _, d := range h.Details {
		fmt.Fprintf(&b, "\n\n- %s: %s\n  Fix: %s", d.Code, d.Message, d.Remediation)
	}
	return errors.New(b.String())
}
