package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "costlink.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// openTwoHandles opens one file twice, as the server and the keys command
// do, to test writers that meet only through the database.
func openTwoHandles(t *testing.T) (*Store, *Store) {
	t.Helper()
	s, path := openTestStore(t)
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

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	s, path := openTestStore(t)
	ctx := context.Background()
	for range 2 {
		again, err := Open(path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		again.Close()
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != len(migrations) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(migrations))
	}
	var rows int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(migrations) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", rows, err, len(migrations))
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}

func TestOpenRestrictsFileMode(t *testing.T) {
	s, path := openTestStore(t)
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
	s, s2 := openTwoHandles(t)
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
}
