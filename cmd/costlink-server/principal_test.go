package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestResolvePrincipalARNConfigured(t *testing.T) {
	got, err := resolvePrincipalARN(context.Background(), aws.Config{}, "arn:aws-cn:iam::111111111111:root")
	if err != nil || got != "arn:aws-cn:iam::111111111111:root" {
		t.Errorf("resolvePrincipalARN = %q, %v", got, err)
	}
	if _, err := resolvePrincipalARN(context.Background(), aws.Config{}, "arn:aws:s3:::bucket"); err == nil || !strings.Contains(err.Error(), "--principal-arn") {
		t.Errorf("a bad --principal-arn gave %v, want an error naming the flag", err)
	}
}

// TestResolvePrincipalARNFromIdentity derives the principal from the
// service's own credentials, through a fake STS endpoint.
func TestResolvePrincipalARNFromIdentity(t *testing.T) {
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "GetCallerIdentity" {
			t.Errorf("unexpected STS request %v: %v", r.Form, err)
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws-us-gov:sts::999999999999:assumed-role/costlink-service/i-0123</Arn>
    <UserId>AROAEXAMPLE:i-0123</UserId>
    <Account>999999999999</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`))
	}))
	defer sts.Close()
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_REGION", "us-gov-west-1")

	cfg, err := loadAWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := resolvePrincipalARN(context.Background(), cfg, "")
	if err != nil || got != "arn:aws-us-gov:iam::999999999999:root" {
		t.Errorf("resolvePrincipalARN = %q, %v; want the account root in its partition", got, err)
	}
}
