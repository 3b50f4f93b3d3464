package server

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Defaults of costlink-server serve for the limit by client address: far
// above what one Terraform run with -parallelism=10 sends (the per-key limit
// binds it first), far below a flood of made-up keys.
const (
	DefaultIPRateLimit = 200
	DefaultIPRateBurst = 400
)

// maxTrackedAddresses bounds the memory of the limit by address to a few
// megabytes (a tracked address costs a few hundred bytes). Forgetting an
// address only refills its bucket.
const maxTrackedAddresses = 10_000

// keyLimiter is a token bucket per API key. A nil *keyLimiter allows everything.
type keyLimiter struct {
	limit  rate.Limit
	burst  int
	policy string // RateLimit-Policy, the same for every key

	mu      sync.Mutex
	buckets map[string]*rate.Limiter // by key ID; keys are few and long-lived
}

// newKeyLimiter returns a limiter of perSecond sustained requests and burst,
// or nil when perSecond is not positive.
func newKeyLimiter(perSecond float64, burst int) *keyLimiter {
	if perSecond <= 0 {
		return nil
	}
	burst = max(burst, 1)
	window := int(math.Ceil(float64(burst) / perSecond))
	return &keyLimiter{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		policy:  strconv.Itoa(burst) + ";w=" + strconv.Itoa(window),
		buckets: map[string]*rate.Limiter{},
	}
}

// allow takes a token from keyID's bucket, or sets Retry-After and returns a
// rate_limited problem when the bucket is empty. Either way it advertises the
// key's limit, so that a client can pace itself instead of being refused.
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

	wait, ok := take(b, w)
	l.advertise(w.Header(), b.Tokens())
	if !ok {
		return newProblem(rateLimited, "this API key sent too many requests: retry after %s", wait)
	}
	return nil
}

// advertise sets the fields of draft-ietf-httpapi-ratelimit-headers-06
// (https://datatracker.ietf.org/doc/html/draft-ietf-httpapi-ratelimit-headers-06),
// the last revision with the separate RateLimit-Limit, -Remaining and -Reset
// fields that services widely deploy, and its RateLimit-Policy. The bucket is
// the quota and the time it takes to fill up is the window, so that a client
// learns the sustained rate as quota/window; the window is rounded up to whole
// seconds, which rounds that rate down, never up. tokens is what the bucket
// holds now.
func (l *keyLimiter) advertise(h http.Header, tokens float64) {
	tokens = max(0, tokens)
	h.Set("RateLimit-Limit", strconv.Itoa(l.burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(int(tokens)))
	h.Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil((float64(l.burst)-tokens)/float64(l.limit)))))
	h.Set("RateLimit-Policy", l.policy)
}

// addressLimiter is a token bucket per client address, taken before the API
// key is looked up: a flood of made-up keys is refused for the price of a map
// look-up, and a client on another address does not feel it. A nil
// *addressLimiter allows everything.
type addressLimiter struct {
	limit   rate.Limit
	burst   int
	buckets *lru.Cache[string, *rate.Limiter] // the addresses seen least recently are forgotten first
}

// newAddressLimiter returns a limiter of perSecond sustained requests and
// burst per client address, or nil when perSecond is not positive.
func newAddressLimiter(perSecond float64, burst int) *addressLimiter {
	if perSecond <= 0 {
		return nil
	}
	buckets, err := lru.New[string, *rate.Limiter](maxTrackedAddresses)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &addressLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), buckets: buckets}
}

// limitAddresses refuses a request over its client address's rate before
// any other work, authentication included.
func (s *server) limitAddresses(next http.Handler) http.Handler {
	l := s.addresses
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := take(l.bucket(clientAddress(r.RemoteAddr)), w); !ok {
			s.writeError(w, r, newProblem(rateLimited, "this address sent too many requests: retry after %s", wait))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bucket returns address's bucket, a full one for an address not seen lately.
func (l *addressLimiter) bucket(address string) *rate.Limiter {
	if b, ok := l.buckets.Get(address); ok {
		return b
	}
	fresh := rate.NewLimiter(l.limit, l.burst)
	if b, raced, _ := l.buckets.PeekOrAdd(address, fresh); raced {
		return b // another request of this address added one first
	}
	return fresh
}

// clientAddress is what a request's bucket is keyed by: the peer's IP, or
// for IPv6 its /64, which one host or site holds whole. X-Forwarded-For is
// not read: any client can write it.
func clientAddress(remoteAddr string) string {
	peer, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr // not IP, such as a Unix socket: one bucket per peer string
	}
	ip := peer.Addr().Unmap()
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

// take takes a token from b. When b has none it sets Retry-After, in whole
// seconds, and returns that wait.
func take(b *rate.Limiter, w http.ResponseWriter) (wait time.Duration, ok bool) {
	res := b.Reserve()
	delay := res.Delay()
	if delay == 0 {
		return 0, true
	}
	res.Cancel() // a refused request must not use up a future token
	seconds := max(1, int(math.Ceil(delay.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	return time.Duration(seconds) * time.Second, false
}
