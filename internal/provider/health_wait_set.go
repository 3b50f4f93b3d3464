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

// setWaitError is a wait over many connections that ended with some of them
// not healthy: each explained as a single connection's wait explains it.
type setWaitError struct {
	failed []*healthWaitError
	advice string // what to do next, or ""
}

func (e *setWaitError) Error() string {
	parts := make([]string, len(e.failed))
	for i, f := range e.failed {
		parts[i] = f.Error()
	}
	if e.advice != "" {
		parts = append(parts, e.advice)
	}
	return strings.Join(parts, "\n\n")
}

// adviceDiagnose is the set wait's advice for what it cannot tell apart:
// only the connection resource reads the role with the account's own
// credentials.
const adviceDiagnose = "When AWS only tells the platform AccessDenied, this wait cannot tell IAM propagation from a mistake " +
	"in the role. Set wait_for_healthy = true on one of these connections and apply: it reads the role with the " +
	"account's own credentials and says what is wrong and how to fix it."

// waitForAllHealthy returns once every listed connection is healthy, with
// each connection as last listed. One goroutine serves the whole set: each poll asks
// the service, in one request, to check again the connections not yet
// healthy, and reads the results from one list of the organization's
// connections, so a thousand connections wait about one propagation window
// together instead of queueing for Terraform's parallel slots.
//
// It fails at once for the definite findings (the service read them from
// the role or AWS named the region) of a check that ended during this wait;
// for any other unhealthy connection, after one propagation window; and for
// the rest when ctx ends.
func waitForAllHealthy(ctx context.Context, c *client.Client, ids []string) (map[string]client.Connection, error) {
	giveUp := time.Now().Add(healthWaitWindow)
	latest, err := listHealth(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	before := latest // what the checks that ended before this wait found
	waiting, err := judgeSet(ids, before, latest, time.Now().After(giveUp))
	if err != nil || len(waiting) == 0 {
		return latest, err
	}
	err = pollHealth(ctx, func() error {
		now, err := checkAndList(ctx, c, ids, waiting)
		switch {
		case err != nil && ctx.Err() != nil:
			return notHealthyInTime(ids, latest)
		case err != nil:
			return err
		}
		latest = now
		if waiting, err = judgeSet(ids, before, latest, time.Now().After(giveUp)); err != nil {
			return err
		}
		if len(waiting) > 0 {
			return errNotHealthyYet
		}
		return nil
	}, func(next time.Duration) {
		tflog.Info(ctx, "waiting for connections to turn healthy", map[string]any{
			"connections": len(ids), "waiting": len(waiting), "next_check_in": next.String(),
		})
	})
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Cause(ctx)) {
		// ctx ended during a pause.
		return latest, notHealthyInTime(ids, latest)
	}
	return latest, err
}

// checkAndList asks the service to check the waiting connections and
// lists the health of all of them once those checks have had time to run.
func checkAndList(ctx context.Context, c *client.Client, ids, waiting []string) (map[string]client.Connection, error) {
	missing, err := c.RequestHealthChecks(ctx, waiting)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, missingConnections(missing)
	}
	// A check takes about a second: reading the list at once would show
	// the checks before it.
	if !sleep(ctx, healthPollMin) {
		return nil, ctx.Err()
	}
	return listHealth(ctx, c, ids)
}

// sleep pauses for d, and reports false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// listHealth returns the listed connections that exist, with their health,
// from one paged list of the organization's connections.
func listHealth(ctx context.Context, c *client.Client, ids []string) (map[string]client.Connection, error) {
	conns, err := c.ListAllConnections(ctx, client.ListConnectionsOptions{})
	if err != nil {
		return nil, err
	}
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	listed := make(map[string]client.Connection, len(ids))
	for _, conn := range conns {
		if wanted[conn.ID] {
			listed[conn.ID] = conn
		}
	}
	return listed, nil
}

// judgeSet returns the connections to wait for, or the error that ends the
// wait: a connection that does not exist, a definite finding of a check
// that ended during the wait, or, once pastWindow, any unhealthy connection.
func judgeSet(ids []string, before, latest map[string]client.Connection, pastWindow bool) ([]string, error) {
	var waiting, missing []string
	var definite, unhealthy []*healthWaitError
	for _, id := range ids {
		conn, ok := latest[id]
		h := conn.Health
		switch {
		case !ok:
			missing = append(missing, id)
		case h.Status == client.HealthHealthy:
		case h.Status == client.HealthUnhealthy && checkedSince(before[id].Health, h) && slices.ContainsFunc(h.Details, isDefinite):
			definite = append(definite, &healthWaitError{connectionLabel(conn), &h, "is unhealthy, and waiting will not fix it"})
		case h.Status == client.HealthUnhealthy:
			unhealthy = append(unhealthy, &healthWaitError{connectionLabel(conn), &h, fmt.Sprintf(
				"is still unhealthy after %s, longer than IAM takes to propagate a change", healthWaitWindow)})
			waiting = append(waiting, id)
		default:
			waiting = append(waiting, id)
		}
	}
	switch {
	case len(missing) > 0:
		return nil, missingConnections(missing)
	case len(definite) > 0:
		return nil, &setWaitError{failed: definite}
	case pastWindow && len(unhealthy) > 0:
		return nil, &setWaitError{failed: unhealthy, advice: adviceDiagnose}
	}
	return waiting, nil
}

// checkedSince says whether h comes from a check that ended after the one
// behind earlier, so that a finding made before a fix outside Terraform
// does not fail the wait: the check the wait asks for decides. The API
// gives check times to the second, so a check ending in the same second
// as the one before counts as old, and the next poll asks again.
func checkedSince(earlier, h client.Health) bool {
	if h.CheckedAt == nil {
		return false
	}
	return earlier.CheckedAt == nil || h.CheckedAt.After(*earlier.CheckedAt)
}

// notHealthyInTime explains a wait that ran out of time: every connection
// not healthy, with its last health.
func notHealthyInTime(ids []string, latest map[string]client.Connection) error {
	var failed []*healthWaitError
	for _, id := range ids {
		if conn, ok := latest[id]; ok && conn.Health.Status != client.HealthHealthy {
			failed = append(failed, &healthWaitError{connectionLabel(conn), &conn.Health, "did not turn healthy in time"})
		}
	}
	return &setWaitError{failed: failed, advice: adviceDiagnose}
}

// connectionLabel names a connection in an error: its name, which the
// configuration shows, and its ID.
func connectionLabel(conn client.Connection) string {
	return fmt.Sprintf("%s (%s)", conn.Name, conn.ID)
}

func missingConnections(ids []string) error {
	return fmt.Errorf("no connection with ID %s exists in this organization: it was deleted, or the ID is wrong. "+
		"Refer to the connections with their resources' id attributes, for example costlink_aws_connection.member.id",
		strings.Join(ids, ", "))
}
