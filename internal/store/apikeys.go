package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// API key scopes. Write does not imply read.
const (
	ScopeConnectionsRead  = "connections:read"
	ScopeConnectionsWrite = "connections:write"
)

// Scopes lists every scope a key can carry.
var Scopes = []string{ScopeConnectionsRead, ScopeConnectionsWrite}

// CheckScopes reports an error unless scopes is a non-empty list of known scopes.
func CheckScopes(scopes []string) error {
	if len(scopes) == 0 {
		return fmt.Errorf("no scopes given: use one or more of %s", strings.Join(Scopes, ", "))
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return fmt.Errorf("unknown scope %q: use one or more of %s", sc, strings.Join(Scopes, ", "))
		}
	}
	return nil
}

// LastUsedGranularity is how stale a key's LastUsedAt may get: a request
// records its key's use only when the last record is older, so a busy key
// costs one write a minute rather than one per request.
const LastUsedGranularity = time.Minute

// APIKey is what the store keeps about a key: never the key itself.
type APIKey struct {
	ID         string
	OrgID      string
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: the key never expires
	RevokedAt  time.Time // zero: not revoked
	LastUsedAt time.Time // zero: never used; at most LastUsedGranularity stale
}

// HasScope reports whether the key carries scope.
func (k APIKey) HasScope(scope string) bool { return slices.Contains(k.Scopes, scope) }

// KeyOption sets an optional property of a new API key.
type KeyOption func(*APIKey)

// WithExpiry makes a new key stop working at t.
func WithExpiry(t time.Time) KeyOption {
	return func(k *APIKey) { k.ExpiresAt = t.UTC().Truncate(time.Second) }
}

// KeyRevokedError refuses a key that was revoked.
type KeyRevokedError struct {
	KeyID     string
	RevokedAt time.Time
}

func (e *KeyRevokedError) Error() string {
	return fmt.Sprintf("API key %s was revoked at %s", e.KeyID, formatTime(e.RevokedAt))
}

// KeyExpiredError refuses a key past its expiry.
type KeyExpiredError struct {
	KeyID     string
	ExpiresAt time.Time
}

func (e *KeyExpiredError) Error() string {
	return fmt.Sprintf("API key %s expired at %s", e.KeyID, formatTime(e.ExpiresAt))
}

// CreateAPIKey creates a key for the organization and returns the secret
// token to hand to the user; only its hash is stored. An expiry must lie in
// the future.
func (s *Store) CreateAPIKey(ctx context.Context, orgID string, scopes []string, opts ...KeyOption) (string, APIKey, error) {
	if err := CheckScopes(scopes); err != nil {
		return "", APIKey{}, err
	}
	key := APIKey{ID: newAPIKeyID(), OrgID: orgID, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))), CreatedAt: s.now()}
	for _, opt := range opts {
		opt(&key)
	}
	if !key.ExpiresAt.IsZero() && !key.ExpiresAt.After(key.CreatedAt) {
		return "", APIKey{}, fmt.Errorf("expiry %s is not in the future", formatTime(key.ExpiresAt))
	}
	token := newAPIKeyToken()
	_, err := s.db.exec(ctx, `INSERT INTO api_keys (id, org_id, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		key.ID, key.OrgID, hashToken(token), strings.Join(key.Scopes, " "), formatTime(key.CreatedAt), formatOptionalTime(key.ExpiresAt))
	if err != nil {
		return "", APIKey{}, fmt.Errorf("create API key: %w", err)
	}
	return token, key, nil
}

// APIKeyByToken returns the key whose secret is token, or ErrNotFound,
// whether or not it is revoked or expired: AuthenticateAPIKey checks that.
func (s *Store) APIKeyByToken(ctx context.Context, token string) (APIKey, error) {
	key, err := scanAPIKey(s.db.queryRow(ctx, selectAPIKey+` WHERE k.hash = ?`, hashToken(token)))
	return key.APIKey, err
}

// AuthenticateAPIKey returns the key whose secret is token if it may be
// used now: ErrNotFound for an unknown token, *KeyRevokedError or
// *KeyExpiredError for one that may no longer be used. Nothing is cached,
// so a revocation takes effect on the next request.
func (s *Store) AuthenticateAPIKey(ctx context.Context, token string) (APIKey, error) {
	key, err := s.APIKeyByToken(ctx, token)
	switch {
	case err != nil:
		return APIKey{}, err
	case !key.RevokedAt.IsZero():
		return APIKey{}, &KeyRevokedError{KeyID: key.ID, RevokedAt: key.RevokedAt}
	case !key.ExpiresAt.IsZero() && !s.now().Before(key.ExpiresAt):
		return APIKey{}, &KeyExpiredError{KeyID: key.ID, ExpiresAt: key.ExpiresAt}
	}
	return key, nil
}

// TouchAPIKey records that key, as AuthenticateAPIKey returned it, was
// used now; it writes only when the recorded use is LastUsedGranularity old.
func (s *Store) TouchAPIKey(ctx context.Context, key APIKey) error {
	now := s.now()
	if now.Sub(key.LastUsedAt) < LastUsedGranularity {
		return nil
	}
	// Matching the old value lets one of several concurrent requests write.
	_, err := s.db.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at = ?`,
		formatTime(now), key.ID, formatOptionalTime(key.LastUsedAt))
	if err != nil {
		return fmt.Errorf("record use of API key %s: %w", key.ID, err)
	}
	return nil
}

