package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// DefaultCheckConcurrency is the most health checks that run at once when
// Config.CheckConcurrency does not say. Periodic checks use what their
// interval needs: 10,000 connections every 15 minutes, at about a second a
// check against AWS, keep about 12 running; the rest is room for checks
// after changes and on demand.
const DefaultCheckConcurrency = 32

// checkTimeout bounds one whole check. The prober bounds its AWS calls
// itself; this also covers the store reads and writes around them, so that
// nothing holds a worker for ever.
const checkTimeout = 2 * time.Minute

// errChecksStopped ends the checks still queued when the service closes.
var errChecksStopped = errors.New("health checks stopped: the service is shutting down")

// Prober checks one connection's role; *health.Checker is the real one.
type Prober interface {
	Check(ctx context.Context, t health.Target) health.Result
}

// checks schedules every health check — after a change, on demand and
// periodic — onto a fixed number of workers, so one bound holds for all of
// them and a check waiting for a worker is a queue entry, not a goroutine.
// A connection version has at most one check queued or running; another
// request for it joins that one. Checks run on the scheduler's context, not
// a caller's: a caller that leaves fails nobody else.
//
// Joining is what golang.org/x/sync/singleflight does, but a Group runs a
// call at once, on its first caller's goroutine (Do) or a new one (DoChan):
// it has no queue for a fixed number of workers, no urgent checks ahead of
// periodic ones, and no way to move a queued periodic check ahead when
// someone comes to wait for it. So the flights are kept here.
type checks struct {
	prober  Prober
	results *counterVec
	run     func(context.Context, store.Connection) (store.Health, error)
	log     *slog.Logger

	mu      sync.Mutex
	queued  *sync.Cond         // signalled when a check is queued or the checks close
	flights map[string]*flight // queued or running, by flightKey
	urgent  []*flight          // someone waits for these (on demand, after a change): run first
	routine []*flight          // periodic
	closed  bool
	ran     int           // checks finished since the last sweep's report
	busy    time.Duration // the time they took

	ctx     context.Context // cancelled by close
	cancel  context.CancelFunc
	size    int // workers
	workers sync.WaitGroup
}

// flight is one queued or running check and, once done is closed, its outcome.
type flight struct {
	conn    store.Connection
	urgent  bool // in the urgent queue
	started bool

	done   chan struct{}
	health store.Health
	err    error
}

// newChecks starts workers (DefaultCheckConcurrency when below 1) that run
// queued checks with run.
func newChecks(prober Prober, workers int, run func(context.Context, store.Connection) (store.Health, error), log *slog.Logger) *checks {
	ctx, cancel := context.WithCancel(context.Background())
	k := &checks{
		prober:  prober,
		results: newCounterVec("costlink_health_checks_total", "Health checks run, by result.", "result"),
		run:     run,
		log:     log,
		flights: map[string]*flight{},
		ctx:     ctx,
		cancel:  cancel,
	}
	k.queued = sync.NewCond(&k.mu)
	if workers < 1 {
		workers = DefaultCheckConcurrency
	}
	k.size = workers
	for range workers {
		k.workers.Go(k.work)
	}
	return k
}

// flightKey is per version: a check of the previous role is no answer for
// the current one.
func flightKey(c store.Connection) string { return fmt.Sprintf("%s@%d", c.ID, c.Version) }

// request queues a check of c unless one is queued or running, and returns
// that check. An urgent request moves a queued periodic check ahead.
func (k *checks) request(c store.Connection, urgent bool) *flight {
	key := flightKey(c)
	k.mu.Lock()
	defer k.mu.Unlock()
	f, joined := k.flights[key]
	switch {
	case !joined && k.closed:
		f = &flight{conn: c, done: make(chan struct{}), err: errChecksStopped}
		close(f.done)
		return f
	case !joined:
		f = &flight{conn: c, done: make(chan struct{})}
		k.flights[key] = f
	case f.started || f.urgent || !urgent:
		return f
	}
	if urgent {
		f.urgent = true
		k.urgent = append(k.urgent, f)
	} else {
		k.routine = append(k.routine, f)
	}
	k.queued.Signal()
	return f
}

