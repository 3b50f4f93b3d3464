package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// openStore opens dsn for the test, as one more process on the database.
func openStore(tb testing.TB, dsn string) *store.Store {
	tb.Helper()
	st, err := store.Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// openReplica is a replica of the service on dsn: its own store and
// process state, meeting the others only through the database.
func openReplica(tb testing.TB, dsn string, cfg Config) *Server {
	tb.Helper()
	cfg.Store = openStore(tb, dsn)
	srv := New(cfg)
	tb.Cleanup(srv.Close) // before the store closes: cleanups run last first
	return srv
}

// billingConnection is the billing connection an organization's resource
// connections need.
func billingConnection(orgID string) store.Connection {
	return store.Connection{OrgID: orgID, Name: "payer", Type: validate.TypeBilling, AccountID: "999999999999",
		RoleARN: "arn:aws:iam::999999999999:role/costlink-billing", BillingBucket: "cur-bucket"}
}

// createResourceConnections stores the resource connections numbered from
// to to (see resourceConnection) in organization orgID, straight into st:
// no check runs after them.
func createResourceConnections(ctx context.Context, st *store.Store, orgID string, from, to int) ([]store.Connection, error) {
	var out []store.Connection
	for i := from; i < to; i++ {
		created, err := st.CreateConnection(ctx, resourceConnection(orgID, i), nil)
		if err != nil {
			return out, fmt.Errorf("connection %d: %w", i, err)
		}
		out = append(out, created.Connection)
	}
	return out, nil
}

// seedOrganizations stores connections connections straight into st,
// spread over orgs organizations, each a billing connection first and
// resource connections after it. The organizations are seeded at once:
// an insert locks only its own organization.
func seedOrganizations(tb testing.TB, st *store.Store, orgs, connections int) []store.Connection {
	tb.Helper()
	seeded := make([][]store.Connection, orgs)
	var g errgroup.Group
	for j := range orgs {
		from, to := j*connections/orgs, (j+1)*connections/orgs
		g.Go(func() error {
			ctx := context.Background()
			org, err := st.EnsureOrganization(ctx, fmt.Sprintf("org-%d", j))
			if err != nil {
				return err
			}
			billing, err := st.CreateConnection(ctx, billingConnection(org.ID), nil)
			if err != nil {
				return err
			}
			resources, err := createResourceConnections(ctx, st, org.ID, from+1, to)
			seeded[j] = append([]store.Connection{billing.Connection}, resources...)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatalf("seeding %d connections: %v", connections, err)
	}
	return slices.Concat(seeded...)
}

// recordingProber is a latencyProber that notes when each role's checks
// start, to tell which interval each check of a connection fell in.
type recordingProber struct {
	*latencyProber

	mu     sync.Mutex
	starts map[string][]time.Time // by role ARN
}

func newRecordingProber(latency time.Duration) *recordingProber {
	return &recordingProber{latencyProber: newLatencyProber(latency), starts: map[string][]time.Time{}}
}

func (p *recordingProber) Check(ctx context.Context, t health.Target) health.Result {
	p.mu.Lock()
	p.starts[t.RoleARN] = append(p.starts[t.RoleARN], time.Now())
	p.mu.Unlock()
	return p.latencyProber.Check(ctx, t)
}

// checkStarts returns when the checks of role started, over every prober.
func checkStarts(role string, probers []*recordingProber) []time.Time {
	var out []time.Time
	for _, p := range probers {
		p.mu.Lock()
		out = append(out, p.starts[role]...)
		p.mu.Unlock()
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// deadProber stands in for a replica that dies mid-check: its checks never
// return, whatever their context says, so its leases are never released
// and expire instead. release lets them end when the test is over.
type deadProber struct {
	mu      sync.Mutex
	roles   []string // of the checks that hang
	release chan struct{}
}

func (p *deadProber) Check(_ context.Context, t health.Target) health.Result {
	p.mu.Lock()
	p.roles = append(p.roles, t.RoleARN)
	p.mu.Unlock()
	<-p.release
	return health.Result{}
}

// hung returns the roles whose checks hang.
func (p *deadProber) hung() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.roles)
}

// checkIntervals runs the replicas' periodic checks for intervals
// intervals from now, and waits for the checks started to save their
// results. It returns when the checks began.
func checkIntervals(t *testing.T, replicas []*Server, interval time.Duration, intervals int) time.Time {
	t.Helper()
	began := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), began.Add(time.Duration(intervals)*interval))
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range replicas {
		wg.Go(func() { srv.RunChecks(ctx, interval) })
	}
	wg.Wait()
	for _, srv := range replicas {
		waitFor(t, "the last checks to finish", func() bool { return srv.s.checks.pending() == 0 })
	}
	return began
}

// wantOneCheckPerInterval requires that each of conns was checked once per
// interval over the intervals from began: its first check within the
// first interval, then one every interval, none missing at the end; and
// that the database counts exactly the checks the probers ran. Between two
// checks there is at most an interval and a quarter (the time a due check
// may wait to start) and at least half an interval: a check that started
// late (after a dead replica's lease) is followed by one on schedule, as
// the fixed rate keeps the schedule, not the delay.
func wantOneCheckPerInterval(t *testing.T, st *store.Store, conns []store.Connection, probers []*recordingProber, began time.Time, interval time.Duration, intervals int) {
	t.Helper()
	slack := interval / 4
	end := began.Add(time.Duration(intervals) * interval)
	wrong := 0
	for _, c := range conns {
		got, err := st.Connection(context.Background(), c.OrgID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		starts := checkStarts(c.RoleARN, probers)
		problem := ""
		switch {
		case len(starts) == 0:
			problem = "never checked"
		case got.Health.Checks != int64(len(starts)):
			problem = fmt.Sprintf("%d checks ran, the database counts %d", len(starts), got.Health.Checks)
		case starts[0].Sub(began) > interval+slack:
			problem = "first checked after the first interval"
		case end.Sub(starts[len(starts)-1]) > interval+slack:
			problem = "not checked in the last interval"
		}
		for i := 1; i < len(starts) && problem == ""; i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < interval/2 || gap > interval+slack {
				problem = fmt.Sprintf("checked %s after the check before", gap.Round(time.Millisecond))
			}
		}
		if problem == "" {
			continue
		}
		if wrong++; wrong <= 10 {
			t.Errorf("%s: %s; checks started at %v after the start", c.Name, problem, offsets(starts, began))
		}
	}
	if wrong > 10 {
		t.Errorf("... and %d more connections", wrong-10)
	}
}

// offsets are times as durations since began, for messages.
func offsets(times []time.Time, began time.Time) []time.Duration {
	out := make([]time.Duration, len(times))
	for i, at := range times {
		out[i] = at.Sub(began).Round(time.Millisecond)
	}
	return out
}

// TestReplicasCheckEveryConnectionOncePerInterval: three replicas on one
// PostgreSQL database, each with its own store, check 1,000 connections
// over four intervals. Each connection is checked exactly once in each
// interval (a claim schedules the next check one interval after the due
// time it claimed), counted in the database; and every replica does a
// share. SQLite is for one replica (docs/running.md): three processes
// writing one file on two busy cores fall behind a 4 s interval.
func TestReplicasCheckEveryConnectionOncePerInterval(t *testing.T) {
	const replicas, connections, intervals, interval = 3, 1000, 4, 4 * time.Second
	dsn := pgtest.NewDatabase(t)
	st := openStore(t, dsn)
	conns := seedOrganizations(t, st, 1, connections)
	probers := make([]*recordingProber, replicas)
	servers := make([]*Server, replicas)
	for i := range replicas {
		probers[i] = newRecordingProber(5 * time.Millisecond)
		servers[i] = openReplica(t, dsn, Config{PrincipalARN: testPrincipal, Prober: probers[i],
			CheckConcurrency: 16, ReplicaID: fmt.Sprintf("replica-%d", i)})
	}

	began := checkIntervals(t, servers, interval, intervals)
	wantOneCheckPerInterval(t, st, conns, probers, began, interval, intervals)
	for i, p := range probers {
		if p.started() == 0 {
			t.Errorf("replica-%d checked nothing: the others did its share", i)
		}
		t.Logf("replica-%d ran %d checks", i, p.started())
	}
}

// TestReplicasTakeOverTheChecksOfADeadReplica: a replica dies mid-check
// (its checks never return), holding the leases of as many connections as
// it has workers. Once the leases expire, the two live replicas check
// those connections too: every connection is still checked once in each
// of four intervals, none twice.
func TestReplicasTakeOverTheChecksOfADeadReplica(t *testing.T) {
	const connections, intervals, workers, lease, interval = 300, 4, 16, 1500 * time.Millisecond, 4 * time.Second
	for _, db := range pgtest.Engines {
		t.Run(db.Name, func(t *testing.T) {
			dsn := db.NewDatabase(t)
			st := openStore(t, dsn)
			conns := seedOrganizations(t, st, 1, connections)
			cfg := Config{PrincipalARN: testPrincipal, CheckConcurrency: workers, CheckLease: lease}

			hanging := &deadProber{release: make(chan struct{})}
			cfg.ReplicaID, cfg.Prober = "dead", hanging
			dead := openReplica(t, dsn, cfg)
			t.Cleanup(func() { close(hanging.release) }) // before Close, which waits for its checks
			deadCtx, die := context.WithCancel(context.Background())
			defer die()
			leasedFrom := time.Now() // the dead replica's leases run from later than this
			go dead.RunChecks(deadCtx, interval)
			waitFor(t, "the dead replica's checks to hang", func() bool { return len(hanging.hung()) == workers })
			die() // it claims no more, and releases nothing

			probers := []*recordingProber{newRecordingProber(5 * time.Millisecond), newRecordingProber(5 * time.Millisecond)}
			var live []*Server
			for i, p := range probers {
				cfg.ReplicaID, cfg.Prober = fmt.Sprintf("live-%d", i), p
				live = append(live, openReplica(t, dsn, cfg))
			}
			began := checkIntervals(t, live, interval, intervals)
			wantOneCheckPerInterval(t, st, conns, probers, began, interval, intervals)
			for _, role := range hanging.hung() {
				if starts := checkStarts(role, probers); len(starts) > 0 && starts[0].Before(leasedFrom.Add(lease)) {
					t.Errorf("%s checked %s after the dead replica leased it, within its %s lease", role, starts[0].Sub(leasedFrom), lease)
				}
			}
		})
	}
}
