package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// TestClaimDueChecks follows connections through a lease: claimed when due,
// not again while leased, released with the result and due again at the
// time the result sets.
func TestClaimDueChecks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		billing := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
		resource := mustCreate(t, s, conn(org.ID, validate.TypeResource, 2))
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		const lease = time.Minute

		first, err := s.ClaimDueChecks(ctx, "replica-a", now, lease, 1)
		if err != nil || len(first) != 1 || first[0].ID != billing.ID {
			t.Fatalf("ClaimDueChecks(limit 1) = %v, %v; want the first connection", ids(first), err)
		}
		rest, err := s.ClaimDueChecks(ctx, "replica-b", now, lease, 10)
		if err != nil || len(rest) != 1 || rest[0].ID != resource.ID {
			t.Fatalf("a second replica claimed %v, %v; want only the connection not leased", ids(rest), err)
		}
		if none, _ := s.ClaimDueChecks(ctx, "replica-c", now.Add(lease/2), lease, 10); len(none) != 0 {
			t.Fatalf("claimed %v while both are leased", ids(none))
		}

		next := now.Add(10 * time.Minute)
		h := Health{Status: HealthHealthy, CheckedAt: now}
		if saved, err := s.SaveHealth(ctx, billing.ID, billing.Version, h, CheckRun{Owner: "replica-a", NextCheckAt: next}); err != nil || !saved {
			t.Fatalf("SaveHealth = %v, %v", saved, err)
		}
		got, _ := s.Connection(ctx, org.ID, billing.ID)
		if !got.NextCheckAt.Equal(next) || got.Health.Checks != 1 {
			t.Errorf("after the result: next check %s, checks %d; want %s and 1", got.NextCheckAt, got.Health.Checks, next)
		}
		// replica-b died holding its lease: the connection is due again for
		// anyone once the lease expires.
		takeover, err := s.ClaimDueChecks(ctx, "replica-c", now.Add(lease+time.Millisecond), time.Hour, 10)
		if err != nil || len(takeover) != 1 || takeover[0].ID != resource.ID {
			t.Errorf("after replica-b's lease expired claimed %v, %v; want its connection", ids(takeover), err)
		}
		if early, _ := s.ClaimDueChecks(ctx, "replica-d", next.Add(-time.Millisecond), lease, 10); len(early) != 0 {
			t.Errorf("claimed %v before they are due", ids(early))
		}
		due, err := s.ClaimDueChecks(ctx, "replica-d", next, lease, 10)
		if err != nil || len(due) != 1 || due[0].ID != billing.ID {
			t.Errorf("at the next due time claimed %v, %v; want the connection due then", ids(due), err)
		}
	})
}

// TestClaimCheck claims one connection for a check now: refused while
// another replica holds it, extended for the holder, free after a release.
func TestClaimCheck(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		c := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		for _, step := range []struct {
			owner string
			at    time.Duration
			want  bool
		}{
			{"a", 0, true},
			{"b", time.Second, false},
			{"a", 2 * time.Second, true}, // extended to 2s + 1m
			{"b", time.Minute + time.Second, false},
			{"b", time.Minute + 3*time.Second, true}, // a's lease expired
		} {
			got, err := s.ClaimCheck(ctx, c.ID, step.owner, now.Add(step.at), time.Minute)
			if err != nil || got != step.want {
				t.Fatalf("ClaimCheck(%s at +%s) = %v, %v; want %v", step.owner, step.at, got, err, step.want)
			}
		}
		if err := s.ReleaseCheck(ctx, c.ID, "b"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimCheck(ctx, c.ID, "a", now.Add(time.Minute+4*time.Second), time.Minute); err != nil || !got {
			t.Fatalf("after the release: ClaimCheck = %v, %v", got, err)
		}
		// A stale result releases the lease all the same.
		moved, err := s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error { c.RoleARN += "-2"; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if saved, err := s.SaveHealth(ctx, c.ID, c.Version, Health{Status: HealthHealthy, CheckedAt: now}, CheckRun{Owner: "a"}); err != nil || saved {
			t.Fatalf("stale SaveHealth = %v, %v", saved, err)
		}
		if got, err := s.ClaimCheck(ctx, moved.ID, "b", now.Add(time.Minute+5*time.Second), time.Minute); err != nil || !got {
			t.Fatalf("after a stale result: ClaimCheck = %v, %v; want the lease released", got, err)
		}
	})
}

// TestClaimDueChecksAcrossReplicas claims from several handles at once (in
// PostgreSQL, several replicas' pools): every due connection is claimed by
// exactly one of them.
func TestClaimDueChecksAcrossReplicas(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		a, b := openTwoHandles(t, e)
		ctx := context.Background()
		org := testOrg(t, a, "acme")
		mustCreate(t, a, conn(org.ID, validate.TypeBilling, 0))
		const n = 200
		for i := 1; i < n; i++ {
			mustCreate(t, a, conn(org.ID, validate.TypeResource, i))
		}
		now := time.Now()
		var (
			mu      sync.Mutex
			claimed = map[string]int{}
			wg      sync.WaitGroup
		)
		for w := range 8 {
			s := []*Store{a, b}[w%2]
			wg.Go(func() {
				for {
					got, err := s.ClaimDueChecks(ctx, "replica", now, time.Minute, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, c := range got {
						claimed[c.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(claimed) != n {
			t.Errorf("%d connections claimed, want %d", len(claimed), n)
		}
		for id, times := range claimed {
			if times != 1 {
				t.Errorf("connection %s claimed %d times", id, times)
			}
		}
	})
}

func ids(cs []Connection) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
