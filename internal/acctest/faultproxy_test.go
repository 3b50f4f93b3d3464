package acctest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// backend is a service stand-in that counts the requests it received.
func backend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		received.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &received
}

// outcome sends one request and describes what the client saw: the status
// code, or "error" when the connection broke.
func outcome(t *testing.T, url string) (string, http.Header) {
	t.Helper()
	// No connection reuse: a broken reused connection would make the
	// transport replay a GET on its own, which is a second proxy request.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return "error", nil
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Status[:3], resp.Header
}

func TestFaultProxyEachFault(t *testing.T) {
	for _, tc := range []struct {
		fault        Fault
		want         string
		wantReceived int64
	}{
		{FaultDrop, "error", 0},
		{FaultBadGateway, "502", 0},
		{FaultUnavailable, "503", 0},
		{FaultRateLimit, "429", 0},
		{FaultLostResponse, "error", 1},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			srv, received := backend(t)
			p := NewFaultProxy(t, srv.URL, FaultProxyOptions{Seed: 1, Rate: 1, Faults: []Fault{tc.fault}})
			got, header := outcome(t, p.URL+"/v1/aws/connections")
			if got != tc.want {
				t.Errorf("client saw %s, want %s", got, tc.want)
			}
			if received.Load() != tc.wantReceived {
				t.Errorf("the service received %d requests, want %d", received.Load(), tc.wantReceived)
			}
			if tc.fault == FaultRateLimit && header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After = %q, want 1", header.Get("Retry-After"))
			}
			counts := p.Counts()
			if counts.Requests != 1 || counts.Faults[tc.fault] != 1 || counts.Faulted() != 1 {
				t.Errorf("counts = %s, want one request meeting %s", counts, tc.fault)
			}
		})
	}
}

func TestFaultProxyOnlyFaultsTheAPI(t *testing.T) {
	srv, received := backend(t)
	p := NewFaultProxy(t, srv.URL, FaultProxyOptions{Seed: 1, Rate: 1})
	for _, path := range []string{"/healthz", "/metrics", "/v1"} {
		if got, _ := outcome(t, p.URL+path); got != "200" {
			t.Errorf("GET %s: client saw %s, want 200", path, got)
		}
	}
	if received.Load() != 3 || p.Counts().Requests != 0 {
		t.Errorf("the service received %d requests and the proxy counted %d API requests, want 3 and 0", received.Load(), p.Counts().Requests)
	}
}

// TestFaultProxySeeded checks that a seed fixes the faults requests meet
// in order, and that the rate is the share of requests faulted.
func TestFaultProxySeeded(t *testing.T) {
	srv, _ := backend(t)
	run := func(seed uint64) ([]string, FaultCounts) {
		p := NewFaultProxy(t, srv.URL, FaultProxyOptions{Seed: seed, Rate: 0.3})
		var seen []string
		for range 400 {
			got, _ := outcome(t, p.URL+"/v1/organization")
			seen = append(seen, got)
		}
		return seen, p.Counts()
	}
	first, counts := run(7)
	again, _ := run(7)
	other, _ := run(8)
	if !slices.Equal(first, again) {
		t.Error("the same seed gave different outcomes")
	}
	if slices.Equal(first, other) {
		t.Error("another seed gave the same outcomes")
	}
	if share := counts.FaultedShare(); share < 0.25 || share > 0.35 {
		t.Errorf("%.2f of requests faulted at rate 0.3 (%s)", share, counts)
	}
	for _, f := range AllFaults {
		if counts.Faults[f] == 0 {
			t.Errorf("no request met %s in 400 (%s)", f, counts)
		}
	}
}

func TestFaultProxyLatency(t *testing.T) {
	srv, _ := backend(t)
	p := NewFaultProxy(t, srv.URL, FaultProxyOptions{Latency: 200 * time.Millisecond})
	start := time.Now()
	if got, _ := outcome(t, p.URL+"/v1/organization"); got != "200" {
		t.Fatalf("client saw %s, want 200", got)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Errorf("answered in %s, want at least the 200ms latency", elapsed)
	}
}

func TestFaultProxyServiceDown(t *testing.T) {
	srv, _ := backend(t)
	p := NewFaultProxy(t, srv.URL, FaultProxyOptions{})
	srv.Close()
	if got, _ := outcome(t, p.URL+"/v1/organization"); got != "502" {
		t.Errorf("client saw %s, want 502", got)
	}
	if counts := p.Counts(); counts.UpstreamErrors != 1 || counts.Faulted() != 0 {
		t.Errorf("counts = %s, want one upstream error and no fault", counts)
	}
}
