package server

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestHealthz(t *testing.T) {
	e := newEnv(t, Config{})
	if res := e.do("GET", "/healthz", "", "").wantStatus(t, http.StatusOK); strings.TrimSpace(string(res.body)) != `{"status":"ok"}` {
		t.Errorf("healthz body = %s", res.body)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t, Config{})
	e.do("GET", "/v2/nothing", e.rw, "").wantProblem(t, http.StatusNotFound, "not_found")
	res := e.do("PUT", "/v1/aws/connections/conn_x", e.rw, "{}")
	res.wantProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := res.header.Get("Allow"); got != "GET, PATCH, DELETE" {
		t.Errorf("Allow = %q", got)
	}
}

func TestRequestLogs(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	e.do("GET", "/v1/aws/connections", "clk_not_a_real_key", "")

	logs := e.logs.String()
	for _, secret := range []string{e.rw, "clk_not_a_real_key", "Bearer", "Authorization"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2:\n%s", len(lines), logs)
	}
	created := lines[0]
	if created["method"] != "POST" || created["route"] != "/v1/aws/connections" || created["status"] != float64(201) ||
		created["org"] != e.org.ID || created["duration"] == nil {
		t.Errorf("request log = %v", created)
	}
	if lines[1]["status"] != float64(401) || lines[1]["org"] != "" {
		t.Errorf("unauthenticated request log = %v", lines[1])
	}
}
