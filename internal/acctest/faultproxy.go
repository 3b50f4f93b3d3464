package acctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is one way the network between the provider and the service fails.
type Fault string

// The faults a FaultProxy injects.
const (
	// FaultDrop closes the connection before forwarding: the service never
	// sees the request.
	FaultDrop Fault = "drop"
	// FaultBadGateway and FaultUnavailable answer 502 and 503 without
	// forwarding, as a load balancer does in front of a service it cannot reach.
	FaultBadGateway  Fault = "502"
	FaultUnavailable Fault = "503"
	// FaultRateLimit answers 429 with Retry-After: 1 without forwarding.
	FaultRateLimit Fault = "429"
	// FaultLostResponse forwards, lets the service act, then closes the
	// connection instead of answering: the client cannot tell whether its
	// request was carried out.
	FaultLostResponse Fault = "lost_response"
)

// AllFaults are the faults a FaultProxy injects unless told otherwise.
var AllFaults = []Fault{FaultDrop, FaultBadGateway, FaultUnavailable, FaultRateLimit, FaultLostResponse}

// apiPathPrefix marks the requests a FaultProxy may fault: the API, not
// /healthz, /metrics or the OpenAPI document.
const apiPathPrefix = "/v1/"

// FaultProxyOptions configure a FaultProxy.
type FaultProxyOptions struct {
	// Seed seeds the PCG generator that decides which request fails and how.
	// The sequence of decisions is fixed by it; which request meets which
	// decision depends on the order concurrent requests arrive in.
	Seed uint64
	// Rate is the fraction of API requests faulted, from 0 to 1.
	Rate float64
	// Faults are the kinds drawn from, each equally likely; nil means AllFaults.
	Faults []Fault
	// Latency delays every forwarded API response, after the service has
	// acted, widening the window in which an interrupted client loses it.
	Latency time.Duration
}

// FaultCounts are what a FaultProxy did: API requests received, faults
// injected by kind, and forwarded requests the service did not answer
// (while it restarts, say), which the proxy answers 502 as any proxy does.
type FaultCounts struct {
	Requests       int
	Faults         map[Fault]int
	UpstreamErrors int
}

// Faulted is the number of API requests that met an injected fault.
func (c FaultCounts) Faulted() int {
	n := 0
	for _, count := range c.Faults {
		n += count
	}
	return n
}

// FaultedShare is Faulted as a fraction of Requests.
func (c FaultCounts) FaultedShare() float64 {
	if c.Requests == 0 {
		return 0
	}
	return float64(c.Faulted()) / float64(c.Requests)
}

// Since is what happened between earlier and c, counts taken from the same proxy.
func (c FaultCounts) Since(earlier FaultCounts) FaultCounts {
	diff := FaultCounts{
		Requests:       c.Requests - earlier.Requests,
		Faults:         make(map[Fault]int, len(c.Faults)),
		UpstreamErrors: c.UpstreamErrors - earlier.UpstreamErrors,
	}
	for f, n := range c.Faults {
		diff.Faults[f] = n - earlier.Faults[f]
	}
	return diff
}

// String renders the counts as key=value pairs, for logs that are grepped.
func (c FaultCounts) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "requests=%d faulted=%d faulted_pct=%.1f", c.Requests, c.Faulted(), 100*c.FaultedShare())
	for _, f := range AllFaults {
		fmt.Fprintf(&b, " %s=%d", f, c.Faults[f])
	}
	fmt.Fprintf(&b, " upstream_errors=%d", c.UpstreamErrors)
	return b.String()
}

// FaultProxy is a reverse proxy between the provider and the service that
// fails a share of API requests as a flaky network does.
type FaultProxy struct {
	// URL is the proxy's base URL, to give the provider as api_url.
	URL string

	opts  FaultProxyOptions
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	rng    *rand.Rand
	counts FaultCounts
}

// errLostResponse makes the reverse proxy drop a response it has received.
var errLostResponse = errors.New("response lost on purpose")

