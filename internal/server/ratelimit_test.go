package server

import (
	"net/http"
	"strconv"
	"testing"
)

func TestRateLimitPerKey(t *testing.T) {
	e := newEnv(t, Config{RateLimit: 0.01, RateBurst: 2})
	for range 2 {
		e.do("GET", "/v1/aws/connections", e.ro, "").wantStatus(t, http.StatusOK)
	}
	res := e.do("GET", "/v1/aws/connections", e.ro, "")
	res.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q, want whole seconds", res.header.Get("Retry-After"))
	}
	// Each key has its own bucket, and public routes have none.
	e.do("GET", "/v1/aws/connections", e.rw, "").wantStatus(t, http.StatusOK)
	for range 3 {
		e.do("GET", "/healthz", "", "").wantStatus(t, http.StatusOK)
	}
}

func TestNoRateLimitByDefault(t *testing.T) {
	e := newEnv(t, Config{})
	for range 50 {
		e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
	}
}
