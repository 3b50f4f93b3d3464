package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between the two engines the store runs on. The
// store's statements are written once, in SQLite's placeholder style (? and
// @name); the few clauses that are not portable are named here.
type dialect struct {
	name       string
	migrations []migration
	// numbered rewrites placeholders as $1, $2, ... (PostgreSQL has no ?).
	numbered bool
	// lockOrganization serialises an organization's writers in a
	// transaction. SQLite needs none: an immediate transaction holds the
	// database's one write lock. PostgreSQL's read committed transactions
	// would let two replicas both pass a check (billing present, version
	// matches, key unused) before either writes.
	lockOrganization string
	// jsonStrings is a subquery of the strings of a JSON array parameter.
	jsonStrings string
	// skipLocked ends a SELECT that claims rows for this transaction: rows
	// another transaction claimed are passed over, not waited for.
	skipLocked string
	// lockMigrations and unlockMigrations hold every other process off the
	// schema while one migrates it; SQLite's immediate transactions do it
	// per step already.
	lockMigrations, unlockMigrations string
	// uniqueViolation reports a duplicate refused by a UNIQUE or PRIMARY KEY
	// constraint.
	uniqueViolation func(error) bool
}

// migrationLockID is the PostgreSQL advisory lock key of schema migrations:
// any constant, the same in every replica.
const migrationLockID = 7_261_001

var sqliteDialect = &dialect{
	name:        "SQLite",
	migrations:  sqliteMigrations,
	jsonStrings: `SELECT value FROM json_each(?)`,
	uniqueViolation: func(err error) bool {
		var se *sqlite.Error
		return errors.As(err, &se) &&
			(se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
}

// sqliteBusy reports SQLite's error that waiting out another writer cures.
func sqliteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

var postgresDialect = &dialect{
	name:             "PostgreSQL",
	migrations:       postgresMigrations,
	numbered:         true,
	lockOrganization: `SELECT id FROM organizations WHERE id = ? FOR UPDATE`,
	jsonStrings:      `SELECT json_array_elements_text(CAST(? AS json))`,
	skipLocked:       ` FOR UPDATE SKIP LOCKED`,
	lockMigrations:   `SELECT pg_advisory_lock(` + strconv.Itoa(migrationLockID) + `)`,
	unlockMigrations: `SELECT pg_advisory_unlock(` + strconv.Itoa(migrationLockID) + `)`,
	uniqueViolation: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
	},
}

// bind rewrites query and args for the dialect: ? and @name placeholders
// become $n for PostgreSQL, whose driver takes neither. A query uses one
// style; named arguments are sql.Named values.
func (d *dialect) bind(query string, args []any) (string, []any) {
	if !d.numbered {
		return query, args
	}
	var (
		b        strings.Builder
		position = map[string]int{}
		values   = make([]any, len(args))
		next     = 0
	)
	for i, a := range args {
		values[i] = a
		if named, ok := a.(sql.NamedArg); ok {
			position[named.Name] = i + 1
			values[i] = named.Value
		}
	}
	for i := 0; i < len(query); i++ {
		switch c := query[i]; c {
		case '?':
			next++
			b.WriteString("$" + strconv.Itoa(next))
		case '@':
			end := i + 1
			for end < len(query) && (query[end] == '_' || isAlnum(query[end])) {
				end++
			}
			b.WriteString("$" + strconv.Itoa(position[query[i+1:end]]))
			i = end - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), values
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// querier is what *sql.DB, *sql.Conn and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// db runs the store's statements on the database, in a transaction or not,
// in the dialect's terms, and counts them.
type db struct {
	q          querier
	d          *dialect
	statements *atomic.Int64
}

func (h db) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	h.statements.Add(1)
	query, args = h.d.bind(query, args)
	return h.q.ExecContext(ctx, query, args...)
}

func (h db) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	h.statements.Add(1)
	query, args = h.d.bind(query, args)
	return h.q.QueryContext(ctx, query, args...)
}

func (h db) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	h.statements.Add(1)
	query, args = h.d.bind(query, args)
	return h.q.QueryRowContext(ctx, query, args...)
}

// lockOrganization takes the dialect's lock on an organization's writes
// (see dialect.lockOrganization) for the rest of the transaction.
func (h db) lockOrganization(ctx context.Context, orgID string) error {
	if h.d.lockOrganization == "" {
		return nil
	}
	var id string
	err := h.queryRow(ctx, h.d.lockOrganization, orgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the insert's foreign key reports the missing organization
	}
	return err
}

// savepoint runs fn so that, when it fails, the transaction goes on as
// before it: PostgreSQL aborts a whole transaction at a failed statement,
// and conflictOr still has to read which record caused a violation.
func (h db) savepoint(ctx context.Context, fn func() error) error {
	if _, err := h.exec(ctx, `SAVEPOINT statement`); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rbErr := h.exec(ctx, `ROLLBACK TO SAVEPOINT statement`); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	_, err := h.exec(ctx, `RELEASE SAVEPOINT statement`)
	return err
}
