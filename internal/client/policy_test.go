package client

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

func TestGetPolicy(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/aws/policy" {
			t.Errorf("request = %s %s", r.Method, r.URL.Path)
		}
		if got, want := r.URL.RawQuery, "billing_bucket=acme-cur&type=billing"; got != want {
			t.Errorf("query = %q, want %q", got, want)
		}
		writeJSON(t, w, http.StatusOK, map[string]any{
			"version":             "0123456789abcdef",
			"trust_policy":        `{"Version":"2012-10-17"}`,
			"documents":           []map[string]string{{"name": "costlink-billing-1", "json": `{"Statement":[]}`}},
			"managed_policy_arns": []string{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
			"external_id":         "0123456789abcdef0123456789abcdef",
			"principal_arn":       "arn:aws:iam::999999999999:root",
		})
	})

	got, err := c.GetPolicy(context.Background(), "billing", "acme-cur")
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{
		Version:           "0123456789abcdef",
		TrustPolicy:       `{"Version":"2012-10-17"}`,
		Documents:         []PolicyDocument{{Name: "costlink-billing-1", JSON: `{"Statement":[]}`}},
		ManagedPolicyARNs: []string{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"},
		ExternalID:        "0123456789abcdef0123456789abcdef",
		PrincipalARN:      "arn:aws:iam::999999999999:root",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetPolicy = %+v, want %+v", got, want)
	}
}

func TestGetPolicyResourceSendsNoBucket(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if got, want := r.URL.RawQuery, "type=resource"; got != want {
			t.Errorf("query = %q, want %q", got, want)
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"version": "v"})
	})
	if _, err := c.GetPolicy(context.Background(), "resource", ""); err != nil {
		t.Fatal(err)
	}
}
