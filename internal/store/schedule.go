package store

import (
	"context"
	"slices"
	"time"
)

// Replicas of the service share the health checks through the database: each
// connection has a time its next periodic check is due, and a check runs
// under a lease, a claim on the connection by one replica until a deadline.
// A replica claims due connections (ClaimDueChecks) or one connection for a
// check now (ClaimCheck); saving the result releases the lease and sets the
// next due time (SaveHealth). A replica that dies mid-check keeps its lease
// only until the deadline: then the connection is due again for any replica.

// scheduleFormat is how due times and lease deadlines are stored: UTC to the
// millisecond at a fixed width, so that text order is time order, and ""
// (never) orders before every time.
const scheduleFormat = "2006-01-02T15:04:05.000Z"

func formatSchedule(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(scheduleFormat)
}

// CheckRun is what a check's result does besides recording the health.
type CheckRun struct {
	// Owner is the replica whose lease on the connection the result
	// releases; "" for a result saved without a lease.
	Owner string
	// NextCheckAt is when the connection's next periodic check is due; zero
	// leaves it as it is.
	NextCheckAt time.Time
}

// ClaimDueChecks leases to owner, until now+lease, up to limit connections
// of every organization whose periodic check is due at now and that no
// replica holds (never leased, released, or past its deadline), and returns
// them, earliest due first. In PostgreSQL, rows another replica is claiming
// at the same moment are skipped, not waited for.
func (s *Store) ClaimDueChecks(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Connection, error) {
	at := formatSchedule(now)
	rows, err := s.db.query(ctx, `UPDATE connections SET check_lease_owner = ?, check_lease_expires_at = ?
	WHERE seq IN (SELECT seq FROM connections WHERE next_check_at <= ? AND check_lease_expires_at < ?
		ORDER BY next_check_at, seq LIMIT ?`+s.dialect.skipLocked+`)
	RETURNING `+connectionColumns,
		owner, formatSchedule(now.Add(lease)), at, at, limit)
	if err != nil {
		return nil, err
	}
	claimed, err := scanConnections(rows)
	slices.SortFunc(claimed, func(a, b Connection) int { return a.NextCheckAt.Compare(b.NextCheckAt) })
	return claimed, err
}

// ClaimCheck leases connection id to owner, until now+lease, for a check
// now, due or not, unless another replica holds it. It reports whether
// owner holds the lease now; a lease owner already holds is extended.
func (s *Store) ClaimCheck(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (bool, error) {
	res, err := s.db.exec(ctx, `UPDATE connections SET check_lease_owner = ?, check_lease_expires_at = ?
	WHERE id = ? AND (check_lease_expires_at < ? OR check_lease_owner = ?)`,
		owner, formatSchedule(now.Add(lease)), id, formatSchedule(now), owner)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ScheduleCheck sets when connection id's next periodic check is due and
// gives up owner's lease on it: a claim that found the connection never
// scheduled, and not due yet on the schedule it then gets.
func (s *Store) ScheduleCheck(ctx context.Context, id, owner string, at time.Time) error {
	_, err := s.db.exec(ctx, `UPDATE connections SET next_check_at = ?, check_lease_owner = '', check_lease_expires_at = ''
	WHERE id = ? AND check_lease_owner = ?`, formatSchedule(at), id, owner)
	return err
}

// ReleaseCheck gives up owner's lease on connection id without a result,
// so that another replica may check it at once.
func (s *Store) ReleaseCheck(ctx context.Context, id, owner string) error {
	_, err := s.db.exec(ctx, `UPDATE connections SET check_lease_owner = '', check_lease_expires_at = ''
	WHERE id = ? AND check_lease_owner = ?`, id, owner)
	return err
}

// CountConnections counts the connections of every organization: the work
// one interval of periodic checks has.
func (s *Store) CountConnections(ctx context.Context) (int, error) {
	var n int
	err := s.db.queryRow(ctx, `SELECT COUNT(*) FROM connections`).Scan(&n)
	return n, err
}
