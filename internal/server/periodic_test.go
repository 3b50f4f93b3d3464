package server

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// latencyProber answers every check healthy after a fixed latency, standing
// in for AWS, and records when each role's checks started.
type latencyProber struct {
	latency time.Duration

	mu      sync.Mutex
	checked map[string][]time.Time // by role ARN
	total   int
	running int
	peak    int // the most checks that ran at once
}

func newLatencyProber(latency time.Duration) *latencyProber {
	return &latencyProber{latency: latency, checked: map[string][]time.Time{}}
}

func (p *latencyProber) Check(ctx context.Context, t health.Target) health.Result {
	start := time.Now()
	p.mu.Lock()
	p.checked[t.RoleARN] = append(p.checked[t.RoleARN], start)
	p.total++
	p.running++
	p.peak = max(p.peak, p.running)
	p.mu.Unlock()
	timer := time.NewTimer(p.latency)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	p.mu.Lock()
	p.running--
	p.mu.Unlock()
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
		RoleARN: "arn:aws:iam::" + account + ":role/costlink", Regions: []string{"us-east-1"}, Version: 1}
}

// memList is a work list of connections in memory, for the scale the
// store cannot be filled at within a test: a stored connection costs
// about 5 ms to create on this disk.
type memList struct {
	mu    sync.Mutex
	conns map[string]store.Connection
}

func newMemList(n int) *memList {
	l := &memList{conns: map[string]store.Connection{}}
	for i := range n {
		c := resourceConnection("org", i)
		c.ID = fmt.Sprintf("c-%06d", i)
		l.conns[c.ID] = c
	}
	return l
}

func (l *memList) ConnectionsCheckedBefore(_ context.Context, t time.Time, limit int) ([]store.Connection, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var due []store.Connection
	for c := range maps.Values(l.conns) {
		if c.Health.CheckedAt.Before(t) {
			due = append(due, c)
		}
	}
	slices.SortFunc(due, func(a, b store.Connection) int {
		return cmp.Or(a.Health.CheckedAt.Compare(b.Health.CheckedAt), cmp.Compare(a.ID, b.ID))
	})
	return due[:min(limit, len(due))], nil
}

func (l *memList) Connection(_ context.Context, _, id string) (store.Connection, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.conns[id]
	if !ok {
		return store.Connection{}, store.ErrNotFound
	}
	return c, nil
}

// check runs a check of c with p and keeps its time, as the store does.
func (l *memList) check(p Prober) func(context.Context, store.Connection) (store.Health, error) {
	return func(ctx context.Context, c store.Connection) (store.Health, error) {
		res := p.Check(ctx, health.Target{RoleARN: c.RoleARN})
		l.mu.Lock()
		defer l.mu.Unlock()
		c = l.conns[c.ID]
		c.Health = store.Health{Status: store.HealthHealthy, CheckedAt: res.CheckedAt}
		l.conns[c.ID] = c
		return c.Health, nil
	}
}

// sweepRun is one run of the periodic checker to judge.
type sweepRun struct {
	roles      []string // every connection's role
	interval   time.Duration
	start, end time.Time
	prober     *latencyProber
	workers    int           // the bound on checks at once
	precision  time.Duration // of the check times the work list keeps
}

// assertKept checks that every connection was checked within the
// interval of the run's start and of its previous check, that the first
// sweep started its checks at an even pace, and that the checks running at
// once followed that pace (about rate × latency, more when a loaded machine
// delays the pace and it catches up) and never reached the workers' bound,
// as a burst does. It logs the figures.
func (r sweepRun) assertKept(t *testing.T) {
	t.Helper()
	r.prober.mu.Lock()
	defer r.prober.mu.Unlock()
	// A sweep's pace leaves 10% of the interval to spare; the margin on
	// top is for a loaded machine, and the store's precision, which orders
	// the checks of one second by creation.
	limit := r.interval + r.interval/10 + r.precision
	var latestFirst, longestGap time.Duration
	buckets := make([]int, 10) // first checks by tenth of the sweep
	span := time.Duration(float64(r.interval) * sweepShare)
	for _, role := range r.roles {
		times := r.prober.checked[role]
		if len(times) == 0 {
			t.Fatalf("%s was never checked in %s (interval %s)", role, r.end.Sub(r.start), r.interval)
		}
		first := times[0].Sub(r.start)
		latestFirst = max(latestFirst, first)
		buckets[min(int(first*10/span), 9)]++
		for i := 1; i < len(times); i++ {
			longestGap = max(longestGap, times[i].Sub(times[i-1]))
		}
		if since := r.end.Sub(times[len(times)-1]); since > limit {
			t.Errorf("%s was last checked %s before the run ended, want within %s", role, since, limit)
		}
	}
	elapsed := r.end.Sub(r.start)
	perSecond := float64(r.prober.total) / elapsed.Seconds()
	needed := float64(len(r.roles)) / span.Seconds() * r.prober.latency.Seconds()
	t.Logf("%d connections, interval %s, %s a check: %d checks in %s, %.0f checks/s sustained; "+
		"first checks by tenth of the sweep %v, the last %s after the start; longest gap between two checks %s; "+
		"at most %d checks at once, the interval needs about %.1f",
		len(r.roles), r.interval, r.prober.latency, r.prober.total, elapsed.Round(time.Millisecond), perSecond,
		buckets, latestFirst.Round(time.Millisecond), longestGap.Round(time.Millisecond), r.prober.peak, needed)
	if latestFirst > limit {
		t.Errorf("a connection was first checked %s after the start, want within %s", latestFirst, limit)
	}
	if longestGap > limit {
		t.Errorf("a connection went %s between two checks, want at most %s", longestGap, limit)
	}
	if even := len(r.roles) / len(buckets); slices.Max(buckets) > 2*even {
		t.Errorf("first checks by tenth of the sweep %v: a burst, want about %d in each", buckets, even)
	}
	if r.prober.peak >= r.workers {
		t.Errorf("%d checks ran at once, the bound: want about what the interval needs (%.1f)", r.prober.peak, needed)
	}
}

