package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// metrics scrapes the service's metrics handler, which serve mounts on the
// operator's metrics listener, not on the API.
func (e *env) metrics() string {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.handler.(*Server).MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		e.t.Fatalf("metrics = %d %s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetricsCountByRoutePattern(t *testing.T) {
	e := newEnv(t, Config{})
	for range 2 {
		e.do("GET", "/v1/aws/connections/conn_a", e.ro, "")
	}
	e.do("GET", "/v1/aws/connections/conn_b", "", "")
	body := e.metrics()
	for _, want := range []string{
		"# TYPE costlink_http_requests_total counter\n",
		`costlink_http_requests_total{method="GET",route="/v1/aws/connections/{id}",status="404"} 2` + "\n",
		`costlink_http_requests_total{method="GET",route="/v1/aws/connections/{id}",status="401"} 1` + "\n",
		"# TYPE costlink_http_request_duration_seconds histogram\n",
		`costlink_http_request_duration_seconds_count{method="GET",route="/v1/aws/connections/{id}"} 3` + "\n",
		"# TYPE go_goroutines gauge\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "conn_a") {
		t.Errorf("metrics use raw paths:\n%s", body)
	}
}

// TestMetricLabelsAreBounded: made-up methods and paths must not add series,
// or a client could grow the service's memory and /metrics without bound.
func TestMetricLabelsAreBounded(t *testing.T) {
	e := newEnv(t, Config{})
	for i := range 20000 {
		method := fmt.Sprintf("M%05d", i)
		e.do(method, "/v1/aws/connections", "", "")
		e.do("GET", "/made/up/"+method, "", "")
	}
	series, exposition := 0, e.metrics()
	for line := range strings.Lines(exposition) {
		if strings.HasPrefix(line, "costlink_http_requests_total{") {
			series++
			if !strings.Contains(line, `method="other"`) && !strings.Contains(line, `method="GET"`) {
				t.Errorf("a made-up method is a label value: %s", line)
			}
		}
	}
	t.Logf("20,000 made-up methods and paths: %d request series, %d bytes of metrics", series, len(exposition))
	if series == 0 || series > 5 {
		t.Errorf("20,000 made-up methods and paths made %d request series, want a handful", series)
	}
}

// TestMetricsNotOnTheAPI: the metrics say how the service is used, so they
// are served only on the operator's listener.
func TestMetricsNotOnTheAPI(t *testing.T) {
	e := newEnv(t, Config{})
	e.do("GET", "/metrics", "", "").wantProblem(t, http.StatusNotFound, "not_found")
}
