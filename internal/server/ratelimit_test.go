package server

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestRateLimitPerKey(t *testing.T) {
	e := newEnv(t, Config{RateLimit: 0.01, RateBurst: 2})
	for range 2 {
		e.do("GET", "/v1/aws/connections", e.ro, "").wantStatus(t, http.StatusOK)
	}
	res := e.do("GET", "/v1/aws/connections", e.ro, "")
	res.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q, want whole seconds", res.header.Get("Retry-After"))
	}
	// Each key has its own bucket, and public routes have none.
	e.do("GET", "/v1/aws/connections", e.rw, "").wantStatus(t, http.StatusOK)
	for range 3 {
		e.do("GET", "/healthz", "", "").wantStatus(t, http.StatusOK)
	}
}

func TestNoRateLimitByDefault(t *testing.T) {
	e := newEnv(t, Config{})
	for range 50 {
		e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
	}
}

// doFrom sends a GET from a client address, with a key.
func (e *env) doFrom(remoteAddr, path, key string) response {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = remoteAddr
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func TestRateLimitPerAddressBeforeAuthentication(t *testing.T) {
	e := newEnv(t, Config{IPRateLimit: 0.01, IPRateBurst: 5, RateLimit: 1000, RateBurst: 1000})
	const attacker, client = "203.0.113.7:40000", "198.51.100.2:50000"
	for i := range 5 {
		e.doFrom(attacker, "/v1/aws/connections", "clk_madeup"+strconv.Itoa(i)).wantProblem(t, http.StatusUnauthorized, "unauthorized")
	}
	// Made-up keys from the same address, on other ports, are refused
	// before their key is looked up.
	for port := range 20 {
		res := e.doFrom("203.0.113.7:"+strconv.Itoa(41000+port), "/v1/aws/connections", "clk_madeup")
		res.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
		if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("Retry-After = %q, want whole seconds", res.header.Get("Retry-After"))
		}
		if res.header.Get("WWW-Authenticate") != "" {
			t.Fatal("a request over its address's rate was authenticated")
		}
	}
	// A valid key from that address is refused too, and a client on
	// another address is served as usual.
	e.doFrom(attacker, "/v1/aws/connections", e.ro).wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	for range 5 {
		e.doFrom(client, "/v1/aws/connections", e.ro).wantStatus(t, http.StatusOK)
	}
}

func TestClientAddress(t *testing.T) {
	for remote, want := range map[string]string{
		"203.0.113.7:1234":                    "203.0.113.7",
		"[::ffff:203.0.113.7]:1234":           "203.0.113.7",
		"[2001:db8:1:2:aaaa::1]:443":          "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb:cccc:dddd:1]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":               "2001:db8:1:3::/64",
		"@":                                   "@",
	} {
		if got := clientAddress(remote); got != want {
			t.Errorf("clientAddress(%q) = %q, want %q", remote, got, want)
		}
	}
}

func TestRateLimitPerAddressForgetsIdleAddresses(t *testing.T) {
	l := newAddressLimiter(1, 1)
	first := l.bucket("192.0.2.1")
	for i := range maxTrackedAddresses * 2 {
		l.bucket("10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256))
	}
	if n := l.buckets.Len(); n != maxTrackedAddresses {
		t.Errorf("%d addresses tracked, want at most %d", n, maxTrackedAddresses)
	}
	if l.bucket("192.0.2.1") == first {
		t.Error("the least recently seen address was kept while the map was full")
	}
}

// TestRateLimitAdvertisedPerKey: every response to a key with a limit says
// what is left of it, so that a client can pace itself; refusals too.
func TestRateLimitAdvertisedPerKey(t *testing.T) {
	e := newEnv(t, Config{RateLimit: 20, RateBurst: 40})
	res := e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
	wantRateLimitFields(t, res, "40", "39", "1", "40;w=2")
	e.do("GET", "/v1/aws/connections", e.ro, "").wantStatus(t, http.StatusOK)

	slow := newEnv(t, Config{RateLimit: 0.01, RateBurst: 2})
	wantRateLimitFields(t, slow.do("GET", "/v1/aws/connections", slow.ro, "").wantStatus(t, http.StatusOK), "2", "1", "100", "2;w=200")
	wantRateLimitFields(t, slow.do("GET", "/v1/aws/connections", slow.ro, "").wantStatus(t, http.StatusOK), "2", "0", "200", "2;w=200")
	refused := slow.do("GET", "/v1/aws/connections", slow.ro, "")
	refused.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	wantRateLimitFields(t, refused, "2", "0", "200", "2;w=200")
}

// TestRateLimitNotAdvertisedWithoutOne: no key limit, no key, or a public
// route: no fields that would make a client slow down for nothing.
func TestRateLimitNotAdvertisedWithoutOne(t *testing.T) {
	unlimited := newEnv(t, Config{})
	wantRateLimitFields(t, unlimited.do("GET", "/v1/organization", unlimited.ro, "").wantStatus(t, http.StatusOK), "", "", "", "")

	e := newEnv(t, Config{RateLimit: 20, RateBurst: 40})
	wantRateLimitFields(t, e.do("GET", "/v1/organization", "clk_madeup", "").wantStatus(t, http.StatusUnauthorized), "", "", "", "")
	wantRateLimitFields(t, e.do("GET", "/healthz", "", "").wantStatus(t, http.StatusOK), "", "", "", "")
}

func wantRateLimitFields(t *testing.T, res response, limit, remaining, reset, policy string) {
	t.Helper()
	for field, want := range map[string]string{
		"RateLimit-Limit": limit, "RateLimit-Remaining": remaining, "RateLimit-Reset": reset, "RateLimit-Policy": policy,
	} {
		if got := res.header.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
}

// TestRateLimitFieldsDocumented keeps the fields the service sends in
// openapi.yaml's rate_limited response.
func TestRateLimitFieldsDocumented(t *testing.T) {
	var doc struct {
		Components struct {
			Responses map[string]struct {
				Headers map[string]any `yaml:"headers"`
			} `yaml:"responses"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for name := range doc.Components.Responses["RateLimited"].Headers {
		documented[http.CanonicalHeaderKey(name)] = true
	}
	e := newEnv(t, Config{RateLimit: 0.01, RateBurst: 1})
	e.do("GET", "/v1/organization", e.ro, "").wantStatus(t, http.StatusOK)
	refused := e.do("GET", "/v1/organization", e.ro, "")
	refused.wantProblem(t, http.StatusTooManyRequests, "rate_limited")
	for name := range refused.header {
		if strings.HasPrefix(name, "Ratelimit-") && !documented[name] {
			t.Errorf("the service sends %s, which openapi.yaml's RateLimited response does not document", name)
		}
	}
}
