package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
)

const bulkChecksPath = "/v1/aws/connections/health/checks"

func bulkBody(ids ...string) string {
	b, _ := json.Marshal(bulkCheckRequest{IDs: ids})
	return string(b)
}

func decodeBulk(t *testing.T, r response) bulkCheckResponse {
	t.Helper()
	var b bulkCheckResponse
	if err := json.Unmarshal(r.wantStatus(t, http.StatusAccepted).body, &b); err != nil {
		t.Fatalf("response %s is not a bulk check answer: %v", r.body, err)
	}
	return b
}

func TestRequestHealthChecksQueuesListedConnections(t *testing.T) {
	prober := &fakeProber{details: map[string][]health.Detail{}}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	payer := e.withBilling()
	member := e.do(http.MethodPost, connectionsPath, e.rw, resourceBody("member", "123456789012")).wantStatus(t, http.StatusCreated).connection(t)
	healthOf := func(id string) string {
		return decodeHealth(t, e.do(http.MethodGet, connectionsPath+"/"+id+"/health", e.ro, "")).Status
	}
	waitFor(t, "the checks after create", func() bool { return healthOf(payer.ID) == "healthy" && healthOf(member.ID) == "healthy" })

	// Another organization's connection is as unknown here as one that never was.
	other := e.newOrg("other")
	otherKey := e.key(other, "connections:read", "connections:write")
	foreign := e.do(http.MethodPost, connectionsPath, otherKey, billingBody("payer", "888888888888")).wantStatus(t, http.StatusCreated).connection(t)

	// The roles break in AWS; only the bulk request makes the service look.
	prober.mu.Lock()
	for _, c := range []connectionJSON{payer, member} {
		prober.details[c.RoleARN] = []health.Detail{{Code: "policy_missing", Message: "m", Remediation: "r"}}
	}
	prober.mu.Unlock()
	got := decodeBulk(t, e.do(http.MethodPost, bulkChecksPath, e.wo, bulkBody(member.ID, "conn_gone", payer.ID, member.ID, foreign.ID, "conn_gone")))
	if got.Queued != 2 || !slices.Equal(got.Missing, []string{"conn_gone", foreign.ID}) {
		t.Errorf("bulk check = %+v, want 2 queued and conn_gone, %s missing", got, foreign.ID)
	}
	waitFor(t, "the queued checks", func() bool { return healthOf(payer.ID) == "unhealthy" && healthOf(member.ID) == "unhealthy" })
	if h := decodeHealth(t, e.do(http.MethodGet, connectionsPath+"/"+foreign.ID+"/health", otherKey, "")); h.Status == "unhealthy" {
		t.Errorf("the other organization's connection was checked: %+v", h)
	}
}

func TestRequestHealthChecksRefusesBadRequests(t *testing.T) {
	prober := &fakeProber{}
	e := newEnv(t, Config{PrincipalARN: testPrincipal, Prober: prober})
	payer := e.withBilling()
	waitFor(t, "the check after create", func() bool { return len(prober.calls()) == 1 })

	tooMany := make([]string, maxBulkCheckIDs+1)
	for i := range tooMany {
		tooMany[i] = payer.ID
	}
	for name, tc := range map[string]struct {
		body   string
		key    string
		status int
		code   string
		field  string
	}{
		"no IDs":           {bulkBody(), e.rw, http.StatusUnprocessableEntity, "validation", "ids"},
		"null IDs":         {`{"ids":null}`, e.rw, http.StatusUnprocessableEntity, "validation", "ids"},
		"too many IDs":     {bulkBody(tooMany...), e.rw, http.StatusUnprocessableEntity, "validation", "ids"},
		"an empty ID":      {bulkBody(payer.ID, ""), e.rw, http.StatusUnprocessableEntity, "validation", "ids[1]"},
		"an overlong ID":   {bulkBody(payer.ID, "conn_"+strings.Repeat("a", 60)), e.rw, http.StatusUnprocessableEntity, "validation", "ids[1]"},
		"IDs not strings":  {`{"ids":[1]}`, e.rw, http.StatusUnprocessableEntity, "validation", "ids"},
		"an unknown field": {`{"ids":["` + payer.ID + `"],"wait":true}`, e.rw, http.StatusBadRequest, "bad_request", ""},
		"a read-only key":  {bulkBody(payer.ID), e.ro, http.StatusForbidden, "forbidden", ""},
		"no key":           {bulkBody(payer.ID), "", http.StatusUnauthorized, "unauthorized", ""},
	} {
		t.Run(name, func(t *testing.T) {
			p := e.do(http.MethodPost, bulkChecksPath, tc.key, tc.body).wantProblem(t, tc.status, tc.code)
			if tc.field != "" && (len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Field, tc.field)) {
				t.Errorf("errors = %+v, want one for %s", p.Errors, tc.field)
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // a check wrongly queued would run by now
	if n := len(prober.calls()); n != 1 {
		t.Errorf("%d checks ran, want only the one after create: a refused request queues nothing", n)
	}
}

func TestRequestHealthChecksWithoutChecker(t *testing.T) {
	e := newEnv(t, Config{})
	e.do(http.MethodPost, bulkChecksPath, e.rw, bulkBody("conn_x")).wantProblem(t, http.StatusServiceUnavailable, "service_misconfigured")
}
