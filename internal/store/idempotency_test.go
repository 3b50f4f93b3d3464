package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func idem(key, hash string) *Idempotency {
	return &Idempotency{Key: key, RequestHash: hash}
}

func TestCreateConnectionIdempotency(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		c := conn(org.ID, validate.TypeBilling, 1)

		first, err := s.CreateConnection(ctx, c, idem("k1", "h1"))
		if err != nil || first.Replayed {
			t.Fatalf("first create = %+v, %v", first, err)
		}
		// A replay returns the record as it is now, not as it was created.
		if _, err := s.UpdateConnection(ctx, org.ID, first.Connection.ID, func(c *Connection) error {
			c.Name = "renamed"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		replay, err := s.CreateConnection(ctx, c, idem("k1", "h1"))
		if err != nil || !replay.Replayed || replay.Connection.ID != first.Connection.ID || replay.Connection.Name != "renamed" {
			t.Fatalf("replay = %+v, %v; want the first connection, renamed", replay, err)
		}
		var reused *IdempotencyKeyReusedError
		if _, err := s.CreateConnection(ctx, c, idem("k1", "h2")); !errors.As(err, &reused) || reused.ConnectionID != first.Connection.ID {
			t.Errorf("same key, other request: err = %v, want IdempotencyKeyReusedError naming %s", err, first.Connection.ID)
		}
		// Keys are per organization.
		other := testOrg(t, s, "globex")
		if out, err := s.CreateConnection(ctx, conn(other.ID, validate.TypeBilling, 1), idem("k1", "h2")); err != nil || out.Replayed {
			t.Errorf("same key in another organization = %+v, %v; want a new connection", out, err)
		}
		assertCount(t, s, org.ID, 1)
	})
}

func TestCreateConnectionReplayAfterDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		c := conn(org.ID, validate.TypeBilling, 1)
		first, err := s.CreateConnection(ctx, c, idem("k1", "h1"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteConnection(ctx, org.ID, first.Connection.ID); err != nil {
			t.Fatal(err)
		}
		for _, hash := range []string{"h1", "h2"} {
			var deleted *KeyedConnectionDeletedError
			if _, err := s.CreateConnection(ctx, c, idem("k1", hash)); !errors.As(err, &deleted) || deleted.ConnectionID != first.Connection.ID {
				t.Errorf("replay (hash %s) after delete: err = %v, want KeyedConnectionDeletedError naming %s", hash, err, first.Connection.ID)
			}
		}
		assertCount(t, s, org.ID, 0)
		if out, err := s.CreateConnection(ctx, c, idem("k2", "h1")); err != nil || out.Replayed {
			t.Errorf("a new key after delete = %+v, %v; want a new connection", out, err)
		}
	})
}

func TestIdempotencyKeysExpire(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		now := start
		s.now = func() time.Time { return now }

		first, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 1), idem("k1", "h1"))
		if err != nil {
			t.Fatal(err)
		}
		now = start.Add(IdempotencyKeyTTL - time.Second)
		if out, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 1), idem("k1", "h1")); err != nil || out.Connection.ID != first.Connection.ID {
			t.Fatalf("replay within the TTL = %+v, %v; want %s", out, err, first.Connection.ID)
		}
		// After the TTL the key is forgotten: the same request is a new create
		// (here a conflict with the record the key made) and the key is reusable.
		now = start.Add(IdempotencyKeyTTL + time.Second)
		var ce *ConflictError
		if _, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 1), idem("k1", "h1")); !errors.As(err, &ce) {
			t.Fatalf("create with an expired key: err = %v, want a ConflictError", err)
		}
		if out, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 2), idem("k1", "h2")); err != nil || out.Replayed {
			t.Errorf("an expired key with another request = %+v, %v; want a new connection", out, err)
		}
		var rows int
		if err := s.db.queryRow(ctx, `SELECT COUNT(*) FROM idempotency_keys`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("idempotency_keys holds %d rows (%v), want 1: expired keys are deleted", rows, err)
		}
	})
}

func TestCreateConnectionIdempotencyIsOneTransaction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")

		// Concurrent requests with one key create one record and agree on it.
		var (
			wg  sync.WaitGroup
			ids sync.Map
		)
		for i := range 10 {
			wg.Go(func() {
				out, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 1), idem("k", "h"))
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				ids.Store(out.Connection.ID, true)
			})
		}
		wg.Wait()
		assertCount(t, s, org.ID, 1)
		n := 0
		ids.Range(func(any, any) bool { n++; return true })
		if n != 1 {
			t.Errorf("concurrent requests got %d different connections, want 1", n)
		}
	})
}
