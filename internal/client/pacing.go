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
// RateLimit-Remaining what is left of the quota now. Requests go unpaced
// until the first such response (the provider's first contact, in Configure),
// and when other clients use the key too the pacer finds its share (see
// share).
type pacer struct {
	mu       sync.Mutex
	limiter  *rate.Limiter // nil while the service advertises no limit: requests go at once
	policy   quotaPolicy   // what limiter follows
	slowedAt time.Time     // when crowding last slowed the pace down (see share)
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
// and header. A success without RateLimit-Policy means the service no longer
// limits the key; a response whose fields cannot be read, or any other
// response without them (such as a 429 of the limit per client address),
// changes nothing.
func (p *pacer) learn(ctx context.Context, status int, header http.Header) {
	field := header.Get("RateLimit-Policy")
	policy, ok := parseQuotaPolicy(field)
	now := time.Now()

	p.mu.Lock()
	defer p.mu.Unlock()
	if field == "" && status >= 200 && status <= 299 && p.limiter != nil {
		p.limiter, p.policy = nil, quotaPolicy{}
		tflog.Debug(ctx, "costlink API advertises no rate limit: requests are no longer paced")
	}
	if !ok {
		return
	}
	if policy != p.policy {
		p.follow(policy, now)
		tflog.Debug(ctx, "costlink API rate limit learned: pacing requests to it", map[string]any{
			"rate_limit_policy":   field,
			"requests_per_second": float64(policy.perSecond()),
			"burst":               policy.burst(),
		})
	}
	remaining, err := strconv.Atoi(header.Get("RateLimit-Remaining"))
	if err != nil || remaining < 0 {
		remaining = -1 // unknown
	}
	// Alone with the key, the pacer leaves half the quota unused (see burst):
	// a refusal, or a quota used up, means others use the key too.
	p.share(ctx, status == http.StatusTooManyRequests || remaining == 0, now)
	// Never hold more turns than the service has left: it may have counted
	// requests of other clients of the key, or refused this one.
	if excess := int(p.limiter.TokensAt(now)) - remaining; remaining >= 0 && excess > 0 {
		p.limiter.AllowN(now, excess)
	}
}

// follow paces to a policy the service advertises for the first time, or
// anew.
func (p *pacer) follow(policy quotaPolicy, now time.Time) {
	p.policy = policy
	if p.limiter == nil {
		// Empty at first: the requests sent before the limit was known
		// used the quota, and how many are still in flight is unknown.
		p.limiter = rate.NewLimiter(policy.perSecond(), policy.burst())
		p.limiter.AllowN(now, policy.burst())
		return
	}
	p.limiter.SetLimitAt(now, policy.perSecond())
	p.limiter.SetBurstAt(now, policy.burst())
}

// share finds this client's share of the key's rate when other clients use
// the key too, such as two Terraform runs with one key, as TCP shares a
// link: crowded halves the pace, at most once a second (the refusals of one
// burst are one signal), down to a sixteenth of the limit, and each response
// that is not crowded gains back a two-hundredth.
func (p *pacer) share(ctx context.Context, crowded bool, now time.Time) {
	limit, pace := p.policy.perSecond(), p.limiter.Limit()
	switch {
	case crowded && now.Sub(p.slowedAt) >= time.Second:
		p.slowedAt = now
		p.limiter.SetLimitAt(now, max(pace/2, limit/16))
		tflog.Debug(ctx, "costlink API rate limit crowded by other clients of the key: slowing down", map[string]any{
			"requests_per_second": float64(p.limiter.Limit()),
		})
	case !crowded && pace < limit:
		p.limiter.SetLimitAt(now, min(limit, pace+limit/200))
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
