package bench

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// countingProxy sits between the provider and the service and counts the
// API requests that reach it and the 429s the service answers.
type countingProxy struct {
	URL      string
	requests atomic.Int64
	limited  atomic.Int64
}

// requestCounts are what a countingProxy saw between two moments.
type requestCounts struct {
	Requests, Limited int64
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("parsing the service URL %q: %v", target, err)
	}
	p := &countingProxy{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode == http.StatusTooManyRequests {
			p.limited.Add(1)
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// counts is what the proxy has seen so far.
func (p *countingProxy) counts() requestCounts {
	return requestCounts{Requests: p.requests.Load(), Limited: p.limited.Load()}
}

// since is what happened between earlier and c.
func (c requestCounts) since(earlier requestCounts) requestCounts {
	return requestCounts{Requests: c.Requests - earlier.Requests, Limited: c.Limited - earlier.Limited}
}