// TestPeriodicChecksKeepTheirInterval runs the service's periodic checker,
// store and all, over stored connections that were never checked, at the
// rate of 10,000 connections every 15 minutes (11 checks/s): each is
// checked within the interval, at an even pace, and again an interval
// later.
func TestPeriodicChecksKeepTheirInterval(t *testing.T) {
	const connections, interval = 44, 4 * time.Second
	prober := newLatencyProber(20 * time.Millisecond)
	const workers = 16
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: workers})
	ctx := context.Background()
	payer := store.Connection{OrgID: e.org.ID, Name: "payer", Type: validate.TypeBilling, AccountID: "999999999999",
		RoleARN: "arn:aws:iam::999999999999:role/costlink", BillingBucket: "payer-cur"}
	roles := []string{payer.RoleARN}
	for _, c := range append([]store.Connection{payer}, connectionsOf(e.org.ID, connections)...) {
		if _, err := e.store.CreateConnection(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		roles = append(roles, c.RoleARN)
	}
	roles = slices.Compact(roles)

	run := sweepRun{roles: roles, interval: interval, prober: prober, workers: workers, precision: time.Second, start: time.Now()}
	ctx, cancel := context.WithCancel(ctx)
	go e.handler.(*Server).RunChecks(ctx, interval)
	time.Sleep(interval + interval/2)
	cancel()
	run.end = time.Now()
	run.assertKept(t)
}

func connectionsOf(orgID string, n int) []store.Connection {
	out := make([]store.Connection, n)
	for i := range out {
		out[i] = resourceConnection(orgID, i)
	}
	return out
}

// TestPeriodicChecksKeepTheirIntervalAt10000 runs the scheduler over 10,000
// connections with an interval of 20 s and 50 ms a check: 15 minutes and
// about 2 s a check against AWS, scaled 45 times down. The connections are
// held in memory: a store takes about a minute to fill with them.
func TestPeriodicChecksKeepTheirIntervalAt10000(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 24 s")
	}
	const connections, interval = 10_000, 20 * time.Second
	prober := newLatencyProber(50 * time.Millisecond)
	run := runInMemory(prober, connections, interval, interval+interval/5)
	run.assertKept(t)
}

// runInMemory runs the scheduler over n connections in memory, with a
// worker bound far above what they need, for d.
func runInMemory(prober *latencyProber, n int, interval, d time.Duration) sweepRun {
	const workers = 512
	list := newMemList(n)
	k := newChecks(prober, workers, list.check(prober), slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer k.close()
	run := sweepRun{interval: interval, prober: prober, workers: workers, start: time.Now()}
	for _, c := range list.conns {
		run.roles = append(run.roles, c.RoleARN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	k.runPeriodic(ctx, list, interval)
	run.end = time.Now()
	return run
}

// BenchmarkPeriodicChecks10000 measures the checks a second the scheduler
// sustains over 10,000 connections at 50 ms a check, with the default
// bound and an interval (1 s) short enough that it runs flat out; 10,000
// connections every 15 minutes need 11 a second.
func BenchmarkPeriodicChecks10000(b *testing.B) {
	prober := newLatencyProber(50 * time.Millisecond)
	list := newMemList(10_000)
	k := newChecks(prober, DefaultCheckConcurrency, list.check(prober), slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer k.close()
	ctx, cancel := context.WithCancel(context.Background())
	swept := make(chan struct{})
	b.ResetTimer()
	go func() {
		k.runPeriodic(ctx, list, time.Second)
		close(swept)
	}()
	for prober.started() < b.N {
		time.Sleep(time.Millisecond)
	}
	elapsed := b.Elapsed()
	cancel()
	<-swept
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "checks/s")
	b.ReportMetric(DefaultCheckConcurrency, "workers")
}

// TestSweepSaysWhenTheBoundIsTooLow: 100 connections a second at 100 ms a
// check need about 10 workers; with 4 the sweep warns, naming the figures.
func TestSweepSaysWhenTheBoundIsTooLow(t *testing.T) {
	var logs strings.Builder
	prober := newLatencyProber(100 * time.Millisecond)
	list := newMemList(90)
	k := newChecks(prober, 4, list.check(prober), slog.New(slog.NewTextHandler(&logs, nil)))
	defer k.close()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	k.runPeriodic(ctx, list, time.Second)
	warning := regexp.MustCompile(`level=WARN msg="periodic health checks need more workers.* workers_needed=1[0-2] workers=4`)
	if !warning.MatchString(logs.String()) {
		t.Errorf("no warning with the workers needed:\n%s", logs.String())
	}
}
