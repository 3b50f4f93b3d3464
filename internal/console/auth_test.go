package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

func sessionCookie(t *testing.T, resp *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, resp.Header.Values("Set-Cookie"))
	return nil
}

// TestBehindALoadBalancerThatTerminatesTLS: the service speaks plain HTTP
// to the balancer, and PublicURL says users reach it over HTTPS: the cookie
// is Secure all the same, and the Terraform snippet names the public URL.
func TestBehindALoadBalancerThatTerminatesTLS(t *testing.T) {
	ts := startTestServiceWith(t, pgtest.SQLite.NewDatabase(t), Config{PublicURL: "https://costlink.example.com/"}, nil)
	c := browser(t)
	p := post(t, c, ts.url+signInPath, url.Values{"api_key": {ts.writeKey}})
	if cookie := sessionCookie(t, p.Response, "__Host-costlink_session"); !cookie.Secure {
		t.Errorf("session cookie %q: want Secure behind an https public URL", p.Header.Get("Set-Cookie"))
	}
}

func TestSignInCookieHoldsOnlyASessionID(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[secure], func(t *testing.T) {
			ts := newTestService(t, secure)
			p := post(t, browser(t), ts.url+signInPath, url.Values{"api_key": {ts.writeKey}})
			name := map[bool]string{false: "costlink_session", true: "__Host-costlink_session"}[secure]
			c := sessionCookie(t, p.Response, name)
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != secure || c.Domain != "" {
				t.Errorf("session cookie %q: HttpOnly %v, SameSite %v, Path %q, Secure %v, Domain %q; want HttpOnly, Strict, /, Secure %v, no domain",
					p.Header.Get("Set-Cookie"), c.HttpOnly, c.SameSite, c.Path, c.Secure, c.Domain, secure)
			}
			if len(c.Value) < 43 || strings.Contains(p.Header.Get("Set-Cookie"), ts.writeKey) {
				t.Errorf("cookie value %q: want a random 256-bit session ID, never the key", c.Value)
			}
			s, err := ts.sessions.Get(context.Background(), c.Value)
			if err != nil || s.APIKey != ts.writeKey || !s.CanWrite || s.OrgName != "acme" {
				t.Errorf("session on the server: %+v, %v", s, err)
			}
		})
	}
}

func TestSignInPagesNeverShowTheKey(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	ts.signIn(t, c, ts.writeKey)
	for _, path := range []string{connectionsPath, addPath, signInPath} {
		p := get(t, c, ts.url+path)
		if strings.Contains(p.body, ts.writeKey) {
			t.Errorf("%s shows the API key", path)
		}
	}
}

func TestSignInRefusesABadKey(t *testing.T) {
	ts := newTestService(t, false)
	for key, want := range map[string]string{
		"":                   "Enter an API key.",
		"clk_" + ts.orgID:    "the API key is not valid",
		"<b>not-a-key</b>  ": "the API key is not valid",
	} {
		p := post(t, browser(t), ts.url+signInPath, url.Values{"api_key": {key}})
		if p.StatusCode < 400 || len(p.Cookies()) != 0 {
			t.Errorf("key %q: status %d, cookies %v; want a refusal and no cookie", key, p.StatusCode, p.Cookies())
		}
		mustContain(t, p.body, want, `aria-invalid="true"`)
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	ts := newTestService(t, false)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)
	u, _ := url.Parse(ts.url)
	old := c.Jar.Cookies(u)

	p := post(t, c, ts.url+"/ui/signout", url.Values{csrfField: {token}})
	if p.StatusCode != http.StatusSeeOther || sessionCookie(t, p.Response, "costlink_session").MaxAge >= 0 {
		t.Fatalf("sign-out answered %d with %v, want 303 and the cookie removed", p.StatusCode, p.Header.Values("Set-Cookie"))
	}
	// The old cookie, replayed, names no session any more.
	replay := browser(t)
	replay.Jar.SetCookies(u, old)
	if p := get(t, replay, ts.url+connectionsPath); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != signInPath {
		t.Errorf("the signed-out session's cookie got %d %q, want a redirect to sign in", p.StatusCode, p.Header.Get("Location"))
	}
}

