package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// engine is a database the service runs on: dsn makes a fresh, empty one,
// which every replica of a test opens.
type engine struct {
	name string
	dsn  func(tb testing.TB) string
}

// engines are SQLite, the embedded default, and PostgreSQL, which replicas
// on several machines share.
var engines = []engine{
	{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "costlink.db") }},
	{"postgres", pgtest.NewDatabase},
}
