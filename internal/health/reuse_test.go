package health_test

import (
	"context"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/costlink/terraform-provider-costlink/internal/health"
)

// TestChecksReuseConnections: the clients of a check, and the checks after
// it, share the checker's keep-alive connections. Built from a
// configuration without a frozen HTTP client, each service client had a
// connection pool of its own: five new connections (each a TLS handshake
// with AWS) per check. The fake answers after 5 ms, as a network would:
// answered at once, the SDK sometimes closes a request's body while the
// transport still reads it, which drops the connection.
func TestChecksReuseConnections(t *testing.T) {
	f, target := healthyFake(t)
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		f.ServeHTTP(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := health.NewChecker(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(baseKey, "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	})

	const checks = 20
	for range checks {
		assertDetails(t, c.Check(context.Background(), target))
	}
	t.Logf("%d checks opened %d connections", checks, opened.Load())
	// The regions' STS calls run at once and need a connection each; the
	// bound leaves room for a connection dropped now and then.
	if n, most := int(opened.Load()), checks/2; n > most {
		t.Errorf("%d checks opened %d connections, want at most %d", checks, n, most)
	}
}

// TestCheckCountsAWSRequests: the checker counts its AWS requests by
// service and operation: one AssumeRole per check, whatever it reads after.
func TestCheckCountsAWSRequests(t *testing.T) {
	f, target := healthyFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := health.NewChecker(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(baseKey, "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
	const checks = 2
	for range checks {
		assertDetails(t, c.Check(context.Background(), target))
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		for _, m := range family.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[family.GetName()+" "+labels["service"]+" "+labels["operation"]] = m.GetCounter().GetValue()
		}
	}
	const name = "costlink_health_aws_requests_total"
	want := map[string]float64{
		name + " STS AssumeRole":               checks,
		name + " STS GetCallerIdentity":        float64(checks * len(target.Regions)),
		name + " IAM GetRole":                  checks,
		name + " IAM ListRolePolicies":         checks,
		name + " IAM GetRolePolicy":            float64(checks * len(target.Policy.Documents)),
		name + " IAM ListAttachedRolePolicies": checks,
		name + " CloudWatch ListMetrics":       checks,
	}
	if !maps.Equal(got, want) {
		t.Errorf("AWS requests counted:\n%v\nwant\n%v", got, want)
	}
}
