package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

func TestUnreachableServiceIsATypedErrorNamingTheURL(t *testing.T) {
	url := testnet.ClosedURL(t)
	c := newTestClient(t, nil, func(cfg *Config) { cfg.BaseURL = url })

	_, err := c.GetOrganization(context.Background())

	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) || !IsUnreachable(err) {
		t.Fatalf("error = %v, want an *UnreachableError", err)
	}
	if unreachable.URL != url+"/v1/organization" || unreachable.Attempts != 3 {
		t.Errorf("UnreachableError = %+v, want the request's URL and MaxRetries+1 = 3 attempts", unreachable)
	}
	if msg := err.Error(); !strings.Contains(msg, url+"/v1/organization") || !strings.Contains(msg, "connection refused") ||
		strings.Count(msg, url) != 1 {
		t.Errorf("Error() = %q, want the URL once and the cause", msg)
	}
}

// Measured in issue 9: with the default retries, a refused connection took
// about 35 s to fail. On first contact it fails within the connect budget.
func TestCheckAccessGivesUpOnAnUnreachableServiceWithinItsBudget(t *testing.T) {
	c, err := New(Config{BaseURL: testnet.ClosedURL(t), APIKey: testKey}) // the default retries and waits
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	_, err = c.CheckAccess(context.Background())
	elapsed := time.Since(start)

	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("error = %v, want an *UnreachableError", err)
	}
	if elapsed < firstContactBudget-time.Second || elapsed > firstContactBudget+2*time.Second {
		t.Errorf("CheckAccess took %s, want about the connect budget of %s", elapsed, firstContactBudget)
	}
	if unreachable.Attempts < 3 {
		t.Errorf("%d attempt(s), want the connection retried within the budget", unreachable.Attempts)
	}
}

// The connect budget is for connections that cannot be made: a service that
// answers 503 is retried as configured.
func TestCheckAccessRetriesServerErrorsAsConfigured(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) < 3 {
			writeProblem(t, w, http.StatusServiceUnavailable, "internal", "restarting", nil)
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"id": "org_1"})
	})

	if _, err := c.CheckAccess(context.Background()); err != nil {
		t.Fatalf("CheckAccess: %v", err)
	}
	if got := attempts.Load(); got != 3 {
		t.Errorf("attempts = %d, want 3", got)
	}
}

func TestCheckAccessDoesNotRetryARefusedKey(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		writeProblem(t, w, http.StatusUnauthorized, "unauthorized", "the API key is not valid", nil)
	})

	_, err := c.CheckAccess(context.Background())

	if !IsUnauthorized(err) {
		t.Fatalf("error = %v, want a 401", err)
	}
	if got := attempts.Load(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}
