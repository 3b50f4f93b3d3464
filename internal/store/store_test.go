package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// engine is a database the store runs on.
type engine = pgtest.Engine

var sqliteEngine = pgtest.SQLite

// forEachEngine runs test against each engine, as a subtest named after it:
// the store's tests are one conformance suite that both engines pass.
func forEachEngine(t *testing.T, test func(t *testing.T, e engine)) {
	for _, e := range pgtest.Engines {
		t.Run(e.Name, func(t *testing.T) { test(t, e) })
	}
}

// openTestStore opens a fresh database of engine e and returns it with its DSN.
func openTestStore(t *testing.T, e engine) (*Store, string) {
	t.Helper()
	dsn := e.NewDatabase(t)
	s, err := Open(dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

// openTwoHandles opens one database twice, as the server and the keys
// command do with a file, or two replicas do with PostgreSQL, to test
// writers that meet only through the database.
func openTwoHandles(t *testing.T, e engine) (*Store, *Store) {
	t.Helper()
	s, path := openTestStore(t, e)
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	return s, s2
}

func testOrg(t *testing.T, s *Store, name string) Organization {
	t.Helper()
	org, err := s.EnsureOrganization(context.Background(), name)
	if err != nil {
		t.Fatalf("EnsureOrganization(%q): %v", name, err)
	}
	return org
}

// conn builds a valid connection of org for account n.
func conn(orgID, typ string, n int) Connection {
	c := Connection{
		OrgID:     orgID,
		Name:      fmt.Sprintf("%s-%d", typ, n),
		Type:      typ,
		AccountID: fmt.Sprintf("%012d", n),
		Regions:   []string{"us-east-1"},
	}
	c.RoleARN = "arn:aws:iam::" + c.AccountID + ":role/costlink"
	if typ == validate.TypeBilling {
		c.BillingBucket = "cur-bucket"
	}
	return c
}

func mustCreate(t *testing.T, s *Store, c Connection) Connection {
	t.Helper()
	out, err := s.CreateConnection(context.Background(), c, nil)
	if err != nil {
		t.Fatalf("CreateConnection(%s): %v", c.Name, err)
	}
	return out.Connection
}

func assertCount(t *testing.T, s *Store, orgID string, want int) {
	t.Helper()
	page, err := s.ListConnections(context.Background(), orgID, ListOptions{Limit: 500})
	if err != nil || len(page.Connections) != want {
		t.Errorf("organization has %d connections (%v), want %d", len(page.Connections), err, want)
	}
}

// TestOpenAppliesMigrationsOnce opens a fresh database from several
// processes at once, as replicas starting together do: the migration lock
// lets one apply each step and the others find it applied.
func TestOpenAppliesMigrationsOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		dsn := e.NewDatabase(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				s, err := Open(dsn)
				if err == nil {
					err = s.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("Open while others migrate: %v", err)
			}
		}
		s, _ := openTestStore(t, engine{Name: e.Name, NewDatabase: func(testing.TB) string { return dsn }})
		ctx := context.Background()
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != LatestSchemaVersion() {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestSchemaVersion())
		}
		var rows int
		if err := s.db.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(s.dialect.migrations) {
			t.Fatalf("schema_migrations has %d rows (%v), want %d", rows, err, len(s.dialect.migrations))
		}
	})
}

func TestOpenSetsPragmas(t *testing.T) {
	s, _ := openTestStore(t, sqliteEngine)
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := s.db.queryRow(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}

func TestOpenRestrictsFileMode(t *testing.T) {
	s, path := openTestStore(t, sqliteEngine)
	testOrg(t, s, "acme") // a write, so the WAL file exists
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		assertMode(t, p, 0o600)
	}

	// An existing, wider file is narrowed too.
	wide := filepath.Join(t.TempDir(), "wide.db")
	if err := os.WriteFile(wide, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(wide)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	assertMode(t, wide, 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", path, got, want)
	}
}

// TestConcurrentWriters writes from two handles on one file, as the server
// and the keys command do, and from many goroutines at once.
func TestConcurrentWriters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, s2 := openTwoHandles(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))

		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				st := []*Store{s, s2}[i%2]
				if _, err := st.CreateConnection(ctx, conn(org.ID, validate.TypeResource, 100+i), nil); err != nil {
					t.Errorf("create %d: %v", i, err)
				}
				if _, _, err := st.CreateAPIKey(ctx, org.ID, Scopes); err != nil {
					t.Errorf("key %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		assertCount(t, s, org.ID, 21)
	})
}
