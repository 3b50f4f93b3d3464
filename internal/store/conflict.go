package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Conflict fields: which uniqueness rule a new or changed connection broke.
const (
	ConflictName        = "name"       // the name is used by another connection of the organization
	ConflictAccountType = "account_id" // the account already has a connection of this type
)

// ConflictError reports a connection that clashes with an existing one.
type ConflictError struct {
	Field      string // ConflictName or ConflictAccountType
	ExistingID string // the connection already holding the name or account
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflicts with connection %s on %s", e.ExistingID, e.Field)
}

// conflictOr turns a unique violation caused by c into a *ConflictError
// naming the connection that holds the name or account; other errors pass.
func conflictOr(ctx context.Context, tx db, c Connection, err error) error {
	if !tx.d.uniqueViolation(err) {
		return err
	}
	var (
		existing string
		sameName bool
	)
	lookup := tx.queryRow(ctx, `SELECT id, name = @name FROM connections
	WHERE org_id = @org AND id <> @id AND (name = @name OR (account_id = @account AND type = @type))
	ORDER BY name = @name DESC LIMIT 1`,
		sql.Named("org", c.OrgID), sql.Named("id", c.ID), sql.Named("name", c.Name),
		sql.Named("account", c.AccountID), sql.Named("type", c.Type)).Scan(&existing, &sameName)
	if lookup != nil {
		return err // not one of our rules (e.g. an ID collision): report the original
	}
	field := ConflictAccountType
	if sameName {
		field = ConflictName
	}
	return &ConflictError{Field: field, ExistingID: existing}
}
