package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/costlink/terraform-provider-costlink/internal/store"
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

// TestOnDemandCheckGoesBeforePeriodicOnes: with the one worker busy, a
// periodic check and then an on-demand one queue; the on-demand one runs
// first. A periodic claim of a connection whose check is queued joins it,
// and the check runs on the claim's lease.
func TestOnDemandCheckGoesBeforePeriodicOnes(t *testing.T) {
	gate := make(chan struct{})
	var (
		mu  sync.Mutex
		ran []string
	)
	run := func(_ context.Context, job checkJob) (store.Health, error) {
		if job.conn.ID == "busy" {
			<-gate
		}
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, fmt.Sprintf("%s leased=%t", job.conn.ID, job.leased))
		return store.Health{}, nil
	}
	k := newChecks(&fakeProber{}, 1, "replica", 0, run, slog.New(slog.DiscardHandler))
	defer k.close()
	k.request(checkJob{conn: store.Connection{ID: "busy"}}, true)
	waitFor(t, "the worker to take the first check", func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		return len(k.urgent) == 0
	})
	periodic := k.request(checkJob{conn: store.Connection{ID: "periodic"}, leased: true}, false)
	onDemand := k.request(checkJob{conn: store.Connection{ID: "on-demand"}}, true)
	if joined := k.request(checkJob{conn: store.Connection{ID: "on-demand"}, leased: true}, false); joined != onDemand {
		t.Fatal("a periodic claim of a queued check did not join it")
	}
	close(gate)
	for _, f := range []*flight{onDemand, periodic} {
		if _, err := f.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"busy leased=false", "on-demand leased=true", "periodic leased=true"}; !slices.Equal(ran, want) {
		t.Errorf("checks ran %q, want %q", ran, want)
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
