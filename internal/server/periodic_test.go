package server

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// latencyProber answers every check healthy after a fixed latency, standing
// in for AWS.
type latencyProber struct {
	latency time.Duration

	mu    sync.Mutex
	total int
}

func newLatencyProber(latency time.Duration) *latencyProber {
	return &latencyProber{latency: latency}
}

func (p *latencyProber) Check(ctx context.Context, t health.Target) health.Result {
	start := time.Now()
	p.mu.Lock()
	p.total++
	p.mu.Unlock()
	timer := time.NewTimer(p.latency)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	return health.Result{Healthy: true, CheckedAt: start, PolicyVersion: t.Policy.Version}
}

// started returns how many checks started.
func (p *latencyProber) started() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// resourceConnection is the i-th connection of a scale test, with a role
// of its own so that the prober tells the connections apart.
func resourceConnection(orgID string, i int) store.Connection {
	account := fmt.Sprintf("%012d", i+1)
	return store.Connection{OrgID: orgID, Name: "res-" + account, Type: validate.TypeResource, AccountID: account,
		RoleARN: "arn:aws:iam::" + account + ":role/costlink", Regions: []string{"us-east-1"}}
}

// seedResources stores n resource connections in the env's organization,
// straight into the store: no check runs after them.
func (e *env) seedResources(n int) []store.Connection {
	e.t.Helper()
	e.withBilling()
	out, err := createResourceConnections(context.Background(), e.store, e.org.ID, 0, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// dueNow schedules conns' periodic checks for now, as a schedule that has
// come round does.
func (e *env) dueNow(conns []store.Connection) {
	e.t.Helper()
	for _, c := range conns {
		if err := e.store.ScheduleCheck(context.Background(), c.ID, "", time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestPeriodicChecksKeepTheirInterval runs the periodic checks of one
// replica for four intervals: every connection is checked exactly once in
// each, counted in the database.
func TestPeriodicChecksKeepTheirInterval(t *testing.T) {
	const interval, intervals, connections = 2 * time.Second, 4, 40
	prober := newRecordingProber(20 * time.Millisecond)
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 8})
	conns := e.seedResources(connections)
	probers := []*recordingProber{prober}
	began := checkIntervals(t, []*Server{e.handler.(*Server)}, interval, intervals)
	wantOneCheckPerInterval(t, e.store, conns, probers, began, interval, intervals)
}

// TestPeriodicChecksSpreadConnectionsNeverScheduled: connections that no
// schedule has placed yet (from before schedules, or a first start) are
// checked at points spread over the interval, not all at once: at a fixed
// rate, a burst would come back every interval.
func TestPeriodicChecksSpreadConnectionsNeverScheduled(t *testing.T) {
	const interval, connections = 2 * time.Second, 40
	prober := newRecordingProber(time.Millisecond)
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 8})
	conns := e.seedResources(connections)
	began := checkIntervals(t, []*Server{e.handler.(*Server)}, interval, 1)
	quarters := make([]int, 4)
	for _, c := range conns {
		for _, at := range checkStarts(c.RoleARN, []*recordingProber{prober}) {
			quarters[min(int(4*at.Sub(began)/interval), 3)]++
		}
	}
	for i, n := range quarters {
		if n == 0 || n > connections/2 {
			t.Errorf("first checks by quarter of the interval %v: quarter %d has %d, want them spread", quarters, i, n)
			break
		}
	}
}

// TestPeriodicChecksClaimOnlyWhatTheyStart: with every worker busy, a
// replica claims no more connections, and leaves the rest due for another.
func TestPeriodicChecksClaimOnlyWhatTheyStart(t *testing.T) {
	const bound, due = 2, 30
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: bound})
	srv := e.handler.(*Server)
	e.dueNow(e.seedResources(due)) // the billing connection is not due yet: never scheduled, at its phase

	prober.hold()
	defer prober.let()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.RunChecks(ctx, time.Minute)
	waitFor(t, "every worker busy", func() bool { running, _ := prober.counts(); return running == bound })
	time.Sleep(2 * leasePoll) // more rounds of claims
	if n := srv.s.checks.pending(); n != bound {
		t.Errorf("%d checks queued or running with %d workers, want %d", n, bound, bound)
	}
	rest, err := e.store.ClaimDueChecks(context.Background(), "another-replica", time.Now(), time.Minute, due)
	if err != nil || len(rest) != due-bound {
		t.Errorf("another replica claimed %d (%v), want the %d this one could not start", len(rest), err, due-bound)
	}
}

// TestPeriodicChecksSayWhenTheBoundIsTooLow: 30 connections a second at
// 100 ms a check need 3 or 4 workers; with 1 the checks start late and the
// report says so, naming the figures.
func TestPeriodicChecksSayWhenTheBoundIsTooLow(t *testing.T) {
	prober := newLatencyProber(100 * time.Millisecond)
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 1})
	e.seedResources(29)
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	e.handler.(*Server).RunChecks(ctx, time.Second)
	warning := regexp.MustCompile(`"level":"WARN","msg":"periodic health checks start late[^"]*","connections":30,.*"workers_needed":[34],"workers":1,`)
	if !warning.MatchString(e.logs.String()) {
		t.Errorf("no warning with the workers needed:\n%s", e.logs.String())
	}
}
