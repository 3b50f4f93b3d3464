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

// DefaultCheckLease is how long a replica holds a connection for one check
// when Config.CheckLease does not say: a check is bounded to two thirds of
// it, so that a live replica's lease never lapses mid-check, and a dead
// replica's connections are checked by another within it.
const DefaultCheckLease = 3 * time.Minute

// checkTimeout bounds a check once leased: two thirds of the lease, so
// that a live replica's lease never lapses mid-check.
func (k *checks) checkTimeout() time.Duration { return k.lease * 2 / 3 }

// leasePoll is how often a replica that waits for another's check, or for
// due connections, looks at the database.
const leasePoll = 250 * time.Millisecond

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
	run     func(context.Context, checkJob) (store.Health, error)
	log     *slog.Logger
	owner   string        // this replica, in the database's leases
	lease   time.Duration // how long a lease lasts

	mu       sync.Mutex
	queued   *sync.Cond         // signalled when a check is queued or the checks close
	freed    chan struct{}      // receives when a worker comes free, for the periodic claims
	flights  map[string]*flight // queued or running, by flightKey
	urgent   []*flight          // someone waits for these (on demand, after a change): run first
	routine  []*flight          // periodic
	closed   bool
	interval time.Duration // of the periodic checks; 0 when they do not run
	ran      int           // checks finished since the last report
	busy     time.Duration // the time they took
	lag      time.Duration // the latest a periodic check started after it was due, since the last report

	ctx     context.Context // cancelled by close
	cancel  context.CancelFunc
	size    int // workers
	workers sync.WaitGroup
}

// checkJob is one check to run: of conn, with the lease on it already held
// when a periodic claim took it, and the next periodic check then due.
type checkJob struct {
	conn   store.Connection
	leased bool
	next   time.Time // zero: the interval from now, if periodic checks run
}

// flight is one queued or running check and, once done is closed, its outcome.
type flight struct {
	checkJob
	urgent  bool // in the urgent queue
	started bool

	done   chan struct{}
	health store.Health
	err    error
}

// newChecks starts workers (DefaultCheckConcurrency when below 1) that run
// queued checks with run, under leases of replica owner for lease
// (DefaultCheckLease when not positive).
func newChecks(prober Prober, workers int, owner string, lease time.Duration, run func(context.Context, checkJob) (store.Health, error), log *slog.Logger) *checks {
	ctx, cancel := context.WithCancel(context.Background())
	if lease <= 0 {
		lease = DefaultCheckLease
	}
	k := &checks{
		prober:  prober,
		results: newCounterVec("costlink_health_checks_total", "Health checks run, by result.", "result"),
		run:     run,
		log:     log,
		owner:   owner,
		lease:   lease,
		flights: map[string]*flight{},
		freed:   make(chan struct{}, 1),
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

// request queues job's check unless one of its connection version is
// queued or running, and returns that check. An urgent request moves a
// queued periodic check ahead; a periodic claim's lease passes to the
// check it joins.
func (k *checks) request(job checkJob, urgent bool) *flight {
	key := flightKey(job.conn)
	k.mu.Lock()
	defer k.mu.Unlock()
	f, joined := k.flights[key]
	if joined && job.leased && !f.started {
		f.leased, f.next = true, job.next
	}
	switch {
	case !joined && k.closed:
		f = &flight{checkJob: job, done: make(chan struct{}), err: errChecksStopped}
		close(f.done)
		return f
	case !joined:
		f = &flight{checkJob: job, done: make(chan struct{})}
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
		f.health, f.err = k.run(k.ctx, f.checkJob)
		if f.err != nil && k.ctx.Err() == nil {
			k.log.Error("health check failed", "connection", f.conn.ID, "error", f.err)
		}
		k.mu.Lock()
		delete(k.flights, flightKey(f.conn))
		k.ran++
		k.busy += time.Since(began)
		k.mu.Unlock()
		close(f.done)
		select {
		case k.freed <- struct{}{}:
		default: // a wake-up is pending already
		}
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

// report logs what the periodic checks of the last interval needed: the
// workers busy at once, over every replica, are the checks a second that
// total connections need times a check's mean duration. Checks that start
// late (lag) mean this replica's workers, with the others', fall short.
func (k *checks) report(total int, interval time.Duration) {
	k.mu.Lock()
	ran, busy, lag := k.ran, k.busy, k.lag
	k.ran, k.busy, k.lag = 0, 0, 0
	k.mu.Unlock()
	if ran == 0 {
		return
	}
	mean := busy / time.Duration(ran)
	perSecond := float64(total) / interval.Seconds()
	needed := int(math.Ceil(perSecond * mean.Seconds()))
	attrs := []any{"connections", total, "checks_per_second", perSecond, "mean_check", mean, "checks_here", ran,
		"workers_needed", needed, "workers", k.size, "latest_start", lag}
	if lag > interval/10 {
		k.log.Warn("periodic health checks start late: connections are checked less often than the interval; "+
			"raise --check-concurrency (workers_needed is over all replicas) or --check-interval", attrs...)
		return
	}
	k.log.Info("periodic health checks kept their interval", attrs...)
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

// runCheck checks c now, or joins the check of c already queued or running
// here or on another replica, and returns the connection's health as
// stored afterwards.
func (s *server) runCheck(ctx context.Context, c store.Connection) (store.Health, error) {
	return s.checks.request(checkJob{conn: c}, true).wait(ctx)
}

// checkSoon queues a check of c, unless one is queued or running, and does
// not wait for it.
func (s *server) checkSoon(c store.Connection) {
	if s.checks != nil {
		s.checks.request(checkJob{conn: c}, true)
	}
}
