package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func testSession(idHash string, now time.Time) SessionRecord {
	return SessionRecord{
		IDHash:     idHash,
		SealedKey:  []byte{0x00, 0xff, 0x10, 0x80, 0x00, 'k'}, // any bytes, NULs included
		OrgName:    "acme",
		CanWrite:   true,
		CSRFToken:  "csrf-" + idHash,
		SignedInAt: now.Add(-time.Hour),
		LastSeenAt: now,
		ExpiresAt:  now.Add(30 * time.Minute),
	}
}

// TestSessionsSharedByHandles saves a session through one handle and reads,
// replaces and deletes it through another, as two replicas of the service
// do behind a load balancer.
func TestSessionsSharedByHandles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		a, b := openTwoHandles(t, e)
		ctx := context.Background()
		now := a.now()

		rec := testSession("hash-1", now)
		if err := a.PutSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		got, err := b.SessionByHash(ctx, rec.IDHash)
		if err != nil || !reflect.DeepEqual(got, rec) {
			t.Fatalf("SessionByHash on the other handle = %+v, %v; want %+v", got, err, rec)
		}

		rec.SealedKey = []byte("resealed")
		rec.CanWrite = false
		rec.Flash = "Deleted prod."
		rec.LastSeenAt = now.Add(2 * time.Minute)
		rec.ExpiresAt = rec.LastSeenAt.Add(30 * time.Minute)
		if err := b.PutSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if got, err := a.SessionByHash(ctx, rec.IDHash); err != nil || !reflect.DeepEqual(got, rec) {
			t.Fatalf("after replacing it, SessionByHash = %+v, %v; want %+v", got, err, rec)
		}

		if err := a.DeleteSession(ctx, rec.IDHash); err != nil {
			t.Fatal(err)
		}
		if _, err := b.SessionByHash(ctx, rec.IDHash); !errors.Is(err, ErrNotFound) {
			t.Errorf("SessionByHash after DeleteSession: %v, want ErrNotFound", err)
		}
		if err := b.DeleteSession(ctx, rec.IDHash); err != nil {
			t.Errorf("deleting a missing session: %v, want nil", err)
		}
	})
}

func TestSessionByHashUnknown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		if err := s.PutSession(context.Background(), testSession("hash-1", s.now())); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByHash(context.Background(), "hash-2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SessionByHash of an unknown hash: %v, want ErrNotFound", err)
		}
	})
}

// TestPutSessionPrunesExpired: saving a session deletes the sessions that
// have expired, the one saved included, and keeps the live ones.
func TestPutSessionPrunesExpired(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }

		stale := testSession("stale", now.Add(-time.Hour)) // expired half an hour ago
		live := testSession("live", now)
		atTheEdge := testSession("at-the-edge", now.Add(-30*time.Minute)) // expires now: not yet past
		for _, rec := range []SessionRecord{stale, live, atTheEdge} {
			if err := s.PutSession(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SessionByHash(ctx, stale.IDHash); !errors.Is(err, ErrNotFound) {
			t.Errorf("the expired session is still stored: %v", err)
		}
		for _, rec := range []SessionRecord{live, atTheEdge} {
			if _, err := s.SessionByHash(ctx, rec.IDHash); err != nil {
				t.Errorf("session %s, live, was deleted: %v", rec.IDHash, err)
			}
		}

		now = now.Add(31 * time.Minute)
		if err := s.PutSession(ctx, testSession("later", now)); err != nil {
			t.Fatal(err)
		}
		var rows int
		if err := s.db.queryRow(ctx, `SELECT COUNT(*) FROM console_sessions`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("console_sessions has %d rows (%v) half an hour later, want only the new one", rows, err)
		}
	})
}
