package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

// TestServeOnPostgreSQL runs the commands an operator runs against a
// PostgreSQL database: migrate, keys create, then two replicas of serve on
// it, where a connection created through one is read through the other.
func TestServeOnPostgreSQL(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	if code, out, errOut := runCmd("migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate exited %d: %s %s", code, out, errOut)
	}
	code, token, errOut := runCmd("keys", "create", "--db", dsn, "--org", "acme")
	if code != 0 {
		t.Fatalf("keys create exited %d: %s", code, errOut)
	}
	token = strings.TrimSpace(token)
	a := startServe(t, byContext, "--db", dsn)
	b := startServe(t, byContext, "--db", dsn)

	body := `{"name":"payer","type":"billing","role_arn":"arn:aws:iam::999999999999:role/costlink","billing_bucket":"cur"}`
	if status := send(t, "http://"+a.addr+"/v1/aws/connections", http.MethodPost, token, body); status != http.StatusCreated {
		t.Fatalf("create through replica a: %d", status)
	}
	if status := send(t, "http://"+b.addr+"/v1/aws/connections", http.MethodPost, token, body); status != http.StatusConflict {
		t.Errorf("the same create through replica b: %d, want 409: the name is taken in the database they share", status)
	}
}

// TestServeConnectionsPage: serve answers the Connections page beside the
// API, under its Content-Security-Policy.
func TestServeConnectionsPage(t *testing.T) {
	p := startServe(t, byContext)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get("http://" + p.addr + "/") //nolint:noctx // a test's request
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 3 || !strings.HasPrefix(res.Header.Get("Location"), "/ui/") {
		t.Errorf("GET / = %d to %q, want a redirect to the page", res.StatusCode, res.Header.Get("Location"))
	}
	if status, page := getURL(t, http.DefaultClient, "http://"+p.addr+"/ui/signin"); status != http.StatusOK || !strings.Contains(page, "API key") {
		t.Errorf("GET /ui/signin = %d %s", status, page)
	}
}

// TestUsageKeepsTheDatabasePasswordSecret: a mistyped flag prints the
// usage, whose defaults must not show a PostgreSQL URL from COSTLINK_DB.
func TestUsageKeepsTheDatabasePasswordSecret(t *testing.T) {
	t.Setenv("COSTLINK_DB", "postgres://app:s3cret@db.invalid:5432/costlink")
	for _, command := range []string{"serve", "migrate", "keys create"} {
		code, _, stderr := runCmd(append(strings.Fields(command), "--bogus")...)
		if code != exitUsage || strings.Contains(stderr, "s3cret") || !strings.Contains(stderr, "-db") {
			t.Errorf("%s --bogus: exit %d, usage shows the password or lacks --db:\n%s", command, code, stderr)
		}
	}
}
