package server

import (
	"context"
	"errors"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// sweepShare is the part of the interval one sweep spreads its checks over.
// The rest absorbs checks that start late (the workers busy with checks
// someone waits for, a slow store), so that each connection is checked
// within the interval.
const sweepShare = 0.9

// sweepLimit bounds one sweep's work list: far above what one service
// checks, it only keeps a runaway table from taking the memory.
const sweepLimit = 1_000_000

// workList is where periodic checks find the connections to check:
// *store.Store.
type workList interface {
	ConnectionsCheckedBefore(ctx context.Context, t time.Time, limit int) ([]store.Connection, error)
	Connection(ctx context.Context, orgID, id string) (store.Connection, error)
}

// RunChecks checks every connection about once per interval, until ctx
// ends, on the workers every check shares (see Config.CheckConcurrency).
func (srv *Server) RunChecks(ctx context.Context, interval time.Duration) {
	if k := srv.s.checks; k != nil {
		k.runPeriodic(ctx, srv.s.store, interval)
	}
}

// runPeriodic sweeps the connections in list, one sweep after another,
// each over 90% of interval. A sweep lists the connections, oldest check
// first, and queues their checks one at a time at an even pace. So N
// connections cost N / interval checks a second whatever their history (a
// thousand created by one apply are not checked in bursts), and the checks
// running at once are what the interval needs, that rate times a check's
// duration, up to the workers' bound.
func (k *checks) runPeriodic(ctx context.Context, list workList, interval time.Duration) {
	span := time.Duration(float64(interval) * sweepShare)
	for {
		start := time.Now()
		k.sweep(ctx, list, start, span)
		if !sleepUntil(ctx, start.Add(span)) {
			return
		}
	}
}

// sweep queues a check of each connection last checked before start,
// oldest first, at an even pace over span.
func (k *checks) sweep(ctx context.Context, list workList, start time.Time, span time.Duration) {
	// The store keeps check times to the second: a check in the second the
	// sweep starts counts as before it, or the last checks of the previous
	// sweep would wait for the next one.
	checkedBefore := start.Truncate(time.Second).Add(time.Second)
	due, err := list.ConnectionsCheckedBefore(ctx, checkedBefore, sweepLimit)
	if err != nil {
		if ctx.Err() == nil {
			k.log.Error("listing connections due for a check", "error", err)
		}
		return
	}
	for i, c := range due {
		at := start.Add(time.Duration(float64(span) * float64(i) / float64(len(due))))
		if !sleepUntil(ctx, at) {
			return
		}
		k.queuePeriodic(ctx, list, c, checkedBefore)
	}
	k.reportSweep(len(due), span)
}

// queuePeriodic queues a check of c as it is now, unless it was deleted or
// checked since the sweep listed it.
func (k *checks) queuePeriodic(ctx context.Context, list workList, c store.Connection, checkedBefore time.Time) {
	current, err := list.Connection(ctx, c.OrgID, c.ID)
	switch {
	case err == nil && current.Health.CheckedAt.Before(checkedBefore):
		k.request(current, false)
	case err == nil, errors.Is(err, store.ErrNotFound), ctx.Err() != nil:
	default:
		k.log.Error("reading a connection due for a check", "connection", c.ID, "error", err)
	}
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
