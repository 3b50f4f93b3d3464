package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// createResources creates n resource connections in acme at once.
func (e *env) createResources(n int) {
	e.t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := resourceBody(fmt.Sprintf("res-%d", i), fmt.Sprintf("%012d", i+1))
			if res := e.do(http.MethodPost, "/v1/aws/connections", e.rw, body); res.status != http.StatusCreated {
				e.t.Errorf("create %d: %d %s", i, res.status, res.body)
			}
		})
	}
	wg.Wait()
}

func TestHealthChecksShareOneBound(t *testing.T) {
	const bound, creates = 4, 500
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: bound})
	k := e.handler.(*Server).s.checks
	e.withBilling()
	waitFor(t, "the billing connection's check", func() bool { return k.pending() == 0 })

	prober.hold()
	goroutines := runtime.NumGoroutine()
	start := time.Now()
	e.createResources(creates)
	t.Logf("%d creates in %s", creates, time.Since(start))
	waitFor(t, "every worker busy", func() bool { running, _ := prober.counts(); return running >= bound })
	if running, _ := prober.counts(); running > bound {
		t.Errorf("%d checks run at once, want at most %d", running, bound)
	}
	if queued := k.pending(); queued != creates {
		t.Errorf("%d checks queued or running, want one per created connection (%d)", queued, creates)
	}
	if metrics := e.metrics(); !strings.Contains(metrics, fmt.Sprintf("costlink_health_checks_pending %d\n", creates)) {
		t.Errorf("metrics do not show the %d checks pending:\n%s", creates, metrics)
	}
	if extra := runtime.NumGoroutine() - goroutines; extra > 50 {
		t.Errorf("%d more goroutines with %d checks queued: a queued check must not hold one", extra, creates)
	}

	// On-demand checks take the same workers.
	var onDemand sync.WaitGroup
	for _, c := range e.do(http.MethodGet, "/v1/aws/connections?limit=10", e.ro, "").list(t).Connections {
		onDemand.Go(func() {
			e.do(http.MethodPost, "/v1/aws/connections/"+c.ID+"/health/check", e.rw, "").wantStatus(t, http.StatusOK)
		})
	}
	start = time.Now()
	prober.let()
	onDemand.Wait()
	waitFor(t, "every connection checked", func() bool { return k.pending() == 0 })
	t.Logf("%d checks in %s", creates, time.Since(start))
	if n := len(prober.calls()); n < creates+1 || n > creates+11 {
		t.Errorf("%d checks ran, want one per connection (%d) and up to one per on-demand request", n, creates+1)
	}
	if _, peak := prober.counts(); peak > bound {
		t.Errorf("%d checks ran at once, want at most %d", peak, bound)
	}
}

func TestOnDemandCheckOutlivesItsFirstCaller(t *testing.T) {
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	k := e.handler.(*Server).s.checks
	c := e.withBilling()
	waitFor(t, "the check after create", func() bool { return k.pending() == 0 })

	prober.hold()
	path := "/v1/aws/connections/" + c.ID + "/health/check"
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan int)
	go func() {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, nil)
		req.Header.Set("Authorization", "Bearer "+e.rw)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		first <- rec.Code
	}()
	waitFor(t, "the first caller's check to start", func() bool { running, _ := prober.counts(); return running == 1 })
	joiner := make(chan response)
	go func() { joiner <- e.do(http.MethodPost, path, e.rw, "") }()
	time.Sleep(100 * time.Millisecond) // the joiner joins the running check

	cancel() // the first caller disconnects
	<-first
	prober.let()
	h := decodeHealth(t, (<-joiner).wantStatus(t, http.StatusOK))
	if h.Status != "healthy" || h.CheckedAt == nil {
		t.Errorf("the joiner's health = %+v, want the check's result", h)
	}
	if n := len(prober.calls()); n != 2 {
		t.Errorf("%d checks ran, want the one after create and the one both callers shared", n)
	}
	stored := decodeHealth(t, e.do(http.MethodGet, "/v1/aws/connections/"+c.ID+"/health", e.ro, ""))
	if stored.CheckedAt == nil || *stored.CheckedAt != *h.CheckedAt {
		t.Errorf("stored health = %+v, want the shared check's result %+v", stored, h)
	}
}

