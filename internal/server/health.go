package server

import (
	"net/http"
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
	h, err := s.runCheck(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHealthJSON(h))
	return nil
}
