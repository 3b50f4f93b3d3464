package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// testPrincipalARN is the platform's principal of the tests' service: the
// one the browser tests' roles in moto trust.
const testPrincipalARN = acctest.ServicePrincipalARN

// testService is the service with its console, on a test server, with an
// organization that has a read-write and a read-only key.
type testService struct {
	url      string
	handler  http.Handler // the console, for calls without a network
	store    *store.Store
	orgID    string
	writeKey string
	readKey  string
	sessions SessionStore
}

// newTestService serves the API of a new SQLite store behind the console,
// without health checks: connections stay pending.
func newTestService(t testing.TB, secure bool) *testService {
	t.Helper()
	return startTestService(t, secure, nil)
}

// startTestService is newTestService with prober checking health.
func startTestService(t testing.TB, secure bool, prober server.Prober) *testService {
	t.Helper()
	return startTestServiceWith(t, pgtest.SQLite.NewDatabase(t), Config{Secure: secure}, prober)
}

// startTestServiceWith is startTestService on the database at dsn, which
// other replicas may share, with the console configured as cfg says,
// besides its API and sessions. Keys of its own are made for the
// organization acme.
func startTestServiceWith(t testing.TB, dsn string, cfg Config, prober server.Prober) *testService {
	t.Helper()
	st, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	api := server.New(server.Config{Store: st, PrincipalARN: testPrincipalARN, Prober: prober})
	t.Cleanup(api.Close)
	sessions := NewDatabaseSessions(st) // as costlink-server runs it
	cfg.API, cfg.Sessions = api, sessions
	handler := New(cfg)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)

	ctx := context.Background()
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	writeKey, _, err := st.CreateAPIKey(ctx, org.ID, store.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	readKey, _, err := st.CreateAPIKey(ctx, org.ID, []string{store.ScopeConnectionsRead})
	if err != nil {
		t.Fatal(err)
	}
	return &testService{url: srv.URL, handler: handler, store: st, orgID: org.ID, writeKey: writeKey, readKey: readKey, sessions: sessions}
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see each answer.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// page is an answer with its body read.
type page struct {
	*http.Response
	body string
}

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) page {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return readPage(t, resp)
}

func readPage(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{Response: resp, body: string(b)}
}

// signIn signs c in with key and returns the session's CSRF token, read
// from the sign-out form as a browser has it.
func (ts *testService) signIn(t *testing.T, c *http.Client, key string) string {
	t.Helper()
	p := post(t, c, ts.url+signInPath, url.Values{"api_key": {key}})
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != connectionsPath {
		t.Fatalf("sign-in answered %d to %q, want 303 to %s: %s", p.StatusCode, p.Header.Get("Location"), connectionsPath, p.body)
	}
	return csrfToken(t, get(t, c, ts.url+connectionsPath).body)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfToken(t *testing.T, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// listConnections reads the organization's connections from the store.
func (ts *testService) listConnections(t *testing.T) []store.Connection {
	t.Helper()
	page, err := ts.store.ListConnections(context.Background(), ts.orgID, store.ListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return page.Connections
}

// connectionNames are the names of the organization's connections.
func (ts *testService) connectionNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, c := range ts.listConnections(t) {
		names = append(names, c.Name)
	}
	return names
}

// seedBilling stores the organization's billing connection, the
// prerequisite of resource connections.
func (ts *testService) seedBilling(t testing.TB) {
	t.Helper()
	_, err := ts.store.CreateConnection(context.Background(), store.Connection{
		OrgID: ts.orgID, Name: "payer", Type: "billing", RoleARN: "arn:aws:iam::111111111111:role/costlink/costlink-billing-access",
		AccountID: "111111111111", BillingBucket: "acme-billing-export",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("the page has %q:\n%s", u, body)
		}
	}
}
