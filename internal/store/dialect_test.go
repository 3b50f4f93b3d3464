package store

import (
	"database/sql"
	"slices"
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
