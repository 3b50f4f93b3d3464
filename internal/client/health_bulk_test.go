package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

func TestRequestHealthChecksSendsChunksOfAThousand(t *testing.T) {
	var sizes []int
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			IDs []string `json:"ids"`
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v1/aws/connections/health/checks" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Error(err)
		}
		sizes = append(sizes, len(body.IDs))
		missing := []string{}
		if slices.Contains(body.IDs, "conn_2400") {
			missing = append(missing, "conn_2400")
		}
		writeJSON(t, w, http.StatusAccepted, map[string]any{"queued": len(body.IDs) - len(missing), "missing": missing})
	})
	ids := make([]string, 2401)
	for i := range ids {
		ids[i] = fmt.Sprintf("conn_%d", i)
	}
	missing, err := c.RequestHealthChecks(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{1000, 1000, 401}) || !slices.Equal(missing, []string{"conn_2400"}) {
		t.Errorf("requests of %v IDs, missing %v; want 1000, 1000, 401 and conn_2400", sizes, missing)
	}
}

func TestRequestHealthChecksFails(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusForbidden, "forbidden", "this API key lacks connections:write", nil)
	})
	if _, err := c.RequestHealthChecks(context.Background(), []string{"conn_1"}); !IsForbidden(err) {
		t.Errorf("error = %v, want forbidden", err)
	}
}
