package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
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

// observe logs, counts and times every request by route pattern and known
// method: label values come from fixed sets, so no request adds a series.
// Headers are never logged: they carry the API key.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
		setSecurityHeaders(w.Header())
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		route, method := routeLabel(r.Pattern), methodLabel(r.Method)
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
			slog.String("org", ri.key.OrgID))
	})
}

// setSecurityHeaders marks every response as not to be sniffed or stored:
// responses carry the organization's external ID, which no cache or
// browser should keep or reinterpret.
func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
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
