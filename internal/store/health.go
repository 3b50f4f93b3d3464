package store

import (
	"context"
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
}

// HealthDetail is one reason a connection is unhealthy.
type HealthDetail struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

// healthColumns are the columns of Health in the connections table, in the
// order scanHealth reads them.
const healthColumns = `health_status, health_checked_at, health_last_healthy_at, health_policy_version, health_details`

// resetHealth is the SET clause that makes a connection's health pending
// again, for a change the previous check says nothing about.
const resetHealth = `health_status = 'pending', health_details = '[]'`

// SaveHealth records the result of a check of the connection at the given
// version. A result for an older version (the role changed while the check
// ran) is dropped: it describes a role the connection no longer uses.
// It reports whether the result was saved.
func (s *Store) SaveHealth(ctx context.Context, id string, version int64, h Health) (bool, error) {
	details, err := json.Marshal(nonNil(h.Details))
	if err != nil {
		return false, err
	}
	res, err := s.db.exec(ctx, `UPDATE connections
	SET health_status = ?, health_checked_at = ?, health_policy_version = ?, health_details = ?,
	    health_last_healthy_at = CASE WHEN ? THEN ? ELSE health_last_healthy_at END
	WHERE id = ? AND version = ?`,
		h.Status, formatTime(h.CheckedAt), h.PolicyVersion, string(details),
		h.Status == HealthHealthy, formatTime(h.CheckedAt), id, version)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ConnectionsCheckedBefore returns the connections of every organization
// whose last check finished before t (or never ran), oldest first, at most
// limit of them: the periodic checker's work list.
func (s *Store) ConnectionsCheckedBefore(ctx context.Context, t time.Time, limit int) ([]Connection, error) {
	rows, err := s.db.query(ctx, selectConnection+`
	WHERE health_checked_at < ? ORDER BY health_checked_at, seq LIMIT ?`, formatTime(t), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
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
