package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestRetriesServerErrorsThenGivesUp(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		writeProblem(t, w, http.StatusServiceUnavailable, "internal", "the database is restarting", nil)
	}, func(cfg *Config) { cfg.MaxRetries = new(3) })

	_, err := c.GetOrganization(context.Background())

	if got := attempts.Load(); got != 4 {
		t.Errorf("attempts = %d, want MaxRetries+1 = 4", got)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable {
		t.Fatalf("error = %v, want an *APIError with status 503", err)
	}
	for _, want := range []string{"giving up after 4 attempt(s)", "503", "the database is restarting"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestRetriesDisabled(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}, func(cfg *Config) { cfg.MaxRetries = new(0) })

	if _, err := c.GetOrganization(context.Background()); err == nil {
		t.Fatal("want an error")
	}
	if got := attempts.Load(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			writeProblem(t, w, http.StatusTooManyRequests, "rate_limited", "slow down", nil)
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"id": "org_1"})
	})
	// Record the wait the real backoff computes, but do not sleep through it.
	var waits []time.Duration
	c.backoff = func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
		waits = append(waits, backoff(waitMin, waitMax, attempt, resp))
		return 0
	}

	org, err := c.GetOrganization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != "org_1" || attempts.Load() != 2 {
		t.Errorf("got %+v after %d attempts, want org_1 after 2", org, attempts.Load())
	}
	if len(waits) != 1 || waits[0] < 7*time.Second || waits[0] > 8750*time.Millisecond {
		t.Errorf("waits = %v, want 7s from Retry-After and up to a quarter more", waits)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 412, 422, 501} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var attempts atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				writeProblem(t, w, status, "some_code", "no", nil)
			})

			_, err := c.GetConnection(context.Background(), "conn_1")

			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != status {
				t.Errorf("error = %v, want an *APIError with status %d", err, status)
			}
			if got := attempts.Load(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
		})
	}
}

// roundTripFunc lets a function stand in for the network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetriesConnectionErrors(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, nil, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			attempts.Add(1)
			return nil, errors.New("connection refused")
		})}
	})

	_, err := c.GetOrganization(context.Background())

	if got := attempts.Load(); got != 3 {
		t.Errorf("attempts = %d, want MaxRetries+1 = 3", got)
	}
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempt(s)") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %v, want it to give up after 3 attempts and say why", err)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c.backoff = func(time.Duration, time.Duration, int, *http.Response) time.Duration { return time.Hour }
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err := c.GetOrganization(ctx)

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("returned after %s, want soon after the deadline", elapsed)
	}
}

func TestPostRetriesKeepOneIdempotencyKey(t *testing.T) {
	var (
		mu   sync.Mutex
		keys []string
	)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if n%3 != 0 { // the first two attempts of each POST fail
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		writeJSON(t, w, http.StatusCreated, map[string]any{"id": fmt.Sprintf("conn_%d", n)})
	})
	req := CreateConnectionRequest{Name: "prod", RoleARN: "arn:aws:iam::123456789012:role/costlink"}

	for range 2 {
		if _, err := c.CreateConnection(context.Background(), req, ""); err != nil {
			t.Fatal(err)
		}
	}

	if len(keys) != 6 {
		t.Fatalf("got %d attempts, want 6", len(keys))
	}
	if _, err := uuid.Parse(keys[0]); err != nil {
		t.Errorf("Idempotency-Key %q is not a UUID: %v", keys[0], err)
	}
	if keys[1] != keys[0] || keys[2] != keys[0] {
		t.Errorf("the retries of one POST sent different keys: %q", keys[:3])
	}
	if keys[3] != keys[4] || keys[4] != keys[5] || keys[3] == keys[0] {
		t.Errorf("the second POST should have its own key across its retries: %q", keys)
	}
}

