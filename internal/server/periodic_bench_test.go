package server

import (
	"context"
	"fmt"
	"os"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

// The periodic checker's benchmark: one replica at the default bound
// checks 10,000 connections once, with a prober that stands in for AWS at
// a fixed latency. The bound caps it at DefaultCheckConcurrency / latency
// = 160 checks/s; the database's work per check is what can cost more.
const (
	benchConnections = 10000
	benchLatency     = 200 * time.Millisecond
	// benchInterval is the default --check-interval: far longer than one
	// round, so that each connection is checked once.
	benchInterval = 15 * time.Minute
	// benchTimeout ends a round that falls far short of the bound's rate.
	benchTimeout = 5 * time.Minute
	// benchOrganizations seed at once: an insert locks its organization.
	benchOrganizations = 10
)

// periodicRound is what one engine's round of checks measured.
type periodicRound struct {
	seeding            time.Duration
	elapsed            time.Duration
	statementsPerCheck float64
}

func (r periodicRound) checksPerSecond() float64 {
	return benchConnections / r.elapsed.Seconds()
}

// BenchmarkPeriodicChecks checks 10,000 connections on SQLite and on
// PostgreSQL, each once per op, and reports checks/s, the SQL statements
// a check costs and the shortest interval that rate sustains; then a
// table of both. internal/bench's measurePeriodic reads the checks/s.
func BenchmarkPeriodicChecks(b *testing.B) {
	rounds := map[string]periodicRound{} // the last run of each engine's
	for _, db := range pgtest.Engines {
		b.Run(db.Name, func(b *testing.B) {
			var round periodicRound
			for range b.N {
				round = checkRound(b, db)
			}
			b.ReportMetric(round.checksPerSecond(), "checks/s")
			b.ReportMetric(round.statementsPerCheck, "statements/check")
			b.ReportMetric(benchConnections/round.checksPerSecond(), "sustainable-interval-s")
			rounds[db.Name] = round
		})
	}
	// Printed, not logged: a benchmark with sub-benchmarks shows no log.
	fmt.Printf("%d connections, a %s prober, %d workers:\n", benchConnections, benchLatency, DefaultCheckConcurrency)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "engine\tchecks/s\tstatements/check\tsustainable interval\tseeding\t\n")
	for _, db := range pgtest.Engines {
		r, ok := rounds[db.Name]
		if !ok {
			continue // skipped: no PostgreSQL here
		}
		fmt.Fprintf(w, "%s\t%.1f\t%.2f\t%.1f s\t%.1f s\t\n", db.Name, r.checksPerSecond(), r.statementsPerCheck,
			benchConnections/r.checksPerSecond(), r.seeding.Seconds())
	}
	w.Flush()
}

// checkRound seeds a fresh database of db with the benchmark's connections,
// all due now, as after downtime, and times one replica's periodic checks
// until each is checked: the rate the checker sustains.
func checkRound(b *testing.B, db pgtest.Engine) periodicRound {
	b.StopTimer()
	var round periodicRound
	dsn := db.NewDatabase(b)
	seeding := time.Now()
	st := openStore(b, dsn)
	for _, c := range seedOrganizations(b, st, benchOrganizations, benchConnections) {
		if err := st.ScheduleCheck(context.Background(), c.ID, "", seeding); err != nil {
			b.Fatal(err)
		}
	}
	round.seeding = time.Since(seeding)
	prober := newLatencyProber(benchLatency)
	srv := openReplica(b, dsn, Config{PrincipalARN: testPrincipal, Prober: prober})
	statements := srv.s.store.Statements()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.StartTimer()
	began := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.RunChecks(ctx, benchInterval)
	}()
	for prober.started() < benchConnections || srv.s.checks.pending() > 0 {
		if time.Since(began) > benchTimeout {
			b.Fatalf("%d of %d connections checked after %s", prober.started(), benchConnections, benchTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	round.elapsed = time.Since(began)
	b.StopTimer()
	round.statementsPerCheck = float64(srv.s.store.Statements()-statements) / benchConnections
	cancel()
	<-done
	if n := prober.started(); n != benchConnections {
		b.Errorf("%d checks of %d connections, want each checked once", n, benchConnections)
	}
	return round
}
