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
	var out []store.Connection
	for i := range n {
		created, err := e.store.CreateConnection(context.Background(), resourceConnection(e.org.ID, i), nil)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, created.Connection)
	}
	return out
}

// TestPeriodicChecksKeepTheirInterval runs the periodic checks for three
// and a half intervals: every connection is checked exactly four times
// (at 0, 1, 2 and 3 intervals), counted from the database, whatever the
// check after its creation did.
func TestPeriodicChecksKeepTheirInterval(t *testing.T) {
	const interval = 2 * time.Second
	prober := newLatencyProber(20 * time.Millisecond)
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 8})
	srv := e.handler.(*Server)
	conns := e.seedResources(40)
	ctx, cancel := context.WithTimeout(context.Background(), interval*7/2)
	defer cancel()
	srv.RunChecks(ctx, interval)
	waitFor(t, "the last checks to finish", func() bool { return srv.s.checks.pending() == 0 })
	for _, c := range conns {
		got, err := e.store.Connection(context.Background(), e.org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Health.Checks != 4 {
			t.Errorf("%s checked %d times in 3.5 intervals, want 4", c.Name, got.Health.Checks)
		}
	}
}

// TestPeriodicChecksClaimOnlyWhatTheyStart: with every worker busy, a
// replica claims no more connections, and leaves the rest due for another.
func TestPeriodicChecksClaimOnlyWhatTheyStart(t *testing.T) {
	const bound, connections = 2, 30
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: bound})
	srv := e.handler.(*Server)
	e.seedResources(connections - 1)

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
	rest, err := e.store.ClaimDueChecks(context.Background(), "another-replica", time.Now(), time.Minute, connections)
	if err != nil || len(rest) != connections-bound {
		t.Errorf("another replica claimed %d (%v), want the %d this one could not start", len(rest), err, connections-bound)
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
