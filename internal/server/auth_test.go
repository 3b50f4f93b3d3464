package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/costlink/terraform-provider-costlink/internal/store"
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
	for _, path := range []string{"/healthz", "/v1/openapi.yaml"} {
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

// TestGetOrganization: the organization, and the scopes of the key that
// asks, which tell a client (the console) what it may do.
func TestGetOrganization(t *testing.T) {
	e := newEnv(t, Config{PrincipalARN: testPrincipal})
	for key, scopes := range map[string][]string{
		e.ro: {store.ScopeConnectionsRead},
		e.rw: {store.ScopeConnectionsRead, store.ScopeConnectionsWrite},
	} {
		res := e.do("GET", "/v1/organization", key, "").wantStatus(t, http.StatusOK)
		var got organizationJSON
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatal(err)
		}
		want := organizationJSON{ID: e.org.ID, Name: "acme", ExternalID: e.org.ExternalID, PrincipalARN: testPrincipal, Scopes: scopes}
		if got.ID != want.ID || got.Name != want.Name || got.ExternalID != want.ExternalID ||
			got.PrincipalARN != want.PrincipalARN || !slices.Equal(got.Scopes, want.Scopes) {
			t.Errorf("organization = %+v, want %+v", got, want)
		}
	}
}

// keyID returns the ID of the key whose secret is token.
func (e *env) keyID(token string) string {
	e.t.Helper()
	key, err := e.store.APIKeyByToken(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return key.ID
}

func TestRevokedKeyIsRefusedOnTheNextRequest(t *testing.T) {
	e := newEnv(t, Config{})
	e.do("GET", "/v1/organization", e.rw, "").wantStatus(t, http.StatusOK)

	id := e.keyID(e.rw)
	if _, _, err := e.store.RevokeAPIKey(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	res := e.do("GET", "/v1/organization", e.rw, "")
	p := res.wantProblem(t, http.StatusUnauthorized, "key_revoked")
	if !strings.Contains(p.Detail, id+" was revoked at ") || strings.Contains(p.Detail, e.rw) {
		t.Errorf("detail %q does not say that key %s was revoked, or echoes the key", p.Detail, id)
	}
	if got := res.header.Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want Bearer", got)
	}
	// The organization's other keys still work.
	e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
}

func TestExpiredKeyIsRefused(t *testing.T) {
	e := newEnv(t, Config{})
	// The store keeps whole seconds: two seconds ahead leaves at least one
	// in which the key works.
	expires := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second)
	token, key, err := e.store.CreateAPIKey(context.Background(), e.org.ID, store.Scopes, store.WithExpiry(expires))
	if err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/v1/organization", token, "").wantStatus(t, http.StatusOK)

	time.Sleep(time.Until(expires))
	p := e.do("GET", "/v1/organization", token, "").wantProblem(t, http.StatusUnauthorized, "key_expired")
	if want := key.ID + " expired at " + expires.Format(time.RFC3339); !strings.Contains(p.Detail, want) || strings.Contains(p.Detail, token) {
		t.Errorf("detail %q does not say %q, or echoes the key", p.Detail, want)
	}
}

func TestKeyUseIsRecorded(t *testing.T) {
	e := newEnv(t, Config{})
	if key, _ := e.store.APIKeyByToken(context.Background(), e.ro); !key.LastUsedAt.IsZero() {
		t.Fatalf("an unused key has last use %s", key.LastUsedAt)
	}
	before := time.Now().UTC().Truncate(time.Second)
	e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
	if key, _ := e.store.APIKeyByToken(context.Background(), e.ro); key.LastUsedAt.Before(before) {
		t.Errorf("last use %s, want at least %s", key.LastUsedAt, before)
	}
}

// TestKeyProblemsAreDocumented keeps the 401 problem types in openapi.yaml.
func TestKeyProblemsAreDocumented(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Problem struct {
					Properties struct {
						Type struct {
							Enum []string `yaml:"enum"`
						} `yaml:"type"`
					} `yaml:"properties"`
				} `yaml:"Problem"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []problemKind{unauthorized, keyRevoked, keyExpired} {
		if !slices.Contains(doc.Components.Schemas.Problem.Properties.Type.Enum, "urn:costlink:problem:"+k.code) {
			t.Errorf("openapi.yaml's Problem type does not list %s", k.code)
		}
	}
}
