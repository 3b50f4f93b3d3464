package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditRecord is one write request as the audit log keeps it: who, what,
// when and with which result. Never a request body or a secret.
type AuditRecord struct {
	At        time.Time // set by RecordAudit
	OrgID     string
	KeyID     string
	Method    string
	Route     string // the route pattern, e.g. /v1/aws/connections/{id}
	Target    string // the connection ID when known, else ""
	Status    int    // the HTTP status code answered
	RequestID string // the request's X-Request-Id, else ""
}

// AuditEntry is an audit record as an operator reads it.
type AuditEntry struct {
	AuditRecord
	OrgName string // "" if the organization no longer exists
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	OrgName string    // only this organization's entries; "" for all
	Since   time.Time // only entries at or after this time; zero for all
	Limit   int       // at most this many, the newest; at least 1
}

// RecordAudit appends rec to the audit log, stamped with the current time.
func (s *Store) RecordAudit(ctx context.Context, rec AuditRecord) error {
	_, err := s.db.exec(ctx, `INSERT INTO audit_log (at, org_id, key_id, method, route, target, status, request_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		formatTime(s.now()), rec.OrgID, rec.KeyID, rec.Method, rec.Route, rec.Target, rec.Status, rec.RequestID)
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// ListAudit returns the newest entries matching f, newest first. An unknown
// organization is ErrNotFound.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit < 1 {
		return nil, fmt.Errorf("audit limit %d is not valid: it must be at least 1", f.Limit)
	}
	if err := s.checkOrganizationName(ctx, f.OrgName); err != nil {
		return nil, err
	}
	since := ""
	if !f.Since.IsZero() {
		since = formatTime(f.Since)
	}
	rows, err := s.db.query(ctx, `
	SELECT a.at, a.org_id, COALESCE(o.name, ''), a.key_id, a.method, a.route, a.target, a.status, a.request_id
	FROM audit_log a LEFT JOIN organizations o ON o.id = a.org_id
	WHERE (@org = '' OR o.name = @org) AND a.at >= @since
	ORDER BY a.seq DESC LIMIT @limit`,
		sql.Named("org", f.OrgName), sql.Named("since", since), sql.Named("limit", f.Limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	entries := []AuditEntry{}
	for rows.Next() {
		var (
			e  AuditEntry
			at string
		)
		if err := rows.Scan(&at, &e.OrgID, &e.OrgName, &e.KeyID, &e.Method, &e.Route, &e.Target, &e.Status, &e.RequestID); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// PruneAudit deletes the audit entries recorded before t and returns how
// many it deleted: the log grows with every write until pruned.
func (s *Store) PruneAudit(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.db.exec(ctx, `DELETE FROM audit_log WHERE at < ?`, formatTime(t))
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return res.RowsAffected()
}