// wait returns the outcome of f, or ctx's error if ctx ends first; f goes
// on for whoever else waits for it.
func (f *flight) wait(ctx context.Context) (store.Health, error) {
	select {
	case <-f.done:
		return f.health, f.err
	case <-ctx.Done():
		return store.Health{}, ctx.Err()
	}
}

// work runs queued checks until the checks close.
func (k *checks) work() {
	for f := k.next(); f != nil; f = k.next() {
		began := time.Now()
		ctx, cancel := context.WithTimeout(k.ctx, checkTimeout)
		f.health, f.err = k.run(ctx, f.conn)
		cancel()
		if f.err != nil && k.ctx.Err() == nil {
			k.log.Error("health check failed", "connection", f.conn.ID, "error", f.err)
		}
		k.mu.Lock()
		delete(k.flights, flightKey(f.conn))
		k.ran++
		k.busy += time.Since(began)
		k.mu.Unlock()
		close(f.done)
	}
}

// next waits for a queued check, urgent ones first, and marks it started;
// it returns nil once the checks close.
func (k *checks) next() *flight {
	k.mu.Lock()
	defer k.mu.Unlock()
	for !k.closed {
		for _, queue := range []*[]*flight{&k.urgent, &k.routine} {
			for len(*queue) > 0 {
				f := (*queue)[0]
				(*queue)[0] = nil
				*queue = (*queue)[1:]
				if !f.started { // else an urgent request took it from the periodic queue
					f.started = true
					return f
				}
			}
		}
		k.queued.Wait()
	}
	return nil
}

// close ends the checks still queued with errChecksStopped, cancels the
// running ones and waits for them.
func (k *checks) close() {
	k.mu.Lock()
	k.closed = true
	for key, f := range k.flights {
		if !f.started {
			delete(k.flights, key)
			f.err = errChecksStopped
			close(f.done)
		}
	}
	k.urgent, k.routine = nil, nil
	k.queued.Broadcast()
	k.mu.Unlock()
	k.cancel()
	k.workers.Wait()
}

// pending is how many checks are queued or running.
func (k *checks) pending() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.flights)
}

// reportSweep logs what a sweep of connections over span needed: the
// workers busy at once on average are the checks started per second times
// a check's mean duration. Needing more than there are, the periodic checks
// fall behind and connections are checked less often than the interval.
func (k *checks) reportSweep(connections int, span time.Duration) {
	k.mu.Lock()
	ran, busy := k.ran, k.busy
	k.ran, k.busy = 0, 0
	k.mu.Unlock()
	if ran == 0 {
		return
	}
	mean := busy / time.Duration(ran)
	perSecond := float64(connections) / span.Seconds()
	needed := int(math.Ceil(perSecond * mean.Seconds()))
	attrs := []any{"connections", connections, "checks_per_second", perSecond, "mean_check", mean,
		"workers_needed", needed, "workers", k.size}
	if needed > k.size {
		k.log.Warn("periodic health checks need more workers than --check-concurrency allows: "+
			"connections are checked less often than the interval", attrs...)
		return
	}
	k.log.Info("periodic health checks swept every connection", attrs...)
}

// collectors are the checks' metrics: results, the checks pending, which
// grow when the workers cannot keep up, and the prober's own (a
// *health.Checker counts its AWS requests).
func (k *checks) collectors() []prometheus.Collector {
	cs := []prometheus.Collector{k.results, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "costlink_health_checks_pending",
		Help: "Health checks queued or running.",
	}, func() float64 { return float64(k.pending()) })}
	if c, ok := k.prober.(prometheus.Collector); ok {
		cs = append(cs, c)
	}
	return cs
}

// runCheck checks c now, or joins the check of c already queued or running,
// and returns the connection's health as stored afterwards.
func (s *server) runCheck(ctx context.Context, c store.Connection) (store.Health, error) {
	return s.checks.request(c, true).wait(ctx)
}

// checkSoon queues a check of c, unless one is queued or running, and does
// not wait for it.
func (s *server) checkSoon(c store.Connection) {
	if s.checks != nil {
		s.checks.request(c, true)
	}
}
