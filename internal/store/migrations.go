package store

import (
	"context"
	"fmt"
)

// migration is one step of the schema. Steps are applied in order, each in
// its own transaction, and recorded in schema_migrations; never edit a step
// that has shipped, append a new one, to each dialect's list under the same
// version (PostgreSQL's list starts at version 5 with the whole schema of
// then, since no PostgreSQL database predates it).
type migration struct {
	version int
	name    string
	sql     string
}

var sqliteMigrations = []migration{
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
	{5, "health checks scheduled and leased", scheduling},
	{6, "console sessions", `
CREATE TABLE console_sessions (
	id_hash      TEXT PRIMARY KEY,
	sealed_key   BLOB NOT NULL,
	org_name     TEXT NOT NULL,
	can_write    INTEGER NOT NULL CHECK (can_write IN (0, 1)),
	csrf_token   TEXT NOT NULL,
	flash        TEXT NOT NULL DEFAULT '',
	signed_in_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at   TEXT NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);`},
}

// scheduling adds the columns by which replicas share the periodic checks:
// when each connection is next due, and which replica holds its check until
// when (see ClaimDueChecks).
const scheduling = `
ALTER TABLE connections ADD COLUMN next_check_at TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN check_lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN check_lease_expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN health_checks INTEGER NOT NULL DEFAULT 0;
CREATE INDEX connections_next_check_at ON connections (next_check_at);`

// postgresMigrations are the schema in PostgreSQL: the tables and columns of
// SQLite's, so that one set of statements serves both. Times are RFC 3339
// text in UTC, as in SQLite, which orders them as it orders the times.
var postgresMigrations = []migration{
	{5, "initial schema", `
CREATE TABLE organizations (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	external_id TEXT NOT NULL UNIQUE,
	created_at  TEXT NOT NULL
);
CREATE TABLE api_keys (
	-- Named as SQLite's implicit rowid: keys are listed in creation order in both.
	rowid        BIGINT GENERATED ALWAYS AS IDENTITY,
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	hash         TEXT NOT NULL UNIQUE,
	scopes       TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL DEFAULT '',
	revoked_at   TEXT NOT NULL DEFAULT '',
	last_used_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE connections (
	seq                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                     TEXT NOT NULL UNIQUE,
	org_id                 TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	name                   TEXT NOT NULL,
	type                   TEXT NOT NULL CHECK (type IN ('resource', 'billing')),
	role_arn               TEXT NOT NULL,
	account_id             TEXT NOT NULL,
	billing_bucket         TEXT NOT NULL DEFAULT '',
	regions                TEXT NOT NULL DEFAULT '[]',
	version                BIGINT NOT NULL DEFAULT 1,
	created_at             TEXT NOT NULL,
	updated_at             TEXT NOT NULL,
	health_status          TEXT NOT NULL DEFAULT 'pending' CHECK (health_status IN ('pending', 'healthy', 'unhealthy')),
	health_checked_at      TEXT NOT NULL DEFAULT '',
	health_last_healthy_at TEXT NOT NULL DEFAULT '',
	health_policy_version  TEXT NOT NULL DEFAULT '',
	health_details         TEXT NOT NULL DEFAULT '[]',
	UNIQUE (org_id, name),
	UNIQUE (org_id, account_id, type)
);
CREATE INDEX connections_health_checked_at ON connections (health_checked_at);
CREATE TABLE idempotency_keys (
	org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
	key           TEXT NOT NULL,
	request_hash  TEXT NOT NULL,
	status        INTEGER NOT NULL,
	response      BYTEA NOT NULL,
	created_at    TEXT NOT NULL,
	connection_id TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (org_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE TABLE audit_log (
	seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         TEXT NOT NULL,
	org_id     TEXT NOT NULL,
	key_id     TEXT NOT NULL,
	method     TEXT NOT NULL,
	route      TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	status     INTEGER NOT NULL,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);` + scheduling},
	{6, "console sessions", `
CREATE TABLE console_sessions (
	id_hash      TEXT PRIMARY KEY,
	sealed_key   BYTEA NOT NULL,
	org_name     TEXT NOT NULL,
	can_write    BOOLEAN NOT NULL,
	csrf_token   TEXT NOT NULL,
	flash        TEXT NOT NULL DEFAULT '',
	signed_in_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at   TEXT NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);`},
}

// migrate applies the migrations the database has not seen yet, on one
// connection that holds the dialect's migration lock throughout, so that
// replicas starting together apply every step exactly once. (In SQLite the
// version check runs inside each step's immediate transaction, which holds
// the file's write lock.)
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	h := db{q: conn, d: s.dialect, statements: &s.statements}
	if s.dialect.lockMigrations != "" {
		if _, err := h.exec(ctx, s.dialect.lockMigrations); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		defer h.exec(context.WithoutCancel(ctx), s.dialect.unlockMigrations) //nolint:errcheck // closing the session releases it too
	}
	if _, err := h.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`); err != nil {
		return err
	}
	for _, m := range s.dialect.migrations {
		err := inTx(ctx, conn, h, func(tx db) error {
			var applied bool
			if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.version).Scan(&applied); err != nil || applied {
				return err
			}
			if _, err := tx.exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
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
	err := s.db.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// LatestSchemaVersion is the schema version Open migrates a database to.
func LatestSchemaVersion() int { return sqliteMigrations[len(sqliteMigrations)-1].version }
