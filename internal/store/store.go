// Package store persists the connection service's organizations, API keys,
// connections and idempotency records in SQLite (modernc.org/sqlite, no cgo),
// the embedded default, or PostgreSQL (pgx), which several replicas of the
// service share. Every rule that must hold across replicas (uniqueness,
// idempotency keys, versions, the billing prerequisite, health-check leases)
// is a constraint or a transaction here, never a lock in the process.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a handle on the service's database. It is safe for concurrent use.
type Store struct {
	pool       *sql.DB
	db         db // pool, in the dialect's terms
	dialect    *dialect
	now        func() time.Time
	statements atomic.Int64
}

// postgresPoolSize bounds one store's connections to PostgreSQL: the
// service's requests and health checks are short statements, and several
// replicas share the server's max_connections (100 by default).
const postgresPoolSize = 16

// Open opens the database named by dsn and applies any pending schema
// migrations: a PostgreSQL URL (postgres://user:password@host:5432/db?sslmode=verify-full)
// or a SQLite file path, created if missing.
func Open(dsn string) (*Store, error) {
	if isPostgresURL(dsn) {
		return openPostgres(dsn)
	}
	return openSQLite(dsn)
}

// Describe names the database of dsn for logs and messages: a PostgreSQL
// URL without its password, or the SQLite file.
func Describe(dsn string) string {
	if !isPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "a PostgreSQL URL that does not parse"
	}
	return u.Redacted()
}

func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres connects to PostgreSQL. Errors name the database without its
// password.
func openPostgres(dsn string) (*Store, error) {
	if _, err := url.Parse(dsn); err != nil {
		return nil, errors.New("the PostgreSQL URL is not valid: give postgres://user:password@host:5432/db")
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", Describe(dsn), err)
	}
	pool.SetMaxOpenConns(postgresPoolSize)
	pool.SetMaxIdleConns(postgresPoolSize)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	s := newStore(pool, postgresDialect)
	if err := s.migrate(context.Background()); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate database %s: %w", Describe(dsn), err)
	}
	return s, nil
}

func newStore(pool *sql.DB, d *dialect) *Store {
	s := &Store{pool: pool, dialect: d, now: func() time.Time { return time.Now().UTC().Truncate(time.Second) }}
	s.db = db{q: pool, d: d, statements: &s.statements}
	return s
}

// Statements is how many SQL statements the store has run: a measure of the
// database work an operation costs.
func (s *Store) Statements() int64 { return s.statements.Load() }

// dsnParams apply to every connection the pool opens. WAL lets readers in
// other processes (keys create, migrate) work beside the server; immediate
// transactions take the write lock up front, so a check-then-insert inside
// one transaction cannot race another writer, and busy_timeout makes such
// writers wait instead of failing.
const dsnParams = "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"

// openSQLite opens (creating if needed) the database at path, restricts the
// file to its owner and applies any pending schema migrations.
func openSQLite(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("database path %q is not valid: give a file name without '?'", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	pool, err := sql.Open("sqlite", path+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// One connection serialises all access within the process: SQLite has a
	// single writer anyway, and this rules out SQLITE_BUSY between our own
	// requests when many clients write at once.
	pool.SetMaxOpenConns(1)
	if err := connectSQLite(pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := newStore(pool, sqliteDialect)
	if err := s.migrate(context.Background()); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	return s, nil
}

// connectSQLite opens the pool's connection. Its pragmas switch a new file
// to WAL, which needs the file to itself: a process opening the same new
// file at that moment gets SQLITE_BUSY, which busy_timeout does not cover,
// so the connection is retried for as long as busy_timeout would wait.
func connectSQLite(pool *sql.DB) error {
	_, err := backoff.Retry(context.Background(), func() (struct{}, error) {
		err := pool.PingContext(context.Background())
		if err != nil && !sqliteBusy(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(backoff.NewExponentialBackOff()), backoff.WithMaxElapsedTime(5*time.Second))
	return err
}

// createPrivate creates the database file with mode 0600: it holds API key
// hashes and external IDs. SQLite gives its -wal and -shm files the same mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	// The umask may have narrowed the mode, and an existing file may be wider.
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("restrict database file: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.pool.Close() }

// inTx runs fn in one transaction (immediate, in SQLite), committing when fn
// returns nil and rolling back otherwise; fn's error is returned unchanged.
func (s *Store) inTx(ctx context.Context, fn func(tx db) error) error {
	return inTx(ctx, s.pool, s.db, fn)
}

// inTx runs fn in a transaction begun on b, with h's dialect and counter.
func inTx(ctx context.Context, b interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, h db, fn func(tx db) error) error {
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	h.q = tx
	if err := fn(h); err != nil {
		return err
	}
	return tx.Commit()
}

// timeFormat is how timestamps are stored: RFC 3339 in UTC, whole seconds.
const timeFormat = time.RFC3339

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }
