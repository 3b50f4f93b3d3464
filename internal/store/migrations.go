package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one step of the schema. Steps are applied in order, each in
// its own transaction, and recorded in schema_migrations; never edit a step
// that has shipped, append a new one.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations = []migration{
	{1, "initial schema", `
CREATE TABLE organizations (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	external_id TEXT NOT NULL UNIQUE,
	created_at  TEXT NOT NULL
);
CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE,
	scopes     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE connections (
	seq            INTEGER PRIMARY KEY AUTOINCREMENT,
	id             TEXT NOT NULL UNIQUE,
	org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	name           TEXT NOT NULL,
	type           TEXT NOT NULL CHECK (type IN ('resource', 'billing')),
	role_arn       TEXT NOT NULL,
	account_id     TEXT NOT NULL,
	billing_bucket TEXT NOT NULL DEFAULT '',
	regions        TEXT NOT NULL DEFAULT '[]',
	version        INTEGER NOT NULL DEFAULT 1,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	UNIQUE (org_id, name),
	UNIQUE (org_id, account_id, type)
);
CREATE TABLE idempotency_keys (
	org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       INTEGER NOT NULL,
	response     BLOB NOT NULL,
	created_at   TEXT NOT NULL,
	PRIMARY KEY (org_id, key)
);`},
	{2, "connection health", `
ALTER TABLE connections ADD COLUMN health_status TEXT NOT NULL DEFAULT 'pending'
	CHECK (health_status IN ('pending', 'healthy', 'unhealthy'));
ALTER TABLE connections ADD COLUMN health_checked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN health_last_healthy_at TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN health_policy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN health_details TEXT NOT NULL DEFAULT '[]';
CREATE INDEX connections_health_checked_at ON connections (health_checked_at);`},
	{3, "idempotency keys name their connection and expire", `
ALTER TABLE idempotency_keys ADD COLUMN connection_id TEXT NOT NULL DEFAULT '';
UPDATE idempotency_keys SET connection_id = COALESCE(json_extract(CAST(response AS TEXT), '$.id'), '');
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);`},
	{4, "API key lifecycle and audit log", `
ALTER TABLE api_keys ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT NOT NULL DEFAULT '';
-- No foreign keys: an audit record outlives what it names.
CREATE TABLE audit_log (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	at         TEXT NOT NULL,
	org_id     TEXT NOT NULL,
	key_id     TEXT NOT NULL,
	method     TEXT NOT NULL,
	route      TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	status     INTEGER NOT NULL,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);`},
}

// migrate applies the migrations the database has not seen yet. The version
// check runs inside each step's immediate transaction, so two processes
// migrating the same file at once apply every step exactly once.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`); err != nil {
		return err
	}
	for _, m := range migrations {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var applied bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.version).Scan(&applied); err != nil || applied {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, formatTime(s.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// SchemaVersion reports the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// LatestSchemaVersion is the schema version Open migrates a database to.
func LatestSchemaVersion() int { return migrations[len(migrations)-1].version }
