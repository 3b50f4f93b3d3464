package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestKeyLifecycleMigration upgrades a database written before API keys
// could expire or be revoked: its keys keep working, never expire, and can
// be revoked and audited afterwards.
func TestKeyLifecycleMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "costlink.db")

	all := sqliteDialect.migrations
	sqliteDialect.migrations = all[:3] // versions 1-3: the schema before key lifecycle
	old, err := Open(path)
	sqliteDialect.migrations = all
	if err != nil {
		t.Fatal(err)
	}
	org := testOrg(t, old, "acme")
	token := "clk_" + randomHex(20)
	if _, err := old.db.exec(ctx, `INSERT INTO api_keys (id, org_id, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
		"key_old", org.ID, hashToken(token), ScopeConnectionsRead, formatTime(old.now())); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("migrating the old database: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != LatestSchemaVersion() {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	key, err := s.AuthenticateAPIKey(ctx, token)
	if err != nil || key.ID != "key_old" || !key.ExpiresAt.IsZero() || !key.RevokedAt.IsZero() || !key.HasScope(ScopeConnectionsRead) {
		t.Fatalf("the old key after migration: %+v, %v", key, err)
	}
	if err := s.TouchAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAudit(ctx, AuditRecord{OrgID: org.ID, KeyID: key.ID, Method: "DELETE", Route: "/v1/aws/connections/{id}", Status: 204}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RevokeAPIKey(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, token); err == nil {
		t.Error("the old key still works after revocation")
	}
}
