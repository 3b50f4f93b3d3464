package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testKey looks like a real key, so that a leak of it is easy to spot.
const testKey = "clk_0123456789abcdef0123456789abcdef01234567"

// newTestClient serves h on a loopback test server and returns a client of
// it with two retries that wait about a millisecond. opts adjust the Config.
func newTestClient(t *testing.T, h http.HandlerFunc, opts ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		BaseURL:          srv.URL,
		APIKey:           testKey,
		UserAgentVersion: "1.2.3",
		MaxRetries:       new(2),
		RetryWaitMin:     time.Millisecond,
		RetryWaitMax:     time.Millisecond,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("encoding the response: %v", err)
	}
}

// writeProblem answers with a problem+json body of the given code, as the
// service does.
func writeProblem(t *testing.T, w http.ResponseWriter, status int, code, detail string, extra map[string]any) {
	t.Helper()
	problem := map[string]any{
		"type":   "urn:costlink:problem:" + code,
		"title":  http.StatusText(status),
		"status": status,
		"detail": detail,
	}
	for k, v := range extra {
		problem[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(problem); err != nil {
		t.Errorf("encoding the problem: %v", err)
	}
}
