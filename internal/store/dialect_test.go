package store

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
)

func TestBindNumbersPlaceholdersForPostgreSQL(t *testing.T) {
	for _, tc := range []struct {
		query, want  string
		args, values []any
	}{
		{`SELECT 1 FROM t WHERE a = ? AND b = ?`, `SELECT 1 FROM t WHERE a = $1 AND b = $2`, []any{"x", 2}, []any{"x", 2}},
		{
			`SELECT 1 FROM t WHERE (@org = '' OR org = @org) AND seq > @after_seq LIMIT @limit`,
			`SELECT 1 FROM t WHERE ($1 = '' OR org = $1) AND seq > $2 LIMIT $3`,
			[]any{sql.Named("org", "o"), sql.Named("after_seq", 7), sql.Named("limit", 10)},
			[]any{"o", 7, 10},
		},
		{`SELECT '[]'`, `SELECT '[]'`, nil, []any{}},
	} {
		got, values := postgresDialect.bind(tc.query, tc.args)
		if got != tc.want || !slices.Equal(values, tc.values) {
			t.Errorf("bind(%q) = %q %v, want %q %v", tc.query, got, values, tc.want, tc.values)
		}
		if same, _ := sqliteDialect.bind(tc.query, tc.args); same != tc.query {
			t.Errorf("SQLite's bind changed %q to %q", tc.query, same)
		}
	}
}

// TestDescribeHidesThePassword: the database is named in logs and errors
// without the secret a PostgreSQL URL carries.
func TestDescribeHidesThePassword(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://costlink:s3cret@db:5432/costlink?sslmode=verify-full": "postgres://costlink:xxxxx@db:5432/costlink?sslmode=verify-full",
		"/var/lib/costlink/costlink.db":                                   "/var/lib/costlink/costlink.db",
		"postgres://%zz:s3cret@db/costlink":                               "a PostgreSQL URL that does not parse",
	} {
		if got := Describe(dsn); got != want {
			t.Errorf("Describe(%q) = %q, want %q", dsn, got, want)
		}
	}
	if _, err := Open("postgres://%zz:s3cret@db/costlink"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a bad URL: %v, want an error without the password", err)
	}
}
