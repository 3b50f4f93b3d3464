package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Health statuses.
const (
	HealthPending   = "pending"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// Health is the outcome of a connection's latest health check.
type Health struct {
	Status        string    // HealthPending until the first check of the current role finishes
	CheckedAt     time.Time // zero when never checked
	LastHealthyAt time.Time // zero when never healthy
	PolicyVersion string    // version of the generated policy the check compared against
	Details       []HealthDetail
	Checks        int64 // read only: how many checks of the connection have been saved
}

// HealthDetail is one reason a connection is unhealthy.
type HealthDetail struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

// healthColumns are the columns of Health in the connections table, in the
// order scanHealth reads them.
const healthColumns = `health_status, health_checked_at, health_last_healthy_at, health_policy_version, health_details, health_checks`

// resetHealth is the SET clause that makes a connection's health pending
// again, for a change the previous check says nothing about.
const resetHealth = `health_status = 'pending', health_details = '[]'`

// SaveHealth records the result of a check of the connection at the given
// version, releases run.Owner's lease and sets the next periodic check. A
// result for an older version (the role changed while the check ran) is
// dropped, since it describes a role the connection no longer uses, but
// the lease is released all the same. It reports whether the result was
// saved.
func (s *Store) SaveHealth(ctx context.Context, id string, version int64, h Health, run CheckRun) (bool, error) {
	details, err := json.Marshal(nonNil(h.Details))
	if err != nil {
		return false, err
	}
	// SET expressions all read the row as it was: the second CASE sees the
	// owner the first one clears.
	res, err := s.db.exec(ctx, `UPDATE connections
	SET health_status = @status, health_checked_at = @checked, health_policy_version = @policy, health_details = @details,
	    health_last_healthy_at = CASE WHEN @healthy THEN @checked ELSE health_last_healthy_at END,
	    health_checks = health_checks + 1,
	    next_check_at = CASE WHEN @next = '' THEN next_check_at ELSE @next END,
	    check_lease_owner = CASE WHEN check_lease_owner = @owner THEN '' ELSE check_lease_owner END,
	    check_lease_expires_at = CASE WHEN check_lease_owner = @owner THEN '' ELSE check_lease_expires_at END
	WHERE id = @id AND version = @version`,
		sql.Named("status", h.Status), sql.Named("checked", formatTime(h.CheckedAt)), sql.Named("policy", h.PolicyVersion),
		sql.Named("details", string(details)), sql.Named("healthy", h.Status == HealthHealthy),
		sql.Named("next", formatSchedule(run.NextCheckAt)), sql.Named("owner", run.Owner),
		sql.Named("id", id), sql.Named("version", version))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 && run.Owner != "" {
		err = s.ReleaseCheck(ctx, id, run.Owner)
	}
	return n == 1, err
}

// scanHealth decodes the health columns.
func scanHealth(status, checkedAt, lastHealthyAt, policyVersion, details string) (Health, error) {
	h := Health{Status: status, PolicyVersion: policyVersion}
	var err error
	if h.CheckedAt, err = parseOptionalTime(checkedAt); err != nil {
		return Health{}, err
	}
	if h.LastHealthyAt, err = parseOptionalTime(lastHealthyAt); err != nil {
		return Health{}, err
	}
	if err := json.Unmarshal([]byte(details), &h.Details); err != nil {
		return Health{}, err
	}
	h.Details = nonNil(h.Details)
	return h, nil
}

func parseOptionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(s)
}
