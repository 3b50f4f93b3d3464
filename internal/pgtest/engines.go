package pgtest

import (
	"path/filepath"
	"testing"
)

// Engine is a database the service's store runs on, for the tests that run
// on each: a conformance suite, replicas sharing one database.
type Engine struct {
	Name        string                     // a subtest's name: "sqlite" or "postgres"
	NewDatabase func(tb testing.TB) string // the DSN of a fresh, empty database
}

var (
	// SQLite is a file in the test's temporary directory.
	SQLite = Engine{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "costlink.db") }}
	// PostgreSQL is a database in this binary's cluster (see NewDatabase).
	PostgreSQL = Engine{"postgres", NewDatabase}
	// Engines are both, SQLite first.
	Engines = []Engine{SQLite, PostgreSQL}
)
