package client

import (
	"context"
	"net/http"
	"testing"
)

func TestHealth(t *testing.T) {
	var paths []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		writeJSON(t, w, http.StatusOK, map[string]any{
			"status":          "unhealthy",
			"checked_at":      "2026-11-26T10:00:00Z",
			"last_healthy_at": nil,
			"policy_version":  "0123456789abcdef",
			"details":         []map[string]string{{"code": "role_not_found", "message": "m", "remediation": "r"}},
		})
	})
	got, err := c.GetHealth(context.Background(), "conn_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != HealthUnhealthy || got.CheckedAt == nil || got.LastHealthyAt != nil || len(got.Details) != 1 || got.Details[0].Code != "role_not_found" {
		t.Errorf("GetHealth = %+v", got)
	}
	if _, err := c.CheckHealth(context.Background(), "conn_1"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET /v1/aws/connections/conn_1/health", "POST /v1/aws/connections/conn_1/health/check"}; len(paths) != 2 || paths[0] != want[0] || paths[1] != want[1] {
		t.Errorf("requests = %v, want %v", paths, want)
	}
}
