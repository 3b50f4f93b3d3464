package client

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestLogsNeverContainTheAPIKey(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch attempts.Add(1) {
		case 1:
			// A careless server echoing the key must not leak it into the
			// logs either.
			w.Header().Set("Retry-After", "0")
			writeProblem(t, w, http.StatusTooManyRequests, "rate_limited", "too fast, "+r.Header.Get("Authorization"), nil)
		case 2:
			writeJSON(t, w, http.StatusCreated, map[string]any{"id": "conn_1", "name": "echo " + testKey})
		default:
			writeProblem(t, w, http.StatusUnauthorized, "unauthorized", "unknown key "+testKey, nil)
		}
	})
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)

	if _, err := c.CreateConnection(ctx, CreateConnectionRequest{Name: "prod"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrganization(ctx); !IsUnauthorized(err) {
		t.Fatalf("error = %v, want a 401", err)
	}

	raw := logs.String()
	if strings.Contains(raw, testKey) || !strings.Contains(raw, "***") {
		t.Errorf("the API key is not masked in the logs:\n%s", raw)
	}
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	messages := map[string]bool{}
	statuses := map[float64]bool{}
	for _, e := range entries {
		messages[e["@message"].(string)] = true
		if status, ok := e["http_status"].(float64); ok {
			statuses[status] = true
		}
	}
	for _, want := range []string{"costlink API request", "retrying costlink API request", "costlink API request body", "costlink API response body"} {
		if !messages[want] {
			t.Errorf("no %q in the logs: %v", want, messages)
		}
	}
	if !statuses[429] || !statuses[201] || !statuses[401] {
		t.Errorf("logged statuses = %v, want 429, 201 and 401", statuses)
	}
}

func TestLogsCarryAttemptStatusAndURL(t *testing.T) {
	var attempts atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{})
	})
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)

	if _, err := c.GetOrganization(ctx); err != nil {
		t.Fatal(err)
	}

	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string // attempt:status
	for _, e := range entries {
		if e["@message"] != "costlink API request" {
			continue
		}
		if e["costlink_api_method"] != "GET" || e["costlink_api_url"] != c.BaseURL()+"/v1/organization" {
			t.Errorf("entry lacks the method and URL: %v", e)
		}
		if _, ok := e["duration_ms"]; !ok {
			t.Errorf("entry lacks the duration: %v", e)
		}
		got = append(got, fmt.Sprintf("%v:%v", e["attempt"], e["http_status"]))
	}
	if want := "1:503,2:200"; strings.Join(got, ",") != want {
		t.Errorf("attempts logged = %v, want %s", got, want)
	}
}
