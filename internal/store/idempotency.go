package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Idempotency ties a create to a key the client chose, so that a retried
// request replays the first response instead of creating a second record.
type Idempotency struct {
	Key         string
	RequestHash string // identifies the request; the same key with another hash is refused
	// Render produces the response to keep for replays. It runs inside the
	// creating transaction and must not use the store.
	Render func(Connection) (Response, error)
}

// Response is an HTTP response kept for replaying an idempotent request.
type Response struct {
	Status int
	Body   []byte
}

// storedResponse looks up an idempotency key of the organization.
func storedResponse(ctx context.Context, tx *sql.Tx, orgID string, idem *Idempotency) (Response, bool, error) {
	var (
		hash string
		resp Response
	)
	err := tx.QueryRowContext(ctx, `SELECT request_hash, status, response FROM idempotency_keys WHERE org_id = ? AND key = ?`,
		orgID, idem.Key).Scan(&hash, &resp.Status, &resp.Body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Response{}, false, nil
	case err != nil:
		return Response{}, false, err
	case hash != idem.RequestHash:
		return Response{}, false, ErrIdempotencyKeyReused
	}
	return resp, true, nil
}

// recordResponse renders the response to c and keeps it under the key.
func recordResponse(ctx context.Context, tx *sql.Tx, c Connection, idem *Idempotency, now time.Time) (Response, error) {
	resp, err := idem.Render(c)
	if err != nil {
		return Response{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (org_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.OrgID, idem.Key, idem.RequestHash, resp.Status, resp.Body, formatTime(now))
	return resp, err
}
