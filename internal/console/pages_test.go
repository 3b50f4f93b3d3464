package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

func TestEveryConsoleResponseCarriesTheSecurityHeaders(t *testing.T) {
	ts := newTestService(t, false)
	c := browser(t)
	for _, path := range []string{"/ui/", signInPath, connectionsPath, "/ui/static/console.css", "/ui/static/name.js", "/ui/nowhere"} {
		p := get(t, c, ts.url+path)
		for header, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := p.Header.Get(header); got != want {
				t.Errorf("%s: %s is %q, want %q", path, header, got, want)
			}
		}
		if cache := p.Header.Get("Cache-Control"); !strings.HasPrefix(path, "/ui/static/") && cache != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, cache)
		}
	}
	for _, directive := range []string{"default-src 'none'", "style-src 'self'", "script-src 'self'", "img-src 'self'",
		"form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(contentSecurityPolicy, directive) {
			t.Errorf("the Content-Security-Policy lacks %s", directive)
		}
	}
}

func TestRootRedirectsToThePagesAndTheAPIIsUnchanged(t *testing.T) {
	ts := newTestService(t, false)
	c := browser(t)
	if p := get(t, c, ts.url+"/"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != Path {
		t.Errorf("/ answered %d to %q, want 303 to %s", p.StatusCode, p.Header.Get("Location"), Path)
	}
	// The API's own answers, untouched by the console.
	if p := get(t, c, ts.url+"/healthz"); p.StatusCode != http.StatusOK || p.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("/healthz: %d, CSP %q", p.StatusCode, p.Header.Get("Content-Security-Policy"))
	}
	if p := get(t, c, ts.url+"/v1/organization"); p.StatusCode != http.StatusUnauthorized ||
		p.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/v1/organization without a key: %d %s, want the API's 401 problem", p.StatusCode, p.Header.Get("Content-Type"))
	}
	if p := get(t, c, ts.url+"/nowhere"); p.StatusCode != http.StatusNotFound || p.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/nowhere: %d %s, want the API's 404 problem", p.StatusCode, p.Header.Get("Content-Type"))
	}
	// A page without a session sends the browser to sign in.
	if p := get(t, c, ts.url+connectionsPath); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != signInPath {
		t.Errorf("%s signed out: %d %q, want 303 to %s", connectionsPath, p.StatusCode, p.Header.Get("Location"), signInPath)
	}
}

func TestPagesEscapeWhatTheyShow(t *testing.T) {
	ts := newTestService(t, false)
	c := browser(t)
	ts.signIn(t, c, ts.writeKey)
	attack := `"><script>alert(1)</script>`
	p := get(t, c, ts.url+connectionsPath+"?q="+url.QueryEscape(attack))
	mustNotContain(t, p.body, "<script>alert(1)")
	mustContain(t, p.body, "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;")

	p = get(t, c, ts.url+connectionsPath+"?status="+url.QueryEscape(attack))
	if p.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown health filter: %d, want 400", p.StatusCode)
	}
	mustNotContain(t, p.body, "<script>alert(1)")
}

// seedConnections stores n resource connections, every third unhealthy
// and every third healthy, the rest pending.
func (ts *testService) seedConnections(t testing.TB, n int) {
	ctx := context.Background()
	for i := range n {
		account := fmt.Sprintf("3%011d", i)
		created, err := ts.store.CreateConnection(ctx, store.Connection{
			OrgID: ts.orgID, Name: fmt.Sprintf("member-%04d", i), Type: "resource",
			RoleARN: "arn:aws:iam::" + account + ":role/costlink/costlink-resource-access", AccountID: account, Regions: []string{"us-east-1"},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		var h store.Health
		switch i % 3 {
		case 0:
			h = store.Health{Status: store.HealthHealthy, CheckedAt: now, LastHealthyAt: now}
		case 1:
			h = store.Health{Status: store.HealthUnhealthy, CheckedAt: now, Details: []store.HealthDetail{{
				Code: "policy_missing", Message: "The generated policy costlink-resource-1 is not on the role.", Remediation: "Attach the generated policy.",
			}}}
		default:
			continue
		}
		if _, err := ts.store.SaveHealth(ctx, created.Connection.ID, created.Connection.Version, h, store.CheckRun{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTablePagesFiltersAndSearches(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	ts.seedConnections(t, 300)
	c := browser(t)
	ts.signIn(t, c, ts.readKey)

	first := get(t, c, ts.url+connectionsPath)
	if n := strings.Count(first.body, `<th scope="row">`); n != pageSize {
		t.Errorf("the first page has %d rows, want %d", n, pageSize)
	}
	mustContain(t, first.body, "payer", "member-0048", `rel="next"`, "The generated policy costlink-resource-1 is not on the role.",
		"Attach the generated policy.", `class="badge badge-unhealthy">unhealthy`, `class="badge badge-healthy">healthy`)
	mustNotContain(t, first.body, "member-0049", "First page")

	// Following next pages reaches every connection once.
	seen := strings.Count(first.body, `<th scope="row">`)
	next := first
	for pages := 1; strings.Contains(next.body, `rel="next"`); pages++ {
		link := nextLink(t, next.body)
		next = get(t, c, ts.url+link)
		mustContain(t, next.body, "First page")
		seen += strings.Count(next.body, `<th scope="row">`)
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if seen != 301 {
		t.Errorf("paging showed %d connections, want 301", seen)
	}

	unhealthy := get(t, c, ts.url+connectionsPath+"?status=unhealthy")
	if got := strings.Count(unhealthy.body, `class="badge badge-unhealthy"`); got < pageSize || strings.Contains(unhealthy.body, `badge-healthy"`) {
		t.Errorf("status=unhealthy shows %d unhealthy rows and healthy %v", got, strings.Contains(unhealthy.body, `badge-healthy"`))
	}
	if !strings.Contains(unhealthy.body, `rel="next"`) {
		t.Fatal("status=unhealthy: 100 matches over 301, yet the first page of matches has no next page")
	}
	if link := nextLink(t, unhealthy.body); !strings.Contains(link, "status=unhealthy") {
		t.Errorf("the next page link %q drops the filter", link)
	}

	byAccount := get(t, c, ts.url+connectionsPath+"?q=300000000007")
	if n := strings.Count(byAccount.body, `<th scope="row">`); n != 1 || !strings.Contains(byAccount.body, "member-0007") {
		t.Errorf("search by account shows %d rows", n)
	}
	byName := get(t, c, ts.url+connectionsPath+"?q=MEMBER-012&status=healthy")
	if n := strings.Count(byName.body, `<th scope="row">`); n != 4 { // 0120, 0123, 0126, 0129
		t.Errorf("search by part of a name with a status shows %d rows, want 4:\n%s", n, byName.body)
	}
	none := get(t, c, ts.url+connectionsPath+"?q=nothing-like-this")
	mustContain(t, none.body, "No connection matches this filter.")
}

var nextHref = regexp.MustCompile(`href="([^"]*)" rel="next"`)

// nextLink is the page's link to the next page, as a browser follows it.
func nextLink(t *testing.T, body string) string {
	t.Helper()
	m := nextHref.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next link")
	}
	return html.UnescapeString(m[1])
}
