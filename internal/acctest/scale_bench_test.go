package acctest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// BenchmarkListThousandConnections measures what a data source or an import
// over an organization of 1,000 member accounts costs: listing every
// connection through the API over loopback HTTP with the client's page size
// (the API's largest, 1,000), against pages of 100 (the API's default) as the
// baseline measured in the same run. It reports requests and time per list,
// and the ratio of the two.
func BenchmarkListThousandConnections(b *testing.B) {
	const accounts = 1000
	ctx := context.Background()
	st, err := store.Open(filepath.Join(b.TempDir(), "costlink.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	org, err := st.EnsureOrganization(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for i := range accounts + 1 { // a billing connection first, then the members
		c := store.Connection{OrgID: org.ID, Name: fmt.Sprintf("account-%d", i), Type: "resource",
			AccountID: fmt.Sprintf("%012d", i+1), Regions: []string{"us-east-1"}}
		c.RoleARN = "arn:aws:iam::" + c.AccountID + ":role/costlink/costlink-resource-access"
		if i == 0 {
			c.Type, c.BillingBucket = "billing", "bench-billing-export"
		}
		if _, err := st.CreateConnection(ctx, c, nil); err != nil {
			b.Fatal(err)
		}
	}
	key, _, err := st.CreateAPIKey(ctx, org.ID, store.Scopes)
	if err != nil {
		b.Fatal(err)
	}
	api := server.New(server.Config{Store: st})
	defer api.Close()
	srv := httptest.NewServer(api)
	defer srv.Close()
	counter := &countingTransport{next: http.DefaultTransport}
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: key, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}

	// listAll lists every connection with pages of limit (0: the client's
	// choice) and returns how many requests it took.
	listAll := func(limit int) int {
		before := counter.requests.Load()
		total := 0
		if limit == 0 {
			conns, err := c.ListAllConnections(ctx, client.ListConnectionsOptions{})
			if err != nil {
				b.Fatal(err)
			}
			total = len(conns)
		} else {
			for cursor := "start"; cursor != ""; {
				opts := client.ListConnectionsOptions{Limit: limit}
				if cursor != "start" {
					opts.Cursor = cursor
				}
				page, next, err := c.ListConnections(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				total, cursor = total+len(page), next
			}
		}
		if total != accounts+1 {
			b.Fatalf("listed %d connections, want %d", total, accounts+1)
		}
		return int(counter.requests.Load() - before)
	}

	var clientTime, baselineTime time.Duration
	var clientRequests, baselineRequests int
	for b.Loop() {
		start := time.Now()
		baselineRequests = listAll(100)
		baselineTime += time.Since(start)
		start = time.Now()
		clientRequests = listAll(0)
		clientTime += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(clientRequests), "requests/list")
	b.ReportMetric(float64(baselineRequests), "baseline-requests/list")
	b.ReportMetric(float64(clientTime.Milliseconds())/n, "ms/list")
	b.ReportMetric(float64(baselineTime.Milliseconds())/n, "baseline-ms/list")
	b.ReportMetric(float64(baselineTime)/float64(clientTime), "speedup")
}

// countingTransport counts the HTTP requests that reach the server.
type countingTransport struct {
	next     http.RoundTripper
	requests atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	return t.next.RoundTrip(r)
}
