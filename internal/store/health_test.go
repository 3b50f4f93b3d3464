package store

import (
	"context"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestHealthLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		c := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
		if c.Health.Status != HealthPending || len(c.Health.Details) != 0 || !c.Health.CheckedAt.IsZero() {
			t.Fatalf("new connection health = %+v, want pending and never checked", c.Health)
		}

		checked := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		unhealthy := Health{Status: HealthUnhealthy, CheckedAt: checked, PolicyVersion: "v1",
			Details: []HealthDetail{{Code: "role_not_found", Message: "m", Remediation: "r"}}}
		if saved, err := s.SaveHealth(ctx, c.ID, c.Version, unhealthy, CheckRun{}); err != nil || !saved {
			t.Fatalf("SaveHealth = %v, %v", saved, err)
		}
		healthy := Health{Status: HealthHealthy, CheckedAt: checked.Add(time.Minute), PolicyVersion: "v1"}
		if _, err := s.SaveHealth(ctx, c.ID, c.Version, healthy, CheckRun{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Connection(ctx, org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Health.Status != HealthHealthy || !got.Health.LastHealthyAt.Equal(healthy.CheckedAt) || len(got.Health.Details) != 0 {
			t.Errorf("after a healthy check: %+v", got.Health)
		}
		// Unhealthy again: last_healthy_at stays.
		unhealthy.CheckedAt = checked.Add(2 * time.Minute)
		if _, err := s.SaveHealth(ctx, c.ID, c.Version, unhealthy, CheckRun{}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Connection(ctx, org.ID, c.ID)
		if got.Health.Status != HealthUnhealthy || !got.Health.LastHealthyAt.Equal(healthy.CheckedAt) || got.Health.Details[0].Code != "role_not_found" {
			t.Errorf("after an unhealthy check: %+v", got.Health)
		}

		// A rename keeps the health; another role makes it pending, and a
		// result for the old role is dropped.
		renamed, err := s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error { c.Name = "renamed"; return nil })
		if err != nil || renamed.Health.Status != HealthUnhealthy {
			t.Fatalf("rename: health %+v, err %v", renamed.Health, err)
		}
		moved, err := s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error { c.RoleARN += "-2"; return nil })
		if err != nil || moved.Health.Status != HealthPending {
			t.Fatalf("new role: health %+v, err %v", moved.Health, err)
		}
		if saved, err := s.SaveHealth(ctx, c.ID, renamed.Version, healthy, CheckRun{}); err != nil || saved {
			t.Errorf("a result for the previous version: saved = %v, err = %v; want dropped", saved, err)
		}
		got, _ = s.Connection(ctx, org.ID, c.ID)
		if got.Health.Status != HealthPending {
			t.Errorf("health after a stale result = %+v, want pending", got.Health)
		}
	})
}
