package client

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// rateLimitedService answers like the service does under --rate-limit
// perSecond --rate-burst burst: a token bucket for the one key, 429 with
// Retry-After when it is empty, and the RateLimit fields on every response.
type rateLimitedService struct {
	perSecond float64
	burst     int

	bucket  *rate.Limiter
	served  atomic.Int64
	refused atomic.Int64

	mu       sync.Mutex
	arrivals []time.Time
}

func newRateLimitedService(perSecond float64, burst int) *rateLimitedService {
	return &rateLimitedService{perSecond: perSecond, burst: burst, bucket: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func (s *rateLimitedService) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.arrivals = append(s.arrivals, time.Now())
	s.mu.Unlock()
	res := s.bucket.Reserve()
	delay := res.Delay()
	if delay > 0 {
		res.Cancel()
	}
	tokens := max(0, s.bucket.Tokens())
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(s.burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(int(tokens)))
	h.Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil((float64(s.burst)-tokens)/s.perSecond))))
	h.Set("RateLimit-Policy", strconv.Itoa(s.burst)+";w="+strconv.Itoa(int(math.Ceil(float64(s.burst)/s.perSecond))))
	if delay > 0 {
		s.refused.Add(1)
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(delay.Seconds())))))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.served.Add(1)
	h.Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"id":"org_1"}`))
}

// peakArrivals is the most requests that arrived within any span of the
// given length, from after the burst of the first second: a burst of
// retries that come back together shows here.
func (s *rateLimitedService) peakArrivals(span time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	peak, first := 0, 0
	for last, at := range s.arrivals {
		if at.Sub(s.arrivals[0]) < time.Second {
			first = last + 1
			continue
		}
		for at.Sub(s.arrivals[first]) >= span {
			first++
		}
		peak = max(peak, last-first+1)
	}
	return peak
}

// TestPacingKeepsParallelWorkersUnderTheLimit: ten workers, as Terraform
// runs by default, share one Client against a service that allows 20
// requests a second; the Client paces them so that few are refused.
func TestPacingKeepsParallelWorkersUnderTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 10 seconds")
	}
	const workers, requests = 10, 200
	svc := newRateLimitedService(20, 20)
	c := newTestClient(t, svc.ServeHTTP, func(cfg *Config) {
		cfg.MaxRetries = new(10)
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Second, 30*time.Second
	})

	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range workers {
		wg.Go(func() {
			for range requests / workers {
				if _, err := c.GetOrganization(context.Background()); err != nil {
					failed.Add(1)
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	ideal := time.Duration(float64(requests-svc.burst) / svc.perSecond * float64(time.Second))
	t.Logf("PACING %d requests from %d workers at %g/s (burst %d): %d refused with 429 (%.1f per 1,000), %d failed, %s (ideal %s, %.2fx), "+
		"at most %d arrived within 100ms after the first second",
		requests, workers, svc.perSecond, svc.burst, svc.refused.Load(), float64(svc.refused.Load())*1000/requests,
		failed.Load(), elapsed.Round(time.Millisecond), ideal, elapsed.Seconds()/ideal.Seconds(), svc.peakArrivals(100*time.Millisecond))
	if got := svc.refused.Load(); got*1000 > 20*requests {
		t.Errorf("%d of %d requests were refused with 429, want at most 20 per 1,000", got, requests)
	}
}

// TestPacingSharesAKeyWithAnotherClient: two Clients with one key, such as
// two Terraform runs, each learn the whole limit; refusals make them find
// their shares instead of each sending at the whole rate.
func TestPacingSharesAKeyWithAnotherClient(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 10 seconds")
	}
	const clients, workers, requests = 2, 5, 200
	svc := newRateLimitedService(20, 40)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		c := newTestClient(t, svc.ServeHTTP, func(cfg *Config) {
			cfg.MaxRetries = new(10)
			cfg.RetryWaitMin, cfg.RetryWaitMax = time.Second, 30*time.Second
		})
		for range workers {
			wg.Go(func() {
				for range requests / clients / workers {
					if _, err := c.GetOrganization(context.Background()); err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
	wg.Wait()
	refused := svc.refused.Load()
	t.Logf("PACING %d requests from %d clients of one key at %g/s (burst %d): %d refused with 429 (%.1f per 1,000), %s",
		requests, clients, svc.perSecond, svc.burst, refused, float64(refused)*1000/requests, time.Since(start).Round(time.Millisecond))
	if refused*1000 > 100*requests {
		t.Errorf("%d of %d requests were refused with 429, want at most 100 per 1,000", refused, requests)
	}
}

func TestParseQuotaPolicy(t *testing.T) {
	tests := []struct {
		field string
		want  quotaPolicy
		ok    bool
	}{
		{"40;w=2", quotaPolicy{40, 2}, true},
		{"100;w=60, 10;w=1", quotaPolicy{100, 60}, true}, // the slowest: 1.7/s
		{" 10 ; w=1 ;burst=5", quotaPolicy{10, 1}, true},
		{"10;w=0, 5;w=1", quotaPolicy{5, 1}, true},
		{"", quotaPolicy{}, false},
		{"40", quotaPolicy{}, false}, // no window: no rate
		{"0;w=1", quotaPolicy{}, false},
		{"-5;w=1", quotaPolicy{}, false},
		{"ten;w=1", quotaPolicy{}, false},
		{"10;w=soon", quotaPolicy{}, false},
	}
	for _, tt := range tests {
		if got, ok := parseQuotaPolicy(tt.field); got != tt.want || ok != tt.ok {
			t.Errorf("parseQuotaPolicy(%q) = %+v, %t; want %+v, %t", tt.field, got, ok, tt.want, tt.ok)
		}
	}
}

// rateLimitFields are the RateLimit fields the service sends, or none.
func rateLimitFields(policy, remaining string) http.Header {
	h := http.Header{}
	if policy != "" {
		h.Set("RateLimit-Policy", policy)
		h.Set("RateLimit-Remaining", remaining)
	}
	return h
}

func TestPacerLearnsAndAdapts(t *testing.T) {
	ctx := context.Background()
	var p pacer
	if p.current() != nil || p.reserve() != 0 {
		t.Fatal("a new pacer paces before the service advertised a limit")
	}
	wantPace := func(step string, perSecond rate.Limit, burst int) {
		t.Helper()
		l := p.current()
		switch {
		case perSecond == 0 && l != nil:
			t.Errorf("%s: paced at %g/s, want no pacing", step, l.Limit())
		case perSecond != 0 && l == nil:
			t.Errorf("%s: not paced, want %g/s", step, perSecond)
		case perSecond != 0 && (l.Limit() != perSecond || l.Burst() != burst):
			t.Errorf("%s: paced at %g/s with bursts of %d, want %g/s with %d", step, l.Limit(), l.Burst(), perSecond, burst)
		}
	}

	p.learn(ctx, http.StatusUnauthorized, rateLimitFields("", ""))
	wantPace("401 without fields", 0, 0)
	p.learn(ctx, http.StatusOK, rateLimitFields("40;w=2", "39"))
	wantPace("the service's default", 20, 20)
	p.learn(ctx, http.StatusOK, rateLimitFields("10;w=1", "9"))
	wantPace("a lower limit", 10, 5)
	p.learn(ctx, http.StatusOK, rateLimitFields("garbage", "9"))
	wantPace("an unreadable policy", 10, 5)
	p.learn(ctx, http.StatusTooManyRequests, rateLimitFields("", ""))
	wantPace("429 of the limit per address", 10, 5)
	p.learn(ctx, http.StatusOK, rateLimitFields("", ""))
	wantPace("the limit lifted", 0, 0)
}

// TestPacerHoldsNoMoreThanRemains: what the service has left of the quota
// bounds the pacer's burst, whoever used the rest.
func TestPacerHoldsNoMoreThanRemains(t *testing.T) {
	ctx := context.Background()
	var p pacer
	p.learn(ctx, http.StatusOK, rateLimitFields("40;w=2", "3"))
	if tokens := p.current().Tokens(); tokens >= 3.5 { // and what refilled since
		t.Errorf("%.1f requests may go at once, want at most the 3 the service has left", tokens)
	}
	p.learn(ctx, http.StatusTooManyRequests, rateLimitFields("40;w=2", "0"))
	if tokens := p.current().Tokens(); tokens >= 1 {
		t.Errorf("%.1f requests may go at once after a 429, want none", tokens)
	}
	if wait := p.reserve(); wait < 40*time.Millisecond {
		t.Errorf("a retry after a 429 at 20/s waits %s for its turn, want about 50ms", wait)
	}
}

// TestPacerSlowsDownWhenCrowded: a refusal, or a quota used up, halves the
// pace once a second at most and not below a sixteenth of the limit; each
// uncrowded response gains a little back.
func TestPacerSlowsDownWhenCrowded(t *testing.T) {
	ctx := context.Background()
	var p pacer
	wantPace := func(step string, want rate.Limit) {
		t.Helper()
		if got := p.current().Limit(); math.Abs(float64(got-want)) > 1e-9 {
			t.Errorf("%s: paced at %g/s, want %g/s", step, got, want)
		}
	}
	p.learn(ctx, http.StatusOK, rateLimitFields("40;w=2", "39"))
	wantPace("learned", 20)
	p.learn(ctx, http.StatusTooManyRequests, rateLimitFields("40;w=2", "0"))
	wantPace("refused", 10)
	p.learn(ctx, http.StatusTooManyRequests, rateLimitFields("40;w=2", "0"))
	wantPace("refused again in the same second", 10)
	p.learn(ctx, http.StatusOK, rateLimitFields("40;w=2", "12"))
	wantPace("served", 10.1)
	for range 10 {
		p.slowedAt = p.slowedAt.Add(-time.Second)
		p.learn(ctx, http.StatusOK, rateLimitFields("40;w=2", "0"))
	}
	wantPace("the quota used up, second after second", 20.0/16)
	for range 1000 {
		p.learn(ctx, http.StatusOK, rateLimitFields("40;w=2", "30"))
	}
	wantPace("served for long", 20)
}

// TestPacingWaitEndsWithContext: a request that cannot get its turn before
// its deadline fails at once, says why, and is not sent.
func TestPacingWaitEndsWithContext(t *testing.T) {
	var sent atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		w.Header().Set("RateLimit-Policy", "1;w=60")
		w.Header().Set("RateLimit-Remaining", "0")
		writeJSON(t, w, http.StatusOK, map[string]any{"id": "org_1"})
	})
	if _, err := c.GetOrganization(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.GetOrganization(ctx)
	if err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("err = %v, want one that names the rate limit", err)
	}
	if sent.Load() != 1 {
		t.Errorf("%d requests sent, want 1", sent.Load())
	}
}
