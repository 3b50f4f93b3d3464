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

// APIKey is what the store keeps about a key: never the key itself.
type APIKey struct {
	ID        string
	OrgID     string
	Scopes    []string
	CreatedAt time.Time
}

// HasScope reports whether the key carries scope.
func (k APIKey) HasScope(scope string) bool { return slices.Contains(k.Scopes, scope) }

// CreateAPIKey creates a key for the organization and returns the secret
// token to hand to the user; only its hash is stored.
func (s *Store) CreateAPIKey(ctx context.Context, orgID string, scopes []string) (string, APIKey, error) {
	if err := CheckScopes(scopes); err != nil {
		return "", APIKey{}, err
	}
	token := newAPIKeyToken()
	key := APIKey{ID: newAPIKeyID(), OrgID: orgID, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))), CreatedAt: s.now()}
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
		key.ID, key.OrgID, hashToken(token), strings.Join(key.Scopes, " "), formatTime(key.CreatedAt))
	if err != nil {
		return "", APIKey{}, fmt.Errorf("create API key: %w", err)
	}
	return token, key, nil
}

// APIKeyByToken returns the key whose secret is token, or ErrNotFound.
func (s *Store) APIKeyByToken(ctx context.Context, token string) (APIKey, error) {
	var (
		key             APIKey
		scopes, created string
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, org_id, scopes, created_at FROM api_keys WHERE hash = ?`, hashToken(token)).
		Scan(&key.ID, &key.OrgID, &scopes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, ErrNotFound
	}
	if err != nil {
		return APIKey{}, err
	}
	key.Scopes = strings.Fields(scopes)
	key.CreatedAt, err = parseTime(created)
	return key, err
}
