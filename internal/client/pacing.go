package client

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/time/rate"
)

// pacer spaces out the requests of one Client to the rate limit the service
// advertises. The provider shares one Client among all its resources, so the
// parallel operations of a Terraform run take turns instead of all running
// into 429s, and all retrying, together.
//
// It reads the fields of draft-ietf-httpapi-ratelimit-headers-06, which the
// service sends on every response to a key with a limit: RateLimit-Policy
// (quota;w=window) gives the sustained rate, quota/window, and
// RateLimit-Remaining what is left of the quota now.
type pacer struct {
	mu      sync.Mutex
	limiter *rate.Limiter // nil while the service advertises no limit: requests go at once
	policy  quotaPolicy   // what limiter follows
}

// quotaPolicy is one quota;w=window item of RateLimit-Policy.
type quotaPolicy struct {
	quota  int
	window int // seconds
}

// perSecond is the sustained rate the policy allows.
func (q quotaPolicy) perSecond() rate.Limit {
	return rate.Limit(float64(q.quota) / float64(q.window))
}

// burst is how many requests the pacer sends at once: half the service's
// quota, leaving the other half for requests that arrive closer together
// than they were sent, and for other clients of the same key.
func (q quotaPolicy) burst() int {
	return max(1, q.quota/2)
}

// wait blocks until the next request may be sent, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	if l := p.current(); l != nil {
		return l.Wait(ctx)
	}
	return nil
}

// reserve takes the turn of a retry and returns how long to wait for it.
// The retry's backoff waits at least that long, and ctx can interrupt it.
func (p *pacer) reserve() time.Duration {
	if l := p.current(); l != nil {
		return l.Reserve().Delay()
	}
	return 0
}

func (p *pacer) current() *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limiter
}

// learn adapts the pace to the RateLimit fields of a response with status
// and header. A success without
// RateLimit-Policy means the service no longer limits the key; a response
// whose fields cannot be read, or any other response without them (such as
// a 429 of the limit per client address), changes nothing.
func (p *pacer) learn(ctx context.Context, status int, header http.Header) {
	field := header.Get("RateLimit-Policy")
	policy, ok := parseQuotaPolicy(field)
	now := time.Now()

	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case field == "" && status >= 200 && status <= 299:
		if p.limiter != nil {
			p.limiter, p.policy = nil, quotaPolicy{}
			tflog.Debug(ctx, "costlink API advertises no rate limit: requests are no longer paced")
		}
		return
	case !ok:
		return
	case p.limiter == nil:
		p.limiter = rate.NewLimiter(policy.perSecond(), policy.burst())
	case policy != p.policy:
		p.limiter.SetLimitAt(now, policy.perSecond())
		p.limiter.SetBurstAt(now, policy.burst())
	}
	if policy != p.policy {
		p.policy = policy
		tflog.Debug(ctx, "costlink API rate limit learned: pacing requests to it", map[string]any{
			"rate_limit_policy":   field,
			"requests_per_second": float64(policy.perSecond()),
			"burst":               policy.burst(),
		})
	}
	// Never hold more turns than the service has left: it may have counted
	// requests of other clients of the key, or refused this one.
	if remaining, err := strconv.Atoi(header.Get("RateLimit-Remaining")); err == nil && remaining >= 0 {
		if excess := int(p.limiter.TokensAt(now)) - remaining; excess > 0 {
			p.limiter.AllowN(now, excess)
		}
	}
}

// parseQuotaPolicy reads RateLimit-Policy, a list of quota;w=window items
// (draft-ietf-httpapi-ratelimit-headers-06), and returns the slowest one.
// Items it cannot read, or without a window, are skipped.
func parseQuotaPolicy(field string) (quotaPolicy, bool) {
	var slowest quotaPolicy
	for item := range strings.SplitSeq(field, ",") {
		quota, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		var q quotaPolicy
		var err error
		if q.quota, err = strconv.Atoi(strings.TrimSpace(quota)); err != nil || q.quota < 1 {
			continue
		}
		for param := range strings.SplitSeq(params, ";") {
			if name, value, _ := strings.Cut(strings.TrimSpace(param), "="); name == "w" {
				q.window, err = strconv.Atoi(value)
			}
		}
		if err != nil || q.window < 1 {
			continue
		}
		if slowest.quota == 0 || q.perSecond() < slowest.perSecond() {
			slowest = q
		}
	}
	return slowest, slowest.quota > 0
}
