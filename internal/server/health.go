package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// healthJSON is a connection's health on the wire.
type healthJSON struct {
	Status        string               `json:"status"`
	CheckedAt     *string              `json:"checked_at"`
	LastHealthyAt *string              `json:"last_healthy_at"`
	PolicyVersion string               `json:"policy_version"`
	Details       []store.HealthDetail `json:"details"`
}

func toHealthJSON(h store.Health) healthJSON {
	return healthJSON{
		Status:        h.Status,
		CheckedAt:     optionalTime(h.CheckedAt),
		LastHealthyAt: optionalTime(h.LastHealthyAt),
		PolicyVersion: h.PolicyVersion,
		Details:       h.Details,
	}
}

// optionalTime is a timestamp, or null for the zero time (never).
func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func (s *server) getHealth(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.Connection(r.Context(), orgID(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHealthJSON(c.Health))
	return nil
}

// checkHealth checks the connection, ahead of the periodic checks, or joins
// its check already queued or running, and answers with the result. The
// check goes on, and is stored, if the caller leaves.
func (s *server) checkHealth(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.Connection(r.Context(), orgID(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.checks == nil {
		return newProblem(serviceMisconfigured, "the service runs no health checks: start it with AWS credentials")
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.checkWait)
	defer cancel()
	h, err := s.runCheck(ctx, c)
	if errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil {
		w.Header().Set("Retry-After", strconv.Itoa(checkQueuedRetryAfter))
		return newProblem(checkQueued, "the health check of %s is still queued or running behind the service's other checks; "+
			"its result will be stored: read GET %s/%s/health, or ask again in %d seconds", c.ID, connectionsPath, c.ID, checkQueuedRetryAfter)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHealthJSON(h))
	return nil
}

// OnDemandCheckWait bounds how long POST .../health/check waits for its
// check, queued behind others when the workers are busy, so that the answer
// comes before the server's write timeout: a 503 saying to ask again, while
// the check goes on.
const OnDemandCheckWait = 45 * time.Second

// checkQueuedRetryAfter is the Retry-After, in seconds, of that 503.
const checkQueuedRetryAfter = 5