// lostResponseKey marks, in a request's context, a response to lose.
type lostResponseKey struct{}

// NewFaultProxy starts a FaultProxy in front of target (the service's base
// URL) for the duration of the test.
func NewFaultProxy(t *testing.T, target string, opts FaultProxyOptions) *FaultProxy {
	t.Helper()
	upstream, err := url.Parse(target)
	if err != nil {
		t.Fatalf("fault proxy target %q: %v", target, err)
	}
	if opts.Rate < 0 || opts.Rate > 1 {
		t.Fatalf("fault proxy rate %v is not between 0 and 1", opts.Rate)
	}
	if opts.Faults == nil {
		opts.Faults = AllFaults
	}
	p := &FaultProxy{
		opts:   opts,
		rng:    rand.New(rand.NewPCG(opts.Seed, opts.Seed)),
		counts: FaultCounts{Faults: map[Fault]int{}},
	}
	// A transport of its own: the service's restart leaves this pool's
	// connections dead, and no other test's pool.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	p.proxy = &httputil.ReverseProxy{
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(upstream) },
		Transport:      transport,
		ModifyResponse: p.delayOrLose,
		ErrorHandler:   p.forwardFailed,
	}
	srv := httptest.NewServer(http.HandlerFunc(p.serveHTTP))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Counts returns what the proxy has done so far.
func (p *FaultProxy) Counts() FaultCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	counts := p.counts
	counts.Faults = make(map[Fault]int, len(p.counts.Faults))
	for f, n := range p.counts.Faults {
		counts.Faults[f] = n
	}
	return counts
}

// decide counts an API request and draws the fault it meets, "" for none.
func (p *FaultProxy) decide() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts.Requests++
	if p.rng.Float64() >= p.opts.Rate {
		return ""
	}
	f := p.opts.Faults[p.rng.IntN(len(p.opts.Faults))]
	p.counts.Faults[f]++
	return f
}

func (p *FaultProxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, apiPathPrefix) {
		p.proxy.ServeHTTP(w, r)
		return
	}
	switch f := p.decide(); f {
	case FaultDrop:
		closeConnection(w)
	case FaultBadGateway:
		http.Error(w, "fault injected: bad gateway", http.StatusBadGateway)
	case FaultUnavailable:
		http.Error(w, "fault injected: service unavailable", http.StatusServiceUnavailable)
	case FaultRateLimit:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "fault injected: too many requests", http.StatusTooManyRequests)
	case FaultLostResponse:
		p.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), lostResponseKey{}, true)))
	default:
		p.proxy.ServeHTTP(w, r)
	}
}

// delayOrLose runs on every response the service sent: it waits the
// configured latency for API responses, and turns a response marked to be
// lost into errLostResponse once the service has sent all of it.
func (p *FaultProxy) delayOrLose(resp *http.Response) error {
	req := resp.Request
	if p.opts.Latency > 0 && strings.HasPrefix(req.URL.Path, apiPathPrefix) {
		select {
		case <-time.After(p.opts.Latency):
		case <-req.Context().Done():
			return req.Context().Err()
		}
	}
	if lose, _ := req.Context().Value(lostResponseKey{}).(bool); lose {
		_, _ = io.Copy(io.Discard, resp.Body)
		return errLostResponse
	}
	return nil
}

// forwardFailed closes the connection of a response lost on purpose, and
// answers 502 when the service did not answer.
func (p *FaultProxy) forwardFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errLostResponse) {
		closeConnection(w)
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away; nobody reads an answer
	}
	p.mu.Lock()
	p.counts.UpstreamErrors++
	p.mu.Unlock()
	http.Error(w, "fault proxy: the service did not answer: "+err.Error(), http.StatusBadGateway)
}

// closeConnection closes the client's connection without an answer: the
// client reads EOF.
func closeConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not HTTP/1 (httptest serves HTTP/1.1 only): abort the handler, which
		// net/http turns into a reset stream or a closed connection.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
