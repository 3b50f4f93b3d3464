package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

const testPrincipal = "arn:aws:iam::111111111111:root"

// env is a service in front of a fresh database with one organization
// ("acme") holding keys of every scope combination.
type env struct {
	t       *testing.T
	dbPath  string // the store's file, for another replica to open
	store   *store.Store
	handler http.Handler
	logs    *bytes.Buffer
	org     store.Organization
	// API keys of acme: read+write, read only, write only.
	rw, ro, wo string
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "costlink.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, dbPath: path, store: st, logs: &bytes.Buffer{}}
	cfg.Store = st
	cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, nil))
	srv := New(cfg)
	t.Cleanup(srv.Close) // before the store closes: cleanups run last first
	e.handler = srv
	e.org = e.newOrg("acme")
	e.rw = e.key(e.org, store.ScopeConnectionsRead, store.ScopeConnectionsWrite)
	e.ro = e.key(e.org, store.ScopeConnectionsRead)
	e.wo = e.key(e.org, store.ScopeConnectionsWrite)
	return e
}

func (e *env) newOrg(name string) store.Organization {
	e.t.Helper()
	org, err := e.store.EnsureOrganization(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return org
}

func (e *env) key(org store.Organization, scopes ...string) string {
	e.t.Helper()
	token, _, err := e.store.CreateAPIKey(context.Background(), org.ID, scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with an optional API key, JSON body and header pairs.
func (e *env) do(method, path, key, body string, headers ...string) response {
	e.t.Helper()
	return e.doOn(e.handler, method, path, key, body, headers...)
}

// doOn sends a request to handler (e.g. another replica) instead of e's.
func (e *env) doOn(handler http.Handler, method, path, key, body string, headers ...string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // headers may override it
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (r response) connection(t *testing.T) connectionJSON {
	t.Helper()
	var c connectionJSON
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatalf("response %d %s is not a connection: %v", r.status, r.body, err)
	}
	return c
}

func (r response) list(t *testing.T) listResponse {
	t.Helper()
	var l listResponse
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("response %d %s is not a list: %v", r.status, r.body, err)
	}
	return l
}

// wantProblem checks the status and problem code of r and returns the problem.
func (r response) wantProblem(t *testing.T, status int, code string) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("response %d %s is not a problem: %v", r.status, r.body, err)
	}
	if r.status != status || p.Status != status || p.Type != "urn:costlink:problem:"+code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("problem Content-Type = %q", ct)
	}
	if p.Detail == "" || p.Title == "" {
		t.Errorf("problem without title or detail: %s", r.body)
	}
	return p
}

func (r response) wantStatus(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d %s, want %d", r.status, r.body, status)
	}
	return r
}

// Request bodies for account n.
func billingBody(name, account string) string {
	return `{"name":"` + name + `","type":"billing","role_arn":"arn:aws:iam::` + account + `:role/costlink-billing","billing_bucket":"cur-bucket"}`
}

func resourceBody(name, account string) string {
	return `{"name":"` + name + `","role_arn":"arn:aws:iam::` + account + `:role/costlink/costlink-resource-access","regions":["us-east-1","eu-south-1","us-east-1"]}`
}

// withBilling creates acme's billing connection so resource connections are allowed.
func (e *env) withBilling() connectionJSON {
	e.t.Helper()
	return e.do("POST", "/v1/aws/connections", e.rw, billingBody("payer", "999999999999")).wantStatus(e.t, 201).connection(e.t)
}
