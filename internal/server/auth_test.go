package server

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Config{})
	for name, header := range map[string]string{
		"no key":      "",
		"unknown key": "Bearer clk_0000000000000000000000000000000000000000",
		"basic auth":  "Basic " + e.rw,
		"empty token": "Bearer ",
	} {
		t.Run(name, func(t *testing.T) {
			res := e.do("GET", "/v1/aws/connections", "", "", "Authorization", header)
			res.wantProblem(t, http.StatusUnauthorized, "unauthorized")
			if got := res.header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate = %q, want Bearer", got)
			}
		})
	}
	for _, path := range []string{"/healthz", "/metrics", "/v1/openapi.yaml"} {
		e.do("GET", path, "", "").wantStatus(t, http.StatusOK)
	}
}

func TestScopes(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.withBilling()

	e.do("POST", "/v1/aws/connections", e.ro, resourceBody("a", "123456789012")).wantProblem(t, http.StatusForbidden, "forbidden")
	e.do("PATCH", "/v1/aws/connections/"+c.ID, e.ro, `{"regions":[]}`).wantProblem(t, http.StatusForbidden, "forbidden")
	e.do("DELETE", "/v1/aws/connections/"+c.ID, e.ro, "").wantProblem(t, http.StatusForbidden, "forbidden")
	e.do("GET", "/v1/aws/connections", e.wo, "").wantProblem(t, http.StatusForbidden, "forbidden")
	e.do("GET", "/v1/aws/connections/"+c.ID, e.wo, "").wantProblem(t, http.StatusForbidden, "forbidden")

	e.do("GET", "/v1/aws/connections/"+c.ID, e.ro, "").wantStatus(t, http.StatusOK)
	e.do("POST", "/v1/aws/connections", e.wo, resourceBody("a", "123456789012")).wantStatus(t, http.StatusCreated)
	// The organization needs a key, no particular scope.
	for _, key := range []string{e.ro, e.wo} {
		e.do("GET", "/v1/organization", key, "").wantStatus(t, http.StatusOK)
	}
}

func TestOrganizationIsolation(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.withBilling()
	other := e.key(e.newOrg("globex"), "connections:read", "connections:write")

	path := "/v1/aws/connections/" + c.ID
	e.do("GET", path, other, "").wantProblem(t, http.StatusNotFound, "not_found")
	e.do("PATCH", path, other, `{"name":"stolen"}`).wantProblem(t, http.StatusNotFound, "not_found")
	e.do("DELETE", path, other, "").wantProblem(t, http.StatusNotFound, "not_found")
	if l := e.do("GET", "/v1/aws/connections", other, "").wantStatus(t, http.StatusOK).list(t); len(l.Connections) != 0 {
		t.Errorf("another organization lists %d connections, want 0", len(l.Connections))
	}
	// The same name is free in another organization.
	e.do("POST", "/v1/aws/connections", other, billingBody("payer", "999999999999")).wantStatus(t, http.StatusCreated)

	if got := e.do("GET", path, e.ro, "").wantStatus(t, http.StatusOK).connection(t); got.Name != "payer" {
		t.Errorf("connection changed by another organization: %+v", got)
	}
}

func TestGetOrganization(t *testing.T) {
	e := newEnv(t, Config{PrincipalARN: testPrincipal})
	res := e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
	var got organizationJSON
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	want := organizationJSON{ID: e.org.ID, Name: "acme", ExternalID: e.org.ExternalID, PrincipalARN: testPrincipal}
	if got != want {
		t.Errorf("organization = %+v, want %+v", got, want)
	}
}
