package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// IdempotencyKeyTTL is how long an idempotency key is kept: a create retried
// or replayed within it returns the connection it created; after it, the key
// is forgotten and a create with it is a new request. A day covers a client's
// retries and the next apply after an interrupted one, and keeps the table
// small.
const IdempotencyKeyTTL = 24 * time.Hour

// Idempotency ties a create to a key the client chose, so that a retried
// request returns the connection the first one created instead of creating a
// second record.
type Idempotency struct {
	Key         string
	RequestHash string // identifies the request; the same key with another hash is refused
}

// keyedConnection looks up a live idempotency key of the organization and
// returns the connection it created. It fails with *IdempotencyKeyReusedError
// when the key came with another request, and *KeyedConnectionDeletedError
// when its connection has been deleted since. Expired keys of the
// organization are forgotten first.
func keyedConnection(ctx context.Context, tx db, orgID string, idem *Idempotency, now time.Time) (Connection, bool, error) {
	if _, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE org_id = ? AND created_at < ?`,
		orgID, formatTime(now.Add(-IdempotencyKeyTTL))); err != nil {
		return Connection{}, false, err
	}
	var hash, id string
	err := tx.queryRow(ctx, `SELECT request_hash, connection_id FROM idempotency_keys WHERE org_id = ? AND key = ?`,
		orgID, idem.Key).Scan(&hash, &id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Connection{}, false, nil
	case err != nil:
		return Connection{}, false, err
	}
	c, err := scanConnection(tx.queryRow(ctx, selectConnection+` WHERE org_id = ? AND id = ?`, orgID, id))
	switch {
	case errors.Is(err, ErrNotFound):
		return Connection{}, false, &KeyedConnectionDeletedError{ConnectionID: id}
	case err != nil:
		return Connection{}, false, err
	case hash != idem.RequestHash:
		return Connection{}, false, &IdempotencyKeyReusedError{ConnectionID: id}
	}
	return c, true, nil
}

// recordKey keeps the key of the create that made c.
func recordKey(ctx context.Context, tx db, c Connection, idem *Idempotency, now time.Time) error {
	// status and response are schema 1's stored reply, kept for its NOT NULL
	// constraint: replays serve the connection as it is now instead.
	_, err := tx.exec(ctx, `INSERT INTO idempotency_keys (org_id, key, request_hash, connection_id, status, response, created_at)
	VALUES (?, ?, ?, ?, 201, ?, ?)`, c.OrgID, idem.Key, idem.RequestHash, c.ID, []byte{}, formatTime(now))
	return err
}
