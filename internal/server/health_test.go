package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
)

// fakeProber answers checks from a table of role ARN → details, records
// what it was asked and counts the checks running at once.
type fakeProber struct {
	mu      sync.Mutex
	details map[string][]health.Detail
	targets []health.Target
	gate    chan struct{} // while not nil, checks wait for it to close
	running int           // checks running now
	peak    int           // the most checks that ran at once
}

func (p *fakeProber) Check(ctx context.Context, t health.Target) health.Result {
	p.mu.Lock()
	p.running++
	p.peak = max(p.peak, p.running)
	gate := p.gate
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.running--
		p.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.targets = append(p.targets, t)
	d := p.details[t.RoleARN]
	return health.Result{Healthy: len(d) == 0, CheckedAt: time.Now(), PolicyVersion: t.Policy.Version, Details: d}
}

// hold makes the next checks wait until let.
func (p *fakeProber) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gate = make(chan struct{})
}

// let lets the held checks, and the next ones, go on.
func (p *fakeProber) let() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
}

// counts returns how many checks run now and the most that ran at once.
func (p *fakeProber) counts() (running, peak int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running, p.peak
}

func (p *fakeProber) calls() []health.Target {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]health.Target(nil), p.targets...)
}

func decodeHealth(t *testing.T, r response) healthJSON {
	t.Helper()
	var h healthJSON
	if err := json.Unmarshal(r.body, &h); err != nil {
		t.Fatalf("response %d %s is not a health: %v", r.status, r.body, err)
	}
	return h
}

func TestHealthCheckOnDemand(t *testing.T) {
	prober := &fakeProber{details: map[string][]health.Detail{
		"arn:aws:iam::999999999999:role/costlink-billing": {{Code: "role_not_found", Message: "no role", Remediation: "create it"}},
	}}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	c := e.withBilling()
	if c.Health.Status != "pending" || c.Health.CheckedAt != nil || len(c.Health.Details) != 0 {
		t.Errorf("health of a new connection = %+v, want pending", c.Health)
	}

	h := decodeHealth(t, e.do(http.MethodPost, "/v1/aws/connections/"+c.ID+"/health/check", e.rw, "").wantStatus(t, http.StatusOK))
	if h.Status != "unhealthy" || len(h.Details) != 1 || h.Details[0].Code != "role_not_found" || h.CheckedAt == nil || h.LastHealthyAt != nil {
		t.Errorf("health after the check = %+v", h)
	}
	got := decodeHealth(t, e.do(http.MethodGet, "/v1/aws/connections/"+c.ID+"/health", e.ro, "").wantStatus(t, http.StatusOK))
	if got.Status != "unhealthy" || got.Details[0].Remediation != "create it" {
		t.Errorf("GET health = %+v", got)
	}
	if embedded := e.do(http.MethodGet, "/v1/aws/connections/"+c.ID, e.ro, "").connection(t).Health; embedded.Status != "unhealthy" {
		t.Errorf("health in the connection = %+v", embedded)
	}

	// The check was asked about the connection's role, with the organization's external ID.
	calls := prober.calls()
	last := calls[len(calls)-1]
	if last.RoleARN != c.RoleARN || last.ExternalID != e.org.ExternalID || last.PrincipalARN != testPrincipal || last.Policy.Version == "" {
		t.Errorf("check target = %+v", last)
	}

	// Fixed: the next check is healthy and remembers when.
	prober.mu.Lock()
	delete(prober.details, c.RoleARN)
	prober.mu.Unlock()
	h = decodeHealth(t, e.do(http.MethodPost, "/v1/aws/connections/"+c.ID+"/health/check", e.rw, "").wantStatus(t, http.StatusOK))
	if h.Status != "healthy" || len(h.Details) != 0 || h.LastHealthyAt == nil {
		t.Errorf("health after the fix = %+v", h)
	}

	e.do(http.MethodPost, "/v1/aws/connections/"+c.ID+"/health/check", e.ro, "").wantProblem(t, http.StatusForbidden, "forbidden")
	e.do(http.MethodGet, "/v1/aws/connections/conn_missing/health", e.ro, "").wantProblem(t, http.StatusNotFound, "not_found")
	if !strings.Contains(e.metrics(), `costlink_health_checks_total{result="healthy"}`) {
		t.Error("metrics do not count checks by result")
	}
}

func TestHealthCheckedAfterCreateAndRoleChange(t *testing.T) {
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	c := e.withBilling()
	waitFor(t, "a check after create", func() bool {
		return decodeHealth(t, e.do(http.MethodGet, "/v1/aws/connections/"+c.ID+"/health", e.ro, "")).Status == "healthy"
	})

	patched := e.do(http.MethodPatch, "/v1/aws/connections/"+c.ID, e.rw, `{"role_arn":"arn:aws:iam::999999999999:role/other"}`).wantStatus(t, http.StatusOK).connection(t)
	if patched.Health.Status != "pending" {
		t.Errorf("health right after a role change = %q, want pending", patched.Health.Status)
	}
	waitFor(t, "a check of the new role", func() bool {
		calls := prober.calls()
		return len(calls) > 0 && calls[len(calls)-1].RoleARN == "arn:aws:iam::999999999999:role/other"
	})
}

func TestHealthChecksRunningAreJoined(t *testing.T) {
	prober := &fakeProber{}
	prober.hold()
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	c := e.withBilling() // its background check waits for release
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.do(http.MethodPost, "/v1/aws/connections/"+c.ID+"/health/check", e.rw, "")
		}()
	}
	time.Sleep(100 * time.Millisecond)
	prober.let()
	wg.Wait()
	if n := len(prober.calls()); n > 2 {
		t.Errorf("%d checks ran for one connection at once, want the requests to share the running one", n)
	}
}

func TestRunChecksPeriodically(t *testing.T) {
	prober := &fakeProber{details: map[string][]health.Detail{}}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	srv := e.handler.(*Server)
	c := e.withBilling()
	healthOf := func() string {
		return decodeHealth(t, e.do(http.MethodGet, "/v1/aws/connections/"+c.ID+"/health", e.ro, "")).Status
	}
	waitFor(t, "the check after create", func() bool { return healthOf() == "healthy" })

	// Someone changes the role in AWS; nobody calls the API to check.
	prober.mu.Lock()
	prober.details[c.RoleARN] = []health.Detail{{Code: "policy_missing", Message: "m", Remediation: "r"}}
	prober.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.RunChecks(ctx, 200*time.Millisecond)
	waitFor(t, "the periodic checker to find the change", func() bool { return healthOf() == "unhealthy" })
}

// waitFor polls cond for up to 30 seconds: the race detector slows a
// test of hundreds of checks to about that.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