func TestBackoffIsExponentialAndBounded(t *testing.T) {
	const waitMin, waitMax = 100 * time.Millisecond, time.Second
	tests := []struct {
		attempt int
		low     time.Duration
		high    time.Duration
	}{
		{0, 100 * time.Millisecond, 125 * time.Millisecond},
		{1, 200 * time.Millisecond, 250 * time.Millisecond},
		{3, 800 * time.Millisecond, time.Second},
		{4, time.Second, time.Second},
		{100, time.Second, time.Second},
	}
	for _, tt := range tests {
		for range 20 { // the jitter is random
			if got := backoff(waitMin, waitMax, tt.attempt, nil); got < tt.low || got > tt.high {
				t.Errorf("backoff(attempt %d) = %s, want within [%s, %s]", tt.attempt, got, tt.low, tt.high)
			}
		}
	}
}

// TestBackoffUsesRetryAfter: retryablehttp.DefaultBackoff parses the header.
// Where it differs from what this client did before, we go with it: it
// honours Retry-After only on a 429 or 503, the statuses RFC 9110 (15.6.4)
// and RFC 6585 (4) give it a meaning on and the only ones the service sends
// it with, and reads dates only in the IMF-fixdate form every sender must use
// (RFC 9110 5.6.7): the obsolete RFC 850 form, which a recipient should still
// read, falls back to the backoff. The service sends seconds.
func TestBackoffUsesRetryAfter(t *testing.T) {
	const waitMin, waitMax = 100 * time.Millisecond, time.Second
	tests := []struct {
		name       string
		status     int
		retryAfter string
		low, high  time.Duration
	}{
		{"seconds", http.StatusTooManyRequests, "3", 3 * time.Second, 3750 * time.Millisecond},
		{"seconds on a 503", http.StatusServiceUnavailable, "3", 3 * time.Second, 3750 * time.Millisecond},
		{"zero", http.StatusTooManyRequests, "0", 0, 0},
		{"capped", http.StatusTooManyRequests, "86400", maxRetryAfter, maxRetryAfter * 5 / 4},
		{"HTTP date", http.StatusTooManyRequests, time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat), 8 * time.Second, 12500 * time.Millisecond},
		{"HTTP date in the past", http.StatusTooManyRequests, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
		{"unparsable falls back to backoff", http.StatusTooManyRequests, "soon", waitMin, waitMin * 5 / 4},
		{"negative falls back to backoff", http.StatusTooManyRequests, "-1", waitMin, waitMin * 5 / 4},
		{"fraction falls back to backoff", http.StatusTooManyRequests, "1.5", waitMin, waitMin * 5 / 4},
		{"RFC 850 date falls back to backoff", http.StatusTooManyRequests,
			time.Now().Add(10 * time.Second).UTC().Format("Monday, 02-Jan-06 15:04:05 GMT"), waitMin, waitMin * 5 / 4},
		{"ignored on a 500", http.StatusInternalServerError, "3", waitMin, waitMin * 5 / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Retry-After": {tt.retryAfter}}}
			if got := backoff(waitMin, waitMax, 0, resp); got < tt.low || got > tt.high {
				t.Errorf("backoff = %s, want within [%s, %s]", got, tt.low, tt.high)
			}
		})
	}
}

// TestRetryAfterWaitsAreJittered: the workers of a Terraform run refused
// together are all told the same Retry-After; they must not all come back at
// the same moment.
func TestRetryAfterWaitsAreJittered(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}}
	shortest, longest := time.Duration(math.MaxInt64), time.Duration(0)
	for range 100 {
		wait := backoff(time.Second, 30*time.Second, 0, resp)
		if wait < time.Second || wait > 1250*time.Millisecond {
			t.Fatalf("backoff after Retry-After: 1 = %s, want within [1s, 1.25s]", wait)
		}
		shortest, longest = min(shortest, wait), max(longest, wait)
	}
	if spread := longest - shortest; spread < 100*time.Millisecond {
		t.Errorf("100 waits after Retry-After: 1 lie within %s of each other, want them spread over most of 250ms", spread)
	}
}
