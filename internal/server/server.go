// Package server is the HTTP API of the costlink connection service: routing,
// authentication and scopes, rate limits, problem+json errors, and the
// connection and organization operations on top of package store.
package server

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// Config configures the API handler.
type Config struct {
	// Store holds the service's records. Required.
	Store *store.Store
	// Logger receives one line per request and any internal error; nil discards logs.
	Logger *slog.Logger
	// PrincipalARN is the platform's AWS principal that customers' roles
	// trust, reported by GET /v1/organization; "" when not configured.
	PrincipalARN string
	// RateLimit is the sustained number of requests per second each API key
	// may make; 0 or less disables rate limiting.
	RateLimit float64
	// RateBurst is how many requests a key may make at once before the
	// sustained rate applies; values below 1 mean 1.
	RateBurst int
	// IPRateLimit is the sustained number of requests per second each
	// client address (an IPv6 /64) may make, counted before authentication;
	// 0 or less disables the limit.
	IPRateLimit float64
	// IPRateBurst is how many requests an address may make at once before
	// the sustained rate applies; values below 1 mean 1.
	IPRateBurst int
	// GeneratePolicy generates the permissions of a connection type;
	// nil means iampolicy.Generate. Tests swap in a newer policy with it.
	GeneratePolicy func(iampolicy.Input) (iampolicy.Policy, error)
	// Prober checks connections' health with the service's AWS credentials;
	// nil runs no checks (health stays pending).
	Prober Prober
	// CheckConcurrency is the most health checks run at once: periodic,
	// after a change and on demand together; periodic checks are paced over
	// their interval and use what it needs. Values below 1 mean
	// DefaultCheckConcurrency.
	CheckConcurrency int
	// ReplicaID names this replica in the database's health-check leases
	// and its logs; "" means the host name and a random suffix. Replicas
	// on one database must have different IDs.
	ReplicaID string
	// CheckLease is how long a replica holds a connection for one check;
	// a check is bounded to two thirds of it, and the connections of a
	// replica that dies are checked by another after it. Values below 1
	// mean DefaultCheckLease.
	CheckLease time.Duration
}

// Server is the API: an http.Handler, plus the health checks it starts.
type Server struct {
	s       *server
	handler http.Handler
}

// server is the state the handlers share.
type server struct {
	store        *store.Store
	log          *slog.Logger
	principalARN string
	generate     func(iampolicy.Input) (iampolicy.Policy, error)
	limiter      *keyLimiter
	addresses    *addressLimiter
	metrics      *metrics
	checks       *checks       // nil without a Prober
	checkWait    time.Duration // OnDemandCheckWait; tests shorten it
}

// New returns the API, ready to serve or to mount in a test. Close it to
// stop the health checks it runs in the background.
func New(cfg Config) *Server {
	s := &server{
		store:        cfg.Store,
		log:          cfg.Logger,
		principalARN: cfg.PrincipalARN,
		generate:     cfg.GeneratePolicy,
		limiter:      newKeyLimiter(cfg.RateLimit, cfg.RateBurst),
		addresses:    newAddressLimiter(cfg.IPRateLimit, cfg.IPRateBurst),
		metrics:      newMetrics(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.generate == nil {
		s.generate = generateOnce(iampolicy.Generate)
	}
	if cfg.Prober != nil {
		s.checks = newChecks(cfg.Prober, cfg.CheckConcurrency, replicaID(cfg.ReplicaID), cfg.CheckLease, s.check, s.log)
		s.checkWait = OnDemandCheckWait
		s.metrics.registry.MustRegister(s.checks.collectors()...)
	}
	return &Server{s: s, handler: s.observe(s.limitAddresses(s.mux()))}
}

func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { srv.handler.ServeHTTP(w, r) }

// Close stops the background health checks and waits for them to end.
func (srv *Server) Close() {
	if k := srv.s.checks; k != nil {
		k.close()
	}
}

// replicaID is id, or the host name and a random suffix: unique among
// replicas, and telling an operator which host holds a lease.
func replicaID(id string) string {
	if id != "" {
		return id
	}
	host, err := os.Hostname()
	if err != nil {
		host = "costlink-server"
	}
	return host + "-" + rand.Text()[:8]
}

// generateOnce remembers each input's policy: generating one costs about
// 2 ms of CPU, every check needs one, and generate (iampolicy.Generate)
// always yields the same policy for the same input. Callers only read it.
func generateOnce(generate func(iampolicy.Input) (iampolicy.Policy, error)) func(iampolicy.Input) (iampolicy.Policy, error) {
	var generated sync.Map // iampolicy.Input → iampolicy.Policy
	return func(in iampolicy.Input) (iampolicy.Policy, error) {
		if p, ok := generated.Load(in); ok {
			return p.(iampolicy.Policy), nil
		}
		p, err := generate(in)
		if err == nil {
			generated.Store(in, p)
		}
		return p, err
	}
}
