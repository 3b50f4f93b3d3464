package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// Prober checks one connection's role; *health.Checker is the real one.
type Prober interface {
	Check(ctx context.Context, t health.Target) health.Result
}

// checks runs health checks: right after a change, on demand, and
// periodically. A connection has at most one check of its current version
// running; a second request for it waits for that one.
type checks struct {
	prober  Prober
	results *counterVec

	mu      sync.Mutex
	running map[string]*flight // by connection ID and version

	background context.Context // of checks nobody waits for; cancelled by Close
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// flight is one running check and, once done is closed, its outcome.
type flight struct {
	done   chan struct{}
	health store.Health
	err    error
}

func newChecks(prober Prober) *checks {
	ctx, cancel := context.WithCancel(context.Background())
	return &checks{
		prober:     prober,
		results:    newCounterVec("costlink_health_checks_total", "Health checks run, by result.", "result"),
		running:    map[string]*flight{},
		background: ctx,
		cancel:     cancel,
	}
}

// flightKey is per version: a check of the previous role is no answer for
// the current one.
func flightKey(c store.Connection) string { return fmt.Sprintf("%s@%d", c.ID, c.Version) }

// run checks c now, or waits for the check of c already running, and
// returns the connection's health as stored afterwards.
func (s *server) runCheck(ctx context.Context, c store.Connection) (store.Health, error) {
	k := s.checks
	key := flightKey(c)
	k.mu.Lock()
	if f, ok := k.running[key]; ok {
		k.mu.Unlock()
		select {
		case <-f.done:
			return f.health, f.err
		case <-ctx.Done():
			return store.Health{}, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	k.running[key] = f
	k.mu.Unlock()

	f.health, f.err = s.check(ctx, c)

	k.mu.Lock()
	delete(k.running, key)
	k.mu.Unlock()
	close(f.done)
	return f.health, f.err
}

// checkSoon starts a check of c in the background unless one is running.
func (s *server) checkSoon(c store.Connection) {
	k := s.checks
	if k == nil || k.isRunning(c) {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		if _, err := s.runCheck(k.background, c); err != nil && k.background.Err() == nil {
			s.log.Error("health check failed", "connection", c.ID, "error", err)
		}
	}()
}

func (k *checks) isRunning(c store.Connection) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.running[flightKey(c)]
	return ok
}

// check runs one check of c and stores its result.
func (s *server) check(ctx context.Context, c store.Connection) (store.Health, error) {
	org, err := s.store.Organization(ctx, c.OrgID)
	if err != nil {
		return store.Health{}, err
	}
	policy, err := s.generatedPolicy(c.Type, c.BillingBucket)
	if err != nil {
		return store.Health{}, err
	}
	res := s.checks.prober.Check(ctx, health.Target{
		RoleARN: c.RoleARN, ExternalID: org.ExternalID, PrincipalARN: s.principalARN, Regions: c.Regions, Policy: policy,
	})
	h := store.Health{Status: store.HealthHealthy, CheckedAt: res.CheckedAt, PolicyVersion: res.PolicyVersion}
	codes := make([]string, len(res.Details))
	for i, d := range res.Details {
		h.Status = store.HealthUnhealthy
		h.Details = append(h.Details, store.HealthDetail{Code: d.Code, Message: d.Message, Remediation: d.Remediation})
		codes[i] = d.Code
	}
	saved, err := s.store.SaveHealth(ctx, c.ID, c.Version, h)
	if err != nil {
		return store.Health{}, err
	}
	result := h.Status
	if !saved {
		result = "stale" // the connection changed while the check ran
	}
	s.checks.results.inc(result)
	s.log.Info("health check", "connection", c.ID, "org", c.OrgID, "result", result, "codes", codes)

	current, err := s.store.Connection(ctx, c.OrgID, c.ID)
	return current.Health, err
}

// generatedPolicy is the policy a connection type's role must have now.
func (s *server) generatedPolicy(connType, bucket string) (iampolicy.Policy, error) {
	principal, err := validate.ParsePrincipalARN(s.principalARN)
	if err != nil {
		return iampolicy.Policy{}, err
	}
	return s.generate(iampolicy.Input{Type: connType, BillingBucket: bucket, Partition: principal.Partition})
}

// RunChecks checks every connection whose last check is older than
// interval, until ctx ends, with at most concurrency checks at once. It
// looks for due connections several times per interval, with jitter, so a
// large organization's checks spread out instead of arriving together.
func (srv *Server) RunChecks(ctx context.Context, interval time.Duration, concurrency int) {
	s := srv.s
	if s.checks == nil {
		return
	}
	slots := make(chan struct{}, max(concurrency, 1))
	for {
		pause := interval / 4
		pause += time.Duration(rand.Int64N(int64(pause)/5+1)) - pause/10 // ±10%
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		due, err := s.store.ConnectionsCheckedBefore(ctx, time.Now().Add(-interval), 1000)
		if err != nil {
			s.log.Error("listing connections due for a check", "error", err)
			continue
		}
	round:
		for _, c := range due {
			if s.checks.isRunning(c) {
				continue // the previous check of this connection is still running
			}
			select {
			case slots <- struct{}{}:
			default:
				break round // every slot busy: the rest wait for the next round
			}
			s.checks.wg.Add(1)
			go func() {
				defer func() { <-slots; s.checks.wg.Done() }()
				if _, err := s.runCheck(ctx, c); err != nil && ctx.Err() == nil {
					s.log.Error("periodic health check failed", "connection", c.ID, "error", err)
				}
			}()
		}
	}
}
