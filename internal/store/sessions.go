package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SessionRecord is a signed-in console session as the database holds it,
// shared by every replica. The store never sees a session's ID nor its API
// key: the console names the row by a hash of the ID and hands over the key
// already sealed (see console.NewDatabaseSessions).
type SessionRecord struct {
	IDHash     string // names the row; the ID itself stays in the browser's cookie
	SealedKey  []byte // the session's API key, sealed by the console
	OrgName    string
	CanWrite   bool
	CSRFToken  string
	Flash      string // a one-time message for the session's next page
	SignedInAt time.Time
	LastSeenAt time.Time
	// ExpiresAt is when the session ends unless it is used again; rows past
	// it are deleted by the next PutSession.
	ExpiresAt time.Time
}

const selectSession = `SELECT id_hash, sealed_key, org_name, can_write, csrf_token, flash, signed_in_at, last_seen_at, expires_at
	FROM console_sessions`

// PutSession saves rec, replacing the session with the same IDHash, and
// deletes every session that has expired by now (rec too, if it has): the
// sessions of browsers that never sign out do not pile up.
func (s *Store) PutSession(ctx context.Context, rec SessionRecord) error {
	_, err := s.db.exec(ctx, `INSERT INTO console_sessions
	(id_hash, sealed_key, org_name, can_write, csrf_token, flash, signed_in_at, last_seen_at, expires_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id_hash) DO UPDATE SET sealed_key = excluded.sealed_key, org_name = excluded.org_name,
		can_write = excluded.can_write, csrf_token = excluded.csrf_token, flash = excluded.flash,
		signed_in_at = excluded.signed_in_at, last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at`,
		rec.IDHash, rec.SealedKey, rec.OrgName, rec.CanWrite, rec.CSRFToken, rec.Flash,
		formatTime(rec.SignedInAt), formatTime(rec.LastSeenAt), formatTime(rec.ExpiresAt))
	if err != nil {
		return fmt.Errorf("save console session: %w", err)
	}
	if _, err := s.db.exec(ctx, `DELETE FROM console_sessions WHERE expires_at < ?`, formatTime(s.now())); err != nil {
		return fmt.Errorf("delete expired console sessions: %w", err)
	}
	return nil
}

// SessionByHash returns the session whose ID hashes to idHash, or
// ErrNotFound. Whether it has expired is the caller's to judge.
func (s *Store) SessionByHash(ctx context.Context, idHash string) (SessionRecord, error) {
	var (
		rec                         SessionRecord
		signedIn, lastSeen, expires string
	)
	err := s.db.queryRow(ctx, selectSession+` WHERE id_hash = ?`, idHash).Scan(
		&rec.IDHash, &rec.SealedKey, &rec.OrgName, &rec.CanWrite, &rec.CSRFToken, &rec.Flash, &signedIn, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return SessionRecord{}, ErrNotFound
	}
	if err != nil {
		return SessionRecord{}, fmt.Errorf("read console session: %w", err)
	}
	for _, t := range []struct {
		dst *time.Time
		s   string
	}{{&rec.SignedInAt, signedIn}, {&rec.LastSeenAt, lastSeen}, {&rec.ExpiresAt, expires}} {
		if err == nil {
			*t.dst, err = parseTime(t.s)
		}
	}
	if err != nil {
		return SessionRecord{}, fmt.Errorf("read console session: %w", err)
	}
	return rec, nil
}

// DeleteSession deletes the session whose ID hashes to idHash; deleting a
// missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.exec(ctx, `DELETE FROM console_sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}
