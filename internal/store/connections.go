package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// Connection is an AWS account connected to an organization.
type Connection struct {
	ID            string
	OrgID         string
	Name          string
	Type          string // validate.TypeResource or validate.TypeBilling
	RoleARN       string
	AccountID     string
	BillingBucket string
	Regions       []string // never nil when read from the store
	Version       int64    // 1 at creation, +1 on every change
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Health        Health    // read only: SaveHealth writes it
	NextCheckAt   time.Time // read only: when the next periodic check is due; zero when never scheduled

	seq int64 // insertion order, the position paging resumes from
}

// Created is the outcome of CreateConnection.
type Created struct {
	Connection Connection // the new record, or the one the key created when Replayed
	Replayed   bool       // the key was seen before: nothing was created
}

// CreateConnection stores a new connection from c's OrgID, Name, Type,
// RoleARN, AccountID, BillingBucket and Regions. A resource connection needs
// a billing connection in the organization (ErrBillingConnectionRequired); a
// clash with an existing name or account+type is a *ConflictError.
//
// With idem, the key is looked up and recorded in the same transaction as the
// insert, so concurrent or repeated requests with one key create one record;
// a repeat returns that record as it is now (see keyedConnection for the
// errors of a key used before).
func (s *Store) CreateConnection(ctx context.Context, c Connection, idem *Idempotency) (Created, error) {
	var out Created
	err := s.inTx(ctx, func(tx db) error {
		now := s.now()
		if err := tx.lockOrganization(ctx, c.OrgID); err != nil {
			return err
		}
		if idem != nil {
			keyed, found, err := keyedConnection(ctx, tx, c.OrgID, idem, now)
			if found || err != nil {
				out = Created{Connection: keyed, Replayed: found}
				return err
			}
		}
		if c.Type != validate.TypeBilling {
			if err := requireBilling(ctx, tx, c.OrgID); err != nil {
				return err
			}
		}
		c.ID, c.Version, c.CreatedAt, c.UpdatedAt = newConnectionID(), 1, now, now
		c.Regions = nonNil(c.Regions)
		c.Health = Health{Status: HealthPending, Details: []HealthDetail{}}
		err := tx.savepoint(ctx, func() error {
			return tx.queryRow(ctx, `INSERT INTO connections
	(id, org_id, name, type, role_arn, account_id, billing_bucket, regions, version, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
				c.ID, c.OrgID, c.Name, c.Type, c.RoleARN, c.AccountID, c.BillingBucket, encodeRegions(c.Regions),
				c.Version, formatTime(c.CreatedAt), formatTime(c.UpdatedAt)).Scan(&c.seq)
		})
		if err != nil {
			return conflictOr(ctx, tx, c, err)
		}
		out.Connection = c
		if idem != nil {
			err = recordKey(ctx, tx, c, idem, now)
		}
		return err
	})
	if err != nil {
		return Created{}, err
	}
	return out, nil
}

// requireBilling checks the onboarding prerequisite: the management (payer)
// account is connected before any member account.
func requireBilling(ctx context.Context, tx db, orgID string) error {
	var ok bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM connections WHERE org_id = ? AND type = ?)`,
		orgID, validate.TypeBilling).Scan(&ok)
	if err == nil && !ok {
		err = ErrBillingConnectionRequired
	}
	return err
}

// Connection returns the organization's connection with the given ID. Another
// organization's connection is ErrNotFound, like a missing one.
func (s *Store) Connection(ctx context.Context, orgID, id string) (Connection, error) {
	return scanConnection(s.db.queryRow(ctx, selectConnection+` WHERE org_id = ? AND id = ?`, orgID, id))
}

// UpdateConnection loads the connection, lets change edit its Name, RoleARN,
// AccountID, BillingBucket and Regions (other fields are kept), and saves the
// result with the next version when anything differs, all in one transaction.
// An error from change is returned unchanged and nothing is written.
func (s *Store) UpdateConnection(ctx context.Context, orgID, id string, change func(*Connection) error) (Connection, error) {
	var out Connection
	err := s.inTx(ctx, func(tx db) error {
		if err := tx.lockOrganization(ctx, orgID); err != nil {
			return err
		}
		cur, err := scanConnection(tx.queryRow(ctx, selectConnection+` WHERE org_id = ? AND id = ?`, orgID, id))
		if err != nil {
			return err
		}
		next := cur
		next.Regions = slices.Clone(cur.Regions)
		if err := change(&next); err != nil {
			return err
		}
		next.ID, next.OrgID, next.Type, next.CreatedAt, next.seq = cur.ID, cur.OrgID, cur.Type, cur.CreatedAt, cur.seq
		next.Regions = nonNil(next.Regions)
		if sameContent(cur, next) {
			out = cur
			return nil
		}
		next.Version, next.UpdatedAt = cur.Version+1, s.now()
		set := `name = ?, role_arn = ?, account_id = ?, billing_bucket = ?, regions = ?, version = ?, updated_at = ?`
		if affectsHealth(cur, next) {
			set += ", " + resetHealth
			next.Health = Health{Status: HealthPending, Details: []HealthDetail{}, CheckedAt: cur.Health.CheckedAt,
				LastHealthyAt: cur.Health.LastHealthyAt, PolicyVersion: cur.Health.PolicyVersion}
		}
		err = tx.savepoint(ctx, func() error {
			_, err := tx.exec(ctx, `UPDATE connections SET `+set+` WHERE seq = ?`,
				next.Name, next.RoleARN, next.AccountID, next.BillingBucket, encodeRegions(next.Regions),
				next.Version, formatTime(next.UpdatedAt), next.seq)
			return err
		})
		if err != nil {
			return conflictOr(ctx, tx, next, err)
		}
		out = next
		return nil
	})
	return out, err
}

// affectsHealth reports whether a change makes the last health check moot:
// another role, other regions, or another billing policy to verify.
func affectsHealth(a, b Connection) bool {
	return a.RoleARN != b.RoleARN || a.BillingBucket != b.BillingBucket || !slices.Equal(a.Regions, b.Regions)
}

// sameContent reports whether a and b differ in nothing an update can change.
func sameContent(a, b Connection) bool {
	return a.Name == b.Name && a.RoleARN == b.RoleARN && a.AccountID == b.AccountID &&
		a.BillingBucket == b.BillingBucket && slices.Equal(a.Regions, b.Regions)
}

// DeleteConnection removes the organization's connection with the given ID.
// The organization's last billing connection cannot go while resource
// connections remain (*ResourceConnectionsExistError). The check and the
// delete share one immediate transaction, so a resource connection created
// concurrently is either seen by the check or refused for want of billing
// (in PostgreSQL, both take the organization's lock first).
func (s *Store) DeleteConnection(ctx context.Context, orgID, id string) error {
	return s.inTx(ctx, func(tx db) error {
		if err := tx.lockOrganization(ctx, orgID); err != nil {
			return err
		}
		var typ string
		err := tx.queryRow(ctx, `SELECT type FROM connections WHERE org_id = ? AND id = ?`, orgID, id).Scan(&typ)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		}
		if typ == validate.TypeBilling {
			if err := requireNoDependents(ctx, tx, orgID, id); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `DELETE FROM connections WHERE org_id = ? AND id = ?`, orgID, id)
		return err
	})
}

// requireNoDependents refuses to delete billing connection id when it is the
// organization's last and resource connections depend on it.
func requireNoDependents(ctx context.Context, tx db, orgID, id string) error {
	rows, err := tx.query(ctx, `SELECT id, name, COUNT(*) OVER () FROM connections
	WHERE org_id = @org AND type = @resource
	  AND NOT EXISTS (SELECT 1 FROM connections WHERE org_id = @org AND type = @billing AND id <> @id)
	ORDER BY seq LIMIT @limit`,
		sql.Named("org", orgID), sql.Named("id", id), sql.Named("resource", validate.TypeResource),
		sql.Named("billing", validate.TypeBilling), sql.Named("limit", MaxListedResourceConnections))
	if err != nil {
		return err
	}
	defer rows.Close()
	var refused ResourceConnectionsExistError
	for rows.Next() {
		var ref ConnectionRef
		if err := rows.Scan(&ref.ID, &ref.Name, &refused.Total); err != nil {
			return err
		}
		refused.Connections = append(refused.Connections, ref)
	}
	if err := rows.Err(); err != nil || refused.Total == 0 {
		return err
	}
	return &refused
}

// connectionColumns are the columns scanConnection reads, in its order.
const connectionColumns = `seq, id, org_id, name, type, role_arn, account_id, billing_bucket, regions, version, created_at, updated_at, ` +
	healthColumns + `, next_check_at`

const selectConnection = `SELECT ` + connectionColumns + ` FROM connections`

// scanConnection reads one row of connectionColumns from a *sql.Row or *sql.Rows.
func scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var (
		c                                                      Connection
		regions, created, updated, nextCheck                   string
		status, checkedAt, lastHealthyAt, policyVersion, notes string
	)
	err := row.Scan(&c.seq, &c.ID, &c.OrgID, &c.Name, &c.Type, &c.RoleARN, &c.AccountID, &c.BillingBucket,
		&regions, &c.Version, &created, &updated, &status, &checkedAt, &lastHealthyAt, &policyVersion, &notes,
		&c.Health.Checks, &nextCheck)
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	if err != nil {
		return Connection{}, err
	}
	if c.CreatedAt, err = parseTime(created); err != nil {
		return Connection{}, err
	}
	if c.UpdatedAt, err = parseTime(updated); err != nil {
		return Connection{}, err
	}
	if err := json.Unmarshal([]byte(regions), &c.Regions); err != nil {
		return Connection{}, err
	}
	c.Regions = nonNil(c.Regions)
	if nextCheck != "" {
		if c.NextCheckAt, err = time.Parse(scheduleFormat, nextCheck); err != nil {
			return Connection{}, err
		}
	}
	checks := c.Health.Checks
	c.Health, err = scanHealth(status, checkedAt, lastHealthyAt, policyVersion, notes)
	c.Health.Checks = checks
	return c, err
}

// scanConnections reads every row of connectionColumns and closes rows.
func scanConnections(rows *sql.Rows) ([]Connection, error) {
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

func encodeRegions(regions []string) string {
	b, _ := json.Marshal(nonNil(regions)) // a []string always marshals
	return string(b)
}

// nonNil returns s, or an empty slice for nil, so JSON shows [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