// RevokeAPIKey revokes the key with the given ID, or returns ErrNotFound.
// Revoking a revoked key changes nothing and reports already true; the key
// returned carries the time of the first revocation.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) (key KeyListing, already bool, err error) {
	err = s.inTx(ctx, func(tx db) error {
		key, err = scanAPIKey(tx.queryRow(ctx, selectAPIKey+` WHERE k.id = ?`, id))
		if err != nil {
			return err
		}
		already = !key.RevokedAt.IsZero()
		if already {
			return nil
		}
		key.RevokedAt = s.now()
		_, err = tx.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, formatTime(key.RevokedAt), id)
		return err
	})
	return key, already, err
}

// KeyListing is a key as an operator lists it, with its organization's name.
type KeyListing struct {
	APIKey
	OrgName string
}

// ListAPIKeys returns the keys of the organization called orgName, or of
// every organization when orgName is "", by organization then creation. An
// unknown organization is ErrNotFound.
func (s *Store) ListAPIKeys(ctx context.Context, orgName string) ([]KeyListing, error) {
	if err := s.checkOrganizationName(ctx, orgName); err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, selectAPIKey+` WHERE @org = '' OR o.name = @org ORDER BY o.name, k.rowid`,
		sql.Named("org", orgName))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := []KeyListing{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// checkOrganizationName returns ErrNotFound unless name is "" (any
// organization) or names an organization.
func (s *Store) checkOrganizationName(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	var exists bool
	if err := s.db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organizations WHERE name = ?)`, name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("organization %q: %w", name, ErrNotFound)
	}
	return nil
}

const selectAPIKey = `SELECT k.id, k.org_id, o.name, k.scopes, k.created_at, k.expires_at, k.revoked_at, k.last_used_at
	FROM api_keys k JOIN organizations o ON o.id = k.org_id`

func scanAPIKey(row interface{ Scan(...any) error }) (KeyListing, error) {
	var (
		k                                       KeyListing
		scopes, created, expires, revoked, used string
	)
	err := row.Scan(&k.ID, &k.OrgID, &k.OrgName, &scopes, &created, &expires, &revoked, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return KeyListing{}, ErrNotFound
	}
	if err != nil {
		return KeyListing{}, err
	}
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt, err = parseTime(created)
	for _, t := range []struct {
		dst *time.Time
		s   string
	}{{&k.ExpiresAt, expires}, {&k.RevokedAt, revoked}, {&k.LastUsedAt, used}} {
		if err == nil {
			*t.dst, err = parseOptionalTime(t.s)
		}
	}
	return k, err
}

// formatOptionalTime stores an unset time as "", which parseOptionalTime reads back.
func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}
