package server

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// schedule is where periodic checks find their work: *store.Store, shared
// by every replica.
type schedule interface {
	ClaimDueChecks(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.Connection, error)
	ScheduleCheck(ctx context.Context, id, owner string, at time.Time) error
	CountConnections(ctx context.Context) (int, error)
}

// RunChecks checks every connection once per interval, in total over every
// replica that runs it on the same database, until ctx ends, on the workers
// every check shares (see Config.CheckConcurrency).
func (srv *Server) RunChecks(ctx context.Context, interval time.Duration) {
	if k := srv.s.checks; k != nil {
		k.runPeriodic(ctx, srv.s.store, interval)
	}
}

// runPeriodic claims due connections as workers come free and queues their
// checks. A claim is a lease in the database: the other replicas pass the
// connection over until the check saves its result, which sets the next
// due time one interval on, or until the lease expires because this replica
// died. Claiming no more than the idle workers can start leaves the rest to
// replicas with idle workers.
func (k *checks) runPeriodic(ctx context.Context, work schedule, interval time.Duration) {
	k.mu.Lock()
	k.interval = interval
	k.mu.Unlock()
	began := time.Now()
	reportAt := began.Add(interval)
	for {
		claimed, idle := k.claim(ctx, work, began, interval)
		if now := time.Now(); now.After(reportAt) {
			reportAt = now.Add(interval)
			if total, err := work.CountConnections(ctx); err == nil {
				k.report(total, interval)
			}
		}
		if claimed == idle && idle > 0 {
			continue // more may be due: claim again at once
		}
		if !k.waitForWork(ctx, min(leasePoll, interval/4)) {
			return
		}
	}
}

// waitForWork waits until a worker comes free or poll passes (connections
// fall due, other replicas release leases), and reports false if ctx ends
// first.
func (k *checks) waitForWork(ctx context.Context, poll time.Duration) bool {
	timer := time.NewTimer(poll)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-k.freed:
	case <-timer.C:
	}
	return true
}

// claim leases as many due connections as there are idle workers and
// queues their checks; it returns how many it claimed, and of how many.
// A connection never scheduled is due at its phase of the first interval
// from began: before that, the claim only schedules it.
func (k *checks) claim(ctx context.Context, work schedule, began time.Time, interval time.Duration) (claimed, idle int) {
	idle = k.size - k.pending()
	if idle <= 0 {
		return 0, 0
	}
	now := time.Now()
	conns, err := work.ClaimDueChecks(ctx, k.owner, now, k.lease, idle)
	if err != nil {
		if ctx.Err() == nil {
			k.log.Error("claiming connections due for a check", "error", err)
		}
		return 0, idle
	}
	for _, c := range conns {
		due := c.NextCheckAt
		if due.IsZero() {
			due = began.Add(phase(c.ID, interval))
			if due.After(now) {
				if err := work.ScheduleCheck(ctx, c.ID, k.owner, due); err != nil && ctx.Err() == nil {
					k.log.Error("scheduling a connection's periodic checks", "connection", c.ID, "error", err)
				}
				continue
			}
		}
		k.notePeriodicStart(now.Sub(due))
		k.request(checkJob{conn: c, leased: true, next: nextCheck(due, now, interval)}, false)
	}
	return len(conns), idle
}

// phase is where in each interval a connection's periodic checks fall when
// nothing has scheduled them yet (connections from before schedules, or
// created while no replica ran periodic checks): spread by the hash of its
// ID, so that such connections do not all come due at once, and then, at
// a fixed rate, together for ever after.
func phase(id string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(id)) //nolint:errcheck // a hash.Hash never fails to write
	return time.Duration(h.Sum64() % uint64(interval))
}

// nextCheck is when a connection due at scheduled and claimed at now is due
// next: one interval after it was due, so that checks keep a fixed rate
// whatever their latency, or one interval from now for a connection left
// a whole interval behind (after downtime), rather than checking it again
// at once to catch up.
func nextCheck(scheduled, now time.Time, interval time.Duration) time.Time {
	if now.Sub(scheduled) >= interval {
		return now.Add(interval)
	}
	return scheduled.Add(interval)
}

// notePeriodicStart records how late a periodic check started.
func (k *checks) notePeriodicStart(lag time.Duration) {
	k.mu.Lock()
	k.lag = max(k.lag, lag)
	k.mu.Unlock()
}

// sleepUntil waits until t and reports true, or false if ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
