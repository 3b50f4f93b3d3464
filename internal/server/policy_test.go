package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

func TestGetPolicy(t *testing.T) {
	e := newEnv(t, Config{PrincipalARN: testPrincipal})
	var resource policyJSON
	if err := json.Unmarshal(e.do(http.MethodGet, "/v1/aws/policy", e.ro, "").wantStatus(t, http.StatusOK).body, &resource); err != nil {
		t.Fatal(err)
	}
	if resource.ExternalID != e.org.ExternalID || resource.PrincipalARN != testPrincipal {
		t.Errorf("external_id, principal_arn = %q, %q; want the organization's and %q", resource.ExternalID, resource.PrincipalARN, testPrincipal)
	}
	if err := iampolicy.VerifyTrust(resource.TrustPolicy, testPrincipal, e.org.ExternalID); err != nil {
		t.Errorf("trust policy %s: %v", resource.TrustPolicy, err)
	}
	want, err := iampolicy.Generate(iampolicy.Input{Type: "resource"})
	if err != nil {
		t.Fatal(err)
	}
	if resource.Version != want.Version || len(resource.Documents) != len(want.Documents) || len(resource.Documents) == 0 {
		t.Errorf("version %q with %d documents, want %q with %d", resource.Version, len(resource.Documents), want.Version, len(want.Documents))
	}

	var billing policyJSON
	if err := json.Unmarshal(e.do(http.MethodGet, "/v1/aws/policy?type=billing&billing_bucket=acme-cur", e.ro, "").wantStatus(t, http.StatusOK).body, &billing); err != nil {
		t.Fatal(err)
	}
	if billing.Version == resource.Version {
		t.Error("billing and resource policies have the same version")
	}
}

func TestGetPolicyRefusals(t *testing.T) {
	e := newEnv(t, Config{PrincipalARN: testPrincipal})
	for _, tt := range []struct{ query, field string }{
		{"?type=billing", "billing_bucket"},
		{"?type=resource&billing_bucket=acme-cur", "billing_bucket"},
		{"?type=billing&billing_bucket=Bad_Bucket", "billing_bucket"},
		{"?type=payer", "type"},
	} {
		p := e.do(http.MethodGet, "/v1/aws/policy"+tt.query, e.ro, "").wantProblem(t, http.StatusUnprocessableEntity, "validation")
		if len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
			t.Errorf("%s: errors = %+v, want one on %s", tt.query, p.Errors, tt.field)
		}
	}
	e.do(http.MethodGet, "/v1/aws/policy", e.wo, "").wantProblem(t, http.StatusForbidden, "forbidden")

	unconfigured := newEnv(t, Config{})
	unconfigured.do(http.MethodGet, "/v1/aws/policy", unconfigured.ro, "").wantProblem(t, http.StatusServiceUnavailable, "service_misconfigured")
}
