package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

// TestServeReplicasShareConsoleSessions signs in to the Connections page on
// one replica of serve and opens the page on another, as a browser does
// behind a round-robin load balancer: the session is in the database they
// share, not in the memory of the replica that started it.
func TestServeReplicasShareConsoleSessions(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	code, token, errOut := runCmd("keys", "create", "--db", dsn, "--org", "acme")
	if code != exitOK {
		t.Fatalf("keys create exited %d: %s", code, errOut)
	}
	a := startServe(t, byContext, "--db", dsn)
	b := startServe(t, byContext, "--db", dsn)

	// Sign in on a; keep its session cookie.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"api_key": {strings.TrimSpace(token)}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+a.addr+"/ui/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("sign-in on replica a = %d with cookies %v, want 303 and a session cookie", res.StatusCode, res.Cookies())
	}

	req, _ = http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+b.addr+"/ui/connections", nil)
	req.AddCookie(res.Cookies()[0])
	res, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("replica b answered %d (to %q) to the session signed in on a, want the Connections page", res.StatusCode, res.Header.Get("Location"))
	}
}
