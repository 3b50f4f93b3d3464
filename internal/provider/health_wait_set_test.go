package provider

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// setHealthServer lists connections with the healths of each list in turn
// (the last one from then on), and records the IDs of each bulk check
// request.
type setHealthServer struct {
	mu       sync.Mutex
	lists    []map[string]client.Health
	listed   int
	requests [][]string
}

func (s *setHealthServer) client(t *testing.T) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			var body struct {
				IDs []string `json:"ids"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Error(err)
			}
			s.requests = append(s.requests, body.IDs)
			w.WriteHeader(http.StatusAccepted)
			_ = json.NewEncoder(w).Encode(map[string]any{"queued": len(body.IDs), "missing": []string{}})
			return
		}
		healths := s.lists[min(s.listed, len(s.lists)-1)]
		s.listed++
		var page struct {
			Connections []client.Connection `json:"connections"`
			NextCursor  string              `json:"next_cursor"`
		}
		for _, id := range slices.Sorted(maps.Keys(healths)) {
			page.Connections = append(page.Connections, client.Connection{ID: id, Name: "name-of-" + id, Version: 1, Health: healths[id]})
		}
		_ = json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "clk_test", MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkedAt(h client.Health, at time.Time) client.Health {
	h.CheckedAt = &at
	return h
}

var healthy = client.Health{Status: client.HealthHealthy}

func TestWaitForAllHealthyAsksOnlyForTheWaiting(t *testing.T) {
	fastPolling(t)
	s := &setHealthServer{lists: []map[string]client.Health{
		{"conn_a": {Status: client.HealthPending}, "conn_b": unhealthy(codeAssumeRoleDenied), "conn_c": healthy, "conn_other": healthy},
		{"conn_a": healthy, "conn_b": unhealthy(codePolicyMissing), "conn_c": healthy},
		{"conn_a": healthy, "conn_b": healthy, "conn_c": healthy},
	}}
	listed, err := waitForAllHealthy(context.Background(), s.client(t), []string{"conn_a", "conn_b", "conn_c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 3 || listed["conn_b"].Health.Status != client.HealthHealthy {
		t.Errorf("waitForAllHealthy = %+v, want the three connections healthy", listed)
	}
	if want := [][]string{{"conn_a", "conn_b"}, {"conn_b"}}; !slices.EqualFunc(s.requests, want, slices.Equal) {
		t.Errorf("bulk check requests = %v, want %v: one per poll, for the connections not yet healthy", s.requests, want)
	}
	if s.listed != 3 {
		t.Errorf("%d lists, want 3: one per poll", s.listed)
	}
}

func TestWaitForAllHealthyDoneWithoutChecksWhenHealthy(t *testing.T) {
	s := &setHealthServer{lists: []map[string]client.Health{{"conn_a": healthy, "conn_b": healthy}}}
	if _, err := waitForAllHealthy(context.Background(), s.client(t), []string{"conn_a", "conn_b"}); err != nil {
		t.Fatal(err)
	}
	if s.listed != 1 || len(s.requests) != 0 {
		t.Errorf("%d lists and %d check requests, want one list and nothing else", s.listed, len(s.requests))
	}
}

// A definite finding fails the wait once a check made during the wait
// finds it, naming every such connection; one found before the wait (it may
// have been fixed since) is checked again first.
func TestWaitForAllHealthyFailsOnAFreshDefiniteFinding(t *testing.T) {
	fastPolling(t)
	earlier := time.Now().Add(-time.Minute).Truncate(time.Second)
	roleMissing := checkedAt(unhealthy(codeRoleNotFound), earlier)
	s := &setHealthServer{lists: []map[string]client.Health{
		{"conn_a": roleMissing, "conn_b": healthy, "conn_c": unhealthy(codeAssumeRoleDenied)},
		{"conn_a": roleMissing, "conn_b": healthy, "conn_c": unhealthy(codeAssumeRoleDenied)}, // the same check: not yet
		{"conn_a": checkedAt(roleMissing, earlier.Add(time.Second)), "conn_b": checkedAt(unhealthy(codeSTSRegionInactive), earlier.Add(2*time.Second)), "conn_c": unhealthy(codeAssumeRoleDenied)},
	}}
	_, err := waitForAllHealthy(context.Background(), s.client(t), []string{"conn_a", "conn_b", "conn_c"})
	var setErr *setWaitError
	if !errors.As(err, &setErr) {
		t.Fatalf("error = %v, want a setWaitError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"Connection name-of-conn_a (conn_a) is unhealthy, and waiting will not fix it", "role_not_found: the role_not_found message", "Fix: the role_not_found fix",
		"Connection name-of-conn_b (conn_b) is unhealthy", "sts_region_inactive",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "conn_c") {
		t.Errorf("error names conn_c, which may still turn healthy:\n%s", msg)
	}
	if s.listed != 3 {
		t.Errorf("%d lists, want 3: a finding older than the wait is checked again", s.listed)
	}
}

func TestWaitForAllHealthyGivesUpAfterTheWindow(t *testing.T) {
	fastPolling(t)
	healthWaitWindow = 20 * time.Millisecond
	s := &setHealthServer{lists: []map[string]client.Health{{"conn_a": unhealthy(codeAssumeRoleDenied), "conn_b": healthy}}}
	_, err := waitForAllHealthy(context.Background(), s.client(t), []string{"conn_a", "conn_b"})
	if err == nil || !strings.Contains(err.Error(), "conn_a (conn_a) is still unhealthy after") ||
		!strings.Contains(err.Error(), "Set wait_for_healthy = true on one of these connections") {
		t.Fatalf("error = %v, want conn_a still unhealthy after the window, and how to diagnose it", err)
	}
	if strings.Contains(err.Error(), "(conn_b)") {
		t.Errorf("error names the healthy conn_b:\n%s", err)
	}
}

func TestWaitForAllHealthyNamesMissingConnections(t *testing.T) {
	s := &setHealthServer{lists: []map[string]client.Health{{"conn_a": {Status: client.HealthPending}}}}
	_, err := waitForAllHealthy(context.Background(), s.client(t), []string{"conn_a", "conn_gone"})
	if err == nil || !strings.Contains(err.Error(), "no connection with ID conn_gone exists") {
		t.Fatalf("error = %v, want conn_gone named", err)
	}
	if len(s.requests) != 0 {
		t.Errorf("check requests %v, want none: the wait fails before", s.requests)
	}
}

func TestWaitForAllHealthyEndsWithItsContext(t *testing.T) {
	fastPolling(t)
	s := &setHealthServer{lists: []map[string]client.Health{{"conn_a": {Status: client.HealthPending}, "conn_b": healthy}}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := waitForAllHealthy(ctx, s.client(t), []string{"conn_a", "conn_b"})
	if err == nil || !strings.Contains(err.Error(), "conn_a (conn_a) did not turn healthy in time (status pending)") {
		t.Fatalf("error = %v, want conn_a not healthy in time", err)
	}
}
