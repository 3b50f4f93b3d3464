// Package store persists the connection service's organizations, API keys,
// connections and idempotency records in SQLite (modernc.org/sqlite, no cgo).
package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a handle on the service's database. It is safe for concurrent use.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// dsnParams apply to every connection the pool opens. WAL lets readers in
// other processes (keys create, migrate) work beside the server; immediate
// transactions take the write lock up front, so a check-then-insert inside
// one transaction cannot race another writer, and busy_timeout makes such
// writers wait instead of failing.
const dsnParams = "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"

// Open opens (creating if needed) the database at path, restricts the file
// to its owner and applies any pending schema migrations.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("database path %q is not valid: give a file name without '?'", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", path+dsnParams)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// One connection serialises all access within the process: SQLite has a
	// single writer anyway, and this rules out SQLITE_BUSY between our own
	// requests when many clients write at once.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, now: func() time.Time { return time.Now().UTC().Truncate(time.Second) }}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	return s, nil
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
func (s *Store) Close() error { return s.db.Close() }

// inTx runs fn in one (immediate) transaction, committing when fn returns
// nil and rolling back otherwise; fn's error is returned unchanged.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// timeFormat is how timestamps are stored: RFC 3339 in UTC, whole seconds.
const timeFormat = time.RFC3339

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }
