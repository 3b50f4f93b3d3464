package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// healthServer answers health requests with the statuses in turn (the last
// one from then on) and counts the checks asked for.
func healthServer(t *testing.T, answers ...client.Health) (*client.Client, *atomic.Int32) {
	t.Helper()
	var served, checks atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			checks.Add(1)
		}
		i := min(int(served.Add(1))-1, len(answers)-1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answers[i])
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "clk_test", MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	return c, &checks
}

// fastPolling shortens the poll interval. Tests using it must not run in
// parallel: the acceptance tests, which do, start after them.
func fastPolling(t *testing.T) {
	minWait, maxWait := healthPollMin, healthPollMax
	healthPollMin, healthPollMax = time.Millisecond, 5*time.Millisecond
	t.Cleanup(func() { healthPollMin, healthPollMax = minWait, maxWait })
}

func unhealthy(code string) client.Health {
	return client.Health{Status: client.HealthUnhealthy, Details: []client.HealthDetail{{Code: code, Message: "the " + code + " message", Remediation: "the " + code + " fix"}}}
}

func TestWaitForHealthyRidesOutPropagation(t *testing.T) {
	fastPolling(t)
	c, checks := healthServer(t, client.Health{Status: client.HealthPending}, unhealthy("assume_role_denied"),
		unhealthy("policy_missing"), client.Health{Status: client.HealthHealthy})
	h, err := waitForHealthy(context.Background(), c, "conn_1")
	if err != nil || h.Status != client.HealthHealthy {
		t.Fatalf("waitForHealthy = %+v, %v; want healthy", h, err)
	}
	if checks.Load() != 3 {
		t.Errorf("%d checks asked for, want one after each answer that was not healthy", checks.Load())
	}
}

func TestWaitForHealthyFailsFastOnWhatWaitingWillNotFix(t *testing.T) {
	fastPolling(t)
	for _, code := range permanentHealthCodes {
		c, checks := healthServer(t, unhealthy(code))
		_, err := waitForHealthy(context.Background(), c, "conn_1")
		if err == nil || !strings.Contains(err.Error(), "waiting will not fix it") ||
			!strings.Contains(err.Error(), code+": the "+code+" message") || !strings.Contains(err.Error(), "Fix: the "+code+" fix") {
			t.Errorf("%s: err = %v", code, err)
		}
		if checks.Load() != 0 {
			t.Errorf("%s: asked for %d more checks, want none", code, checks.Load())
		}
	}
}

func TestWaitForHealthyTimesOutWithTheLastDetails(t *testing.T) {
	fastPolling(t)
	c, _ := healthServer(t, unhealthy("role_not_found"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := waitForHealthy(ctx, c, "conn_1")
	if err == nil || !strings.Contains(err.Error(), "did not turn healthy in time") || !strings.Contains(err.Error(), "role_not_found: the role_not_found message") {
		t.Errorf("err = %v, want a timeout naming the last details", err)
	}
}
