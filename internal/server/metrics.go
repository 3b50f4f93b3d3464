package server

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// otherLabel stands for any route or method outside the fixed sets, so that
// made-up methods and paths cannot add series.
const otherLabel = "other"

// knownMethods are the methods of RFC 9110 and PATCH: the method label's values.
var knownMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

// metrics are the service's Prometheus metrics, in a registry of their own
// so that each Server (and each test) counts apart.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "costlink_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "costlink_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// counterVec is a labelled counter that a Server's metrics register.
type counterVec struct{ *prometheus.CounterVec }

func newCounterVec(name, help string, labels ...string) *counterVec {
	return &counterVec{prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)}
}

// inc adds one to the series with the given label values, in label order.
func (c *counterVec) inc(values ...string) { c.WithLabelValues(values...).Inc() }

// routeLabel is the path of the route pattern a request matched, such as
// "/v1/aws/connections/{id}" (never the raw path, which holds IDs), or
// "other" when it matched none. The mux registers only the routes table's
// paths and "/" for the rest, so the values are a fixed set.
func routeLabel(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if pattern == "" || pattern == "/" {
		return otherLabel
	}
	return pattern
}

// methodLabel is method when it is a known HTTP method, else "other".
func methodLabel(method string) string {
	if slices.Contains(knownMethods, method) {
		return method
	}
	return otherLabel
}

// MetricsHandler serves the service's metrics in the Prometheus exposition
// formats. It is not part of the API: serve mounts it only on the
// operator's --metrics-addr listener.
func (srv *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(srv.s.metrics.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(srv.s.log.Handler(), slog.LevelError),
	})
}