func TestSessionsExpire(t *testing.T) {
	for name, age := range map[string]func(*Session){
		"idle":     func(s *Session) { s.LastSeen = s.LastSeen.Add(-IdleTimeout - time.Minute) },
		"absolute": func(s *Session) { s.SignedIn = s.SignedIn.Add(-MaxSessionAge - time.Minute) },
	} {
		t.Run(name, func(t *testing.T) {
			ts := newTestService(t, false)
			c := browser(t)
			ts.signIn(t, c, ts.writeKey)
			u, _ := url.Parse(ts.url)
			id := c.Jar.Cookies(u)[0].Value
			s, err := ts.sessions.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			age(&s)
			if err := ts.sessions.Put(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			if p := get(t, c, ts.url+connectionsPath); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != signInPath {
				t.Errorf("an expired session got %d %q, want a redirect to sign in", p.StatusCode, p.Header.Get("Location"))
			}
			if _, err := ts.sessions.Get(context.Background(), id); err != ErrNoSession {
				t.Errorf("the expired session is still stored: %v", err)
			}
		})
	}
}

func TestPostsWithoutTheSessionsTokenChangeNothing(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)
	other := ts.signIn(t, browser(t), ts.writeKey) // another session's token
	form := url.Values{"name": {"prod"}, "role_arn": {"arn:aws:iam::222222222222:role/costlink/costlink-resource-access"}}

	for name, csrf := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {token + "x"}, "another session's": {other}} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if csrf != nil {
			f[csrfField] = csrf
		}
		p := post(t, c, ts.url+connectionsPath, f)
		if p.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, p.StatusCode)
		}
		mustContain(t, p.body, "nothing was changed")
	}
	if names := ts.connectionNames(t); len(names) != 1 {
		t.Fatalf("connections after refused posts: %v, want only payer", names)
	}
	// Sign-out is a form too.
	if p := post(t, c, ts.url+"/ui/signout", url.Values{}); p.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without the token: %d, want 403", p.StatusCode)
	}
	// With the token the same form works: the refusals were the token's.
	form[csrfField] = []string{token}
	if p := post(t, c, ts.url+connectionsPath, form); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the token: %d, want 303: %s", p.StatusCode, p.body)
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	ts := newTestService(t, false)
	req, _ := http.NewRequest(http.MethodPost, ts.url+signInPath, strings.NewReader(url.Values{"api_key": {ts.writeKey}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := browser(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("a cross-site sign-in got %d with cookies %v, want 403 and none", resp.StatusCode, resp.Cookies())
	}
}

func TestReadOnlySessionHasNoWriteControlsAndTheAPIRefusesItsWrites(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	token := ts.signIn(t, c, ts.readKey)

	table := get(t, c, ts.url+connectionsPath)
	mustContain(t, table.body, "payer", "read only")
	mustNotContain(t, table.body, "Check now", "/delete", "Add connection", `method="post" action="/ui/connections`)
	add := get(t, c, ts.url+addPath)
	mustContain(t, add.body, "can only read")
	mustNotContain(t, add.body, `method="post" action="/ui/connections"`)

	// A forged form, with the session's own token: the API refuses it.
	p := post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"},
		"role_arn": {"arn:aws:iam::222222222222:role/costlink/costlink-resource-access"}})
	if p.StatusCode != http.StatusForbidden {
		t.Errorf("a read-only create: %d, want the API's 403", p.StatusCode)
	}
	mustContain(t, p.body, "lacks the connections:write scope")
	if names := ts.connectionNames(t); len(names) != 1 {
		t.Errorf("connections after a read-only create: %v", names)
	}
}
