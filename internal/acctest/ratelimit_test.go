package acctest

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// TestAccClientPacesToTheServiceLimit runs the service with the per-key
// limit costlink-server serve has by default (20 requests a second, bursts of
// 40) and ten workers, as many as Terraform runs in parallel, sharing one
// client as the provider's resources do: the client learns the limit from
// the service's RateLimit fields and is refused at most 20 times per 1,000
// requests.
func TestAccClientPacesToTheServiceLimit(t *testing.T) {
	const perSecond, burst, workers, requests = 20, 40, 10, 500
	org := NewOrgInOwnService(t, ServiceOptions{RateLimit: perSecond, RateBurst: burst})
	statuses := &statusCountingTransport{next: http.DefaultTransport}
	c, err := client.New(client.Config{BaseURL: org.APIURL, APIKey: org.APIKey, HTTPClient: &http.Client{Transport: statuses}})
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range requests / workers {
				if _, err := c.GetOrganization(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	refused := statuses.refused.Load()
	ideal := time.Duration(requests / perSecond * float64(time.Second))
	t.Logf("PACING against the service at %d/s (burst %d): %d requests from %d workers, %d sent, %d refused with 429 (%.1f per 1,000), %s (%.2fx of %s)",
		perSecond, burst, requests, workers, statuses.sent.Load(), refused, float64(refused)*1000/requests,
		elapsed.Round(time.Millisecond), elapsed.Seconds()/ideal.Seconds(), ideal)
	if refused*1000 > 20*requests {
		t.Errorf("%d of %d requests were refused with 429, want at most 20 per 1,000", refused, requests)
	}
}

// statusCountingTransport counts the requests sent and the 429s answered.
type statusCountingTransport struct {
	next    http.RoundTripper
	sent    atomic.Int64
	refused atomic.Int64
}

func (t *statusCountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.sent.Add(1)
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.refused.Add(1)
	}
	return resp, err
}