// An on-demand check that waits in the queue longer than the server may take
// to answer is a 503 with Retry-After, before the write timeout cuts the
// response; the check goes on and its result is stored.
func TestOnDemandCheckQueuedTooLongIsRetriable(t *testing.T) {
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 1})
	srv := e.handler.(*Server)
	srv.s.checkWait = 200 * time.Millisecond
	c := e.withBilling()
	waitFor(t, "the check after create", func() bool { return srv.s.checks.pending() == 0 })

	prober.hold()
	path := "/v1/aws/connections/" + c.ID + "/health/check"
	res := e.do(http.MethodPost, path, e.rw, "")
	res.wantProblem(t, http.StatusServiceUnavailable, "check_queued")
	if res.header.Get("Retry-After") == "" {
		t.Error("a check_queued 503 without Retry-After")
	}
	prober.let()
	waitFor(t, "the check to end", func() bool { return srv.s.checks.pending() == 0 })
	if stored := decodeHealth(t, e.do(http.MethodGet, "/v1/aws/connections/"+c.ID+"/health", e.ro, "")); stored.Status != "healthy" {
		t.Errorf("stored health = %+v, want the result of the check that went on", stored)
	}
}

func TestPeriodicRoundQueuesEveryDueConnection(t *testing.T) {
	const bound, connections = 2, 30
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: bound})
	srv := e.handler.(*Server)
	e.withBilling()
	e.createResources(connections - 1)
	waitFor(t, "the checks after create", func() bool { return srv.s.checks.pending() == 0 })

	prober.hold()
	defer prober.let()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.RunChecks(ctx, 200*time.Millisecond)
	// With every worker busy, the round still queues the rest.
	waitFor(t, "a round to queue every due connection", func() bool {
		running, _ := prober.counts()
		return srv.s.checks.pending() == connections && running == bound
	})
}

func TestChecksStopOnClose(t *testing.T) {
	prober := &fakeProber{}
	prober.hold()
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 1})
	srv := e.handler.(*Server)
	billing := e.withBilling()
	e.createResources(3) // one check runs, three wait
	waitFor(t, "the checks to queue", func() bool { return srv.s.checks.pending() == 4 })

	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not cancel the running check")
	}
	if n := srv.s.checks.pending(); n != 0 {
		t.Errorf("%d checks left after Close", n)
	}
	c, err := e.store.Connection(context.Background(), e.org.ID, billing.ID)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := srv.s.runCheck(ctx, c); !errors.Is(err, errChecksStopped) {
		t.Errorf("a check requested after Close: %v, want %v", err, errChecksStopped)
	}
}

func TestOnDemandCheckGoesBeforePeriodicOnes(t *testing.T) {
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, CheckConcurrency: 1})
	srv := e.handler.(*Server)
	k := srv.s.checks
	e.withBilling()
	e.createResources(5)
	waitFor(t, "the checks after create", func() bool { return k.pending() == 0 })
	checked := len(prober.calls())

	prober.hold()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.RunChecks(ctx, 200*time.Millisecond)
	waitFor(t, "a round to queue every connection", func() bool { return k.pending() == 6 })
	k.mu.Lock()
	last := k.routine[len(k.routine)-1].conn
	k.mu.Unlock()

	res := make(chan response)
	go func() { res <- e.do(http.MethodPost, "/v1/aws/connections/"+last.ID+"/health/check", e.rw, "") }()
	waitFor(t, "the on-demand request to join the queued check", func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.flights[flightKey(last)].urgent
	})
	prober.let()
	(<-res).wantStatus(t, http.StatusOK)
	calls := prober.calls()[checked:]
	if len(calls) < 2 || calls[1].RoleARN != last.RoleARN {
		t.Errorf("checks ran for %v, want the one asked for on demand right after the one running", calls)
	}
}

// collectingProber is a prober with metrics of its own, as *health.Checker
// has (its AWS requests).
type collectingProber struct {
	*fakeProber
	prometheus.Counter
}

func TestProberMetricsAreServed(t *testing.T) {
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "costlink_test_prober_requests_total", Help: "Requests."})
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: collectingProber{&fakeProber{}, requests}})
	requests.Add(3)
	if metrics := e.metrics(); !strings.Contains(metrics, "costlink_test_prober_requests_total 3\n") {
		t.Errorf("metrics do not show the prober's:\n%s", metrics)
	}
}
