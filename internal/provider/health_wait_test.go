package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
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
	minWait, maxWait, window := healthPollMin, healthPollMax, healthWaitWindow
	healthPollMin, healthPollMax = time.Millisecond, 5*time.Millisecond
	t.Cleanup(func() { healthPollMin, healthPollMax, healthWaitWindow = minWait, maxWait, window })
}

func unhealthy(code string) client.Health {
	return client.Health{Status: client.HealthUnhealthy, Details: []client.HealthDetail{{Code: code, Message: "the " + code + " message", Remediation: "the " + code + " fix"}}}
}

// keepWaiting judges every problem one that waiting may fix.
func keepWaiting(_ context.Context, h *client.Health) verdict { return verdict{details: h.Details} }

func TestWaitForHealthyRidesOutPropagation(t *testing.T) {
	fastPolling(t)
	c, checks := healthServer(t, client.Health{Status: client.HealthPending}, unhealthy("assume_role_denied"),
		unhealthy("policy_missing"), client.Health{Status: client.HealthHealthy})
	h, err := waitForHealthy(context.Background(), c, "conn_1", keepWaiting)
	if err != nil || h.Status != client.HealthHealthy {
		t.Fatalf("waitForHealthy = %+v, %v; want healthy", h, err)
	}
	if checks.Load() != 4 {
		t.Errorf("%d checks asked for, want a new check at every poll (4)", checks.Load())
	}
}

func TestWaitForHealthyFailsFastWhenJudgedHopeless(t *testing.T) {
	fastPolling(t)
	c, checks := healthServer(t, unhealthy("assume_role_denied"))
	explained := client.HealthDetail{Code: "role_not_found", Message: "role r does not exist", Remediation: "create it"}
	_, err := waitForHealthy(context.Background(), c, "conn_1", func(context.Context, *client.Health) verdict {
		return verdict{details: []client.HealthDetail{explained}, hopeless: true}
	})
	if err == nil || !strings.Contains(err.Error(), "waiting will not fix it") ||
		!strings.Contains(err.Error(), "role_not_found: role r does not exist") || !strings.Contains(err.Error(), "Fix: create it") {
		t.Errorf("err = %v, want the judge's explanation", err)
	}
	if checks.Load() != 1 {
		t.Errorf("asked for %d checks, want the first only", checks.Load())
	}
}

func TestDefiniteCodesAreHopelessWithoutReadingTheRole(t *testing.T) {
	// No AWS and no API: a definite finding must not need them.
	inspector := newRoleInspector(&providerData{}, awsConnectionResourceModel{})
	for _, code := range definiteHealthCodes {
		h := unhealthy(code)
		v := inspector.judge(context.Background(), &h)
		if !v.hopeless || len(v.details) != 1 || v.details[0].Code != code {
			t.Errorf("%s: verdict %+v, want hopeless with the service's detail", code, v)
		}
	}
}

func TestWaitForHealthyGivesUpAfterThePropagationWindow(t *testing.T) {
	fastPolling(t)
	healthWaitWindow = 20 * time.Millisecond
	c, _ := healthServer(t, unhealthy("assume_role_denied"))
	_, err := waitForHealthy(context.Background(), c, "conn_1", keepWaiting)
	if err == nil || !strings.Contains(err.Error(), "longer than IAM takes to propagate a change") {
		t.Errorf("err = %v, want a give-up after the propagation window", err)
	}
}

func TestWaitForHealthyTimesOutWithTheLastDetails(t *testing.T) {
	fastPolling(t)
	c, _ := healthServer(t, unhealthy("policy_missing"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := waitForHealthy(ctx, c, "conn_1", keepWaiting)
	if err == nil || !strings.Contains(err.Error(), "did not turn healthy in time") || !strings.Contains(err.Error(), "policy_missing: the policy_missing message") {
		t.Errorf("err = %v, want a timeout naming the last details", err)
	}
}

func TestPollHealthPausesDoubleUpToTheMax(t *testing.T) {
	fastPolling(t)
	polls := 0
	var pauses []time.Duration
	err := pollHealth(context.Background(), func() error {
		if polls++; polls < 6 {
			return errNotHealthyYet
		}
		return nil
	}, func(next time.Duration) { pauses = append(pauses, next) })
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}
	if !slices.Equal(pauses, want) {
		t.Errorf("pauses = %v, want %v: doubling from healthPollMin to healthPollMax, without jitter", pauses, want)
	}
}

func TestPollHealthStopsOnAnotherError(t *testing.T) {
	fastPolling(t)
	polls := 0
	final := errors.New("the service refused the request")
	err := pollHealth(context.Background(), func() error {
		if polls++; polls == 1 {
			return errNotHealthyYet
		}
		return final
	}, func(time.Duration) {})
	if !errors.Is(err, final) || polls != 2 {
		t.Errorf("pollHealth = %v after %d polls, want %v after 2", err, polls, final)
	}
}
