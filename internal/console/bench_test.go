package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkConnectionsPage measures the server's time for a page of the
// table in an organization of 1,000 connections: the console's handler and
// the in-process API calls behind it, with no network. It must stay under
// 200 ms; ms/op reports it.
func BenchmarkConnectionsPage(b *testing.B) {
	ts := newTestService(b, false)
	ts.seedBilling(b)
	ts.seedConnections(b, 1000)
	cookie := ts.signInDirect(b, ts.writeKey)

	for name, query := range map[string]string{
		"first page":      "",
		"unhealthy":       "?status=unhealthy",
		"search, no hits": "?q=nothing-like-this",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, connectionsPath+query, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				ts.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s%s: %d", connectionsPath, query, rec.Code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// signInDirect signs in through the handler and returns the session cookie.
func (ts *testService) signInDirect(tb testing.TB, key string) *http.Cookie {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, signInPath, strings.NewReader(url.Values{"api_key": {key}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	ts.handler.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "costlink_session" {
			return c
		}
	}
	tb.Fatalf("sign-in answered %d without a session cookie", rec.Code)
	return nil
}
