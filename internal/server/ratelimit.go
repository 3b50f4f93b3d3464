package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyLimiter is a token bucket per API key. A nil *keyLimiter allows everything.
type keyLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter // by key ID; keys are few and long-lived
}

// newKeyLimiter returns a limiter of perSecond sustained requests and burst,
// or nil when perSecond is not positive.
func newKeyLimiter(perSecond float64, burst int) *keyLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &keyLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), buckets: map[string]*rate.Limiter{}}
}

// allow takes a token from keyID's bucket, or sets Retry-After and returns a
// rate_limited problem when the bucket is empty.
func (l *keyLimiter) allow(keyID string, w http.ResponseWriter) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	b, ok := l.buckets[keyID]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[keyID] = b
	}
	l.mu.Unlock()

	res := b.Reserve()
	wait := res.Delay()
	if wait == 0 {
		return nil
	}
	res.Cancel() // a refused request must not use up a future token
	seconds := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	return newProblem(rateLimited, "this API key sent too many requests: retry after %s", time.Duration(seconds)*time.Second)
}
