package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Organization is a customer of the platform; every other record belongs to one.
type Organization struct {
	ID         string
	Name       string
	ExternalID string // the sts:ExternalId the organization's roles must require
	CreatedAt  time.Time
}

// EnsureOrganization returns the organization called name, creating it (with
// a new external ID) when it does not exist yet.
func (s *Store) EnsureOrganization(ctx context.Context, name string) (Organization, error) {
	if strings.TrimSpace(name) != name || name == "" {
		return Organization{}, fmt.Errorf("organization name %q is not valid: it must be non-empty without surrounding spaces", name)
	}
	var org Organization
	err := s.inTx(ctx, func(tx db) error {
		if _, err := tx.exec(ctx,
			`INSERT INTO organizations (id, name, external_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			newOrganizationID(), name, newExternalID(), formatTime(s.now())); err != nil {
			return err
		}
		var err error
		org, err = scanOrganization(tx.queryRow(ctx, selectOrganization+` WHERE name = ?`, name))
		return err
	})
	return org, err
}

// Organization returns the organization with the given ID.
func (s *Store) Organization(ctx context.Context, id string) (Organization, error) {
	return scanOrganization(s.db.queryRow(ctx, selectOrganization+` WHERE id = ?`, id))
}

const selectOrganization = `SELECT id, name, external_id, created_at FROM organizations`

func scanOrganization(row *sql.Row) (Organization, error) {
	var (
		org     Organization
		created string
	)
	err := row.Scan(&org.ID, &org.Name, &org.ExternalID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Organization{}, ErrNotFound
	}
	if err != nil {
		return Organization{}, err
	}
	org.CreatedAt, err = parseTime(created)
	return org, err
}
