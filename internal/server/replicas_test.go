package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// replica is another replica of e's service: its own process state, on
// the same database.
func (e *env) replica(cfg Config) *Server {
	e.t.Helper()
	return openReplica(e.t, e.dbPath, cfg)
}

// TestOnDemandCheckAwaitsAnotherReplica: a check asked of replica B while
// replica A checks the same connection waits for A's check and answers
// with its result; B's prober is never called.
func TestOnDemandCheckAwaitsAnotherReplica(t *testing.T) {
	proberA, proberB := &fakeProber{}, &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: proberA, ReplicaID: "a"})
	c := e.withBilling()
	k := e.handler.(*Server).s.checks
	waitFor(t, "the check after create", func() bool { return k.pending() == 0 })
	b := e.replica(Config{PrincipalARN: testPrincipal, Prober: proberB, ReplicaID: "b"})

	proberA.hold()
	path := "/v1/aws/connections/" + c.ID + "/health/check"
	onA := make(chan response)
	go func() { onA <- e.do(http.MethodPost, path, e.rw, "") }()
	waitFor(t, "replica a's check to start", func() bool { running, _ := proberA.counts(); return running == 1 })
	onB := make(chan response)
	go func() { onB <- e.doOn(b, http.MethodPost, path, e.rw, "") }()
	waitFor(t, "replica b's check to start", func() bool {
		b.s.checks.mu.Lock()
		defer b.s.checks.mu.Unlock()
		f := b.s.checks.flights[flightKey(store.Connection{ID: c.ID, Version: c.Version})]
		return f != nil && f.started
	})
	time.Sleep(leasePoll) // b finds a's lease and waits
	proberA.let()
	fromA := decodeHealth(t, (<-onA).wantStatus(t, http.StatusOK))
	fromB := decodeHealth(t, (<-onB).wantStatus(t, http.StatusOK))
	if fromB.CheckedAt == nil || fromA.CheckedAt == nil || *fromB.CheckedAt != *fromA.CheckedAt {
		t.Errorf("replica b answered %+v, want replica a's check %+v", fromB, fromA)
	}
	if n := len(proberB.calls()); n != 0 {
		t.Errorf("replica b ran %d checks, want none: it awaits a's", n)
	}
}

// TestCheckTakesOverTheLeaseOfADeadReplica: a replica that died holding a
// connection's lease blocks others only until the lease expires.
func TestCheckTakesOverTheLeaseOfADeadReplica(t *testing.T) {
	const lease = 900 * time.Millisecond
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober, ReplicaID: "live", CheckLease: lease})
	c := e.withBilling()
	k := e.handler.(*Server).s.checks
	waitFor(t, "the check after create", func() bool { return k.pending() == 0 })
	before := len(prober.calls())

	if ok, err := e.store.ClaimCheck(context.Background(), c.ID, "dead", time.Now(), lease); err != nil || !ok {
		t.Fatalf("the dead replica's claim: %v, %v", ok, err)
	}
	start := time.Now()
	h := decodeHealth(t, e.do(http.MethodPost, "/v1/aws/connections/"+c.ID+"/health/check", e.rw, "").wantStatus(t, http.StatusOK))
	if waited := time.Since(start); waited < lease/2 {
		t.Errorf("checked after %s, inside the dead replica's lease", waited)
	}
	if h.Status != "healthy" || len(prober.calls()) != before+1 {
		t.Errorf("health %+v after %d checks; want this replica's own check once the lease expired", h, len(prober.calls())-before)
	}
}
