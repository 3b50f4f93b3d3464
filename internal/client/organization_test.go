package client

import (
	"context"
	"net/http"
	"testing"
)

func TestGetOrganization(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		for header, want := range map[string]string{
			"Authorization":   "Bearer " + testKey,
			"User-Agent":      "terraform-provider-costlink/1.2.3",
			"Accept":          "application/json",
			"Idempotency-Key": "", // POST only
			"Content-Type":    "", // no body
		} {
			if got := r.Header.Get(header); got != want {
				t.Errorf("%s = %q, want %q", header, got, want)
			}
		}
		if r.Method != http.MethodGet || r.URL.Path != "/v1/organization" {
			t.Errorf("request = %s %s", r.Method, r.URL.Path)
		}
		writeJSON(t, w, http.StatusOK, map[string]any{
			"id":            "org_1a2b",
			"name":          "acme",
			"external_id":   "0123456789abcdef0123456789abcdef",
			"principal_arn": "arn:aws:iam::999999999999:root",
		})
	})

	org, err := c.GetOrganization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Organization{
		ID:           "org_1a2b",
		Name:         "acme",
		ExternalID:   "0123456789abcdef0123456789abcdef",
		PrincipalARN: "arn:aws:iam::999999999999:root",
	}
	if *org != want {
		t.Errorf("organization = %+v, want %+v", *org, want)
	}
}

func TestDecodingErrorOnNonJSONSuccess(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>captive portal</html>"))
	})
	if _, err := c.GetOrganization(context.Background()); err == nil {
		t.Fatal("want a decoding error")
	}
}
