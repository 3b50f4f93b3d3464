package server

import (
	"context"
	"math/rand/v2"
	"time"
)

// periodicBatch is how many due connections one look-up queues.
const periodicBatch = 1000

// RunChecks checks every connection whose last check is older than
// interval, until ctx ends, on the workers every check shares (see
// Config.CheckConcurrency). It looks for due connections several times per
// interval, with jitter, so a large organization's checks spread out
// instead of arriving together. Every due connection found is queued, behind
// the checks someone waits for; one still queued is not queued twice.
func (srv *Server) RunChecks(ctx context.Context, interval time.Duration) {
	s := srv.s
	if s.checks == nil {
		return
	}
	for {
		pause := interval / 4
		pause += time.Duration(rand.Int64N(int64(pause)/5+1)) - pause/10 // ±10%
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		due, err := s.store.ConnectionsCheckedBefore(ctx, time.Now().Add(-interval), periodicBatch)
		if err != nil {
			s.log.Error("listing connections due for a check", "error", err)
			continue
		}
		for _, c := range due {
			s.checks.request(c, false)
		}
	}
}
