package server

import (
	"errors"
	"fmt"
	"net/http"
)

// Bounds of a bulk check request: a thousand member accounts in one request,
// and IDs no longer than one could be.
const (
	maxBulkCheckIDs      = 1000
	maxConnectionIDBytes = 64
)

// bulkCheckRequest is the body of POST /v1/aws/connections/health/checks.
type bulkCheckRequest struct {
	IDs []string `json:"ids"`
}

// bulkCheckResponse says how many checks were queued, and which IDs name no
// connection of the organization.
type bulkCheckResponse struct {
	Queued  int      `json:"queued"`
	Missing []string `json:"missing"`
}

// requestHealthChecks queues an urgent check of each listed connection and
// answers at once: one waiter polls the list for a thousand connections
// instead of a thousand waiters each holding a check request open. A check
// already queued or running for a connection is not queued again.
func (s *server) requestHealthChecks(w http.ResponseWriter, r *http.Request) error {
	var req bulkCheckRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	if s.checks == nil {
		return newProblem(serviceMisconfigured, "the service runs no health checks: start it with AWS credentials")
	}
	found, err := s.store.ConnectionsByID(r.Context(), orgID(r), req.IDs)
	if err != nil {
		return err
	}
	answered := make(map[string]bool, len(req.IDs)) // queued, or already listed as missing
	for _, c := range found {
		s.checkSoon(c)
		answered[c.ID] = true
	}
	resp := bulkCheckResponse{Queued: len(found), Missing: []string{}}
	for _, id := range req.IDs {
		if !answered[id] {
			resp.Missing = append(resp.Missing, id)
			answered[id] = true
		}
	}
	writeJSON(w, http.StatusAccepted, resp)
	return nil
}

// validate refuses an empty or oversized list, and IDs that cannot be one.
func (req bulkCheckRequest) validate() error {
	var fe fieldErrors
	switch {
	case len(req.IDs) == 0:
		fe.add("ids", errors.New("must list at least one connection ID"))
	case len(req.IDs) > maxBulkCheckIDs:
		fe.add("ids", fmt.Errorf("lists %d connection IDs; the limit is %d per request", len(req.IDs), maxBulkCheckIDs))
	}
	for i, id := range req.IDs {
		if id == "" || len(id) > maxConnectionIDBytes {
			fe.add(fmt.Sprintf("ids[%d]", i), fmt.Errorf("must be a connection ID of 1 to %d characters", maxConnectionIDBytes))
		}
	}
	return fe.problem()
}
