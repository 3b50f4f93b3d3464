package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// requestInfo is filled in while a request is served and read when it ends.
type requestInfo struct {
	key store.APIKey // the caller's key once authenticated
}

type requestInfoKey struct{}

// info returns the request's requestInfo; observe always installs one.
func info(r *http.Request) *requestInfo {
	return r.Context().Value(requestInfoKey{}).(*requestInfo)
}

// orgID is the caller's organization: every record a handler touches is scoped to it.
func orgID(r *http.Request) string { return info(r).key.OrgID }

// observe logs and counts every request by route pattern (never the raw
// path, which holds IDs). Headers are never logged: they carry the API key.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		route := routeLabel(r.Pattern)
		s.requests.inc(route, r.Method, strconv.Itoa(status))
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("org", ri.key.OrgID))
	})
}

// routeLabel turns a matched mux pattern such as "GET /v1/x/{id}" into its path.
func routeLabel(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return path
	}
	return pattern
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
