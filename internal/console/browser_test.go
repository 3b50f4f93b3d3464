package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/server"
)

// gatedProber holds every check until the test opens the gate, as a busy
// checker does, so a new connection shows pending for as long as the test
// looks; then it checks against moto through the AWS-faithful layer.
type gatedProber struct {
	next     server.Prober
	gate     chan struct{}
	openOnce sync.Once
}

func newGatedProber(next server.Prober) *gatedProber {
	return &gatedProber{next: next, gate: make(chan struct{})}
}

func (g *gatedProber) Check(ctx context.Context, target health.Target) health.Result {
	select {
	case <-g.gate:
	case <-ctx.Done():
	}
	return g.next.Check(ctx, target)
}

func (g *gatedProber) open() { g.openOnce.Do(func() { close(g.gate) }) }

// tab drives one browser tab against the test's service.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// submit clicks sel and waits for the page it loads, returning its status.
func (b tab) submit(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("clicking %s: %v", sel, err)
	}
	return resp.Status
}

func (b tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

func (b tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func (b tab) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.querySelectorAll("+jsString(sel)+").length"))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

func (b tab) expectText(sel string, wants ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, want := range wants {
		if !strings.Contains(got, want) {
			b.t.Errorf("%s reads %q, want %q in it", sel, got, want)
		}
	}
}

// screenshot writes a full-page PNG to the test artifacts folder.
func (b tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	dir := os.Getenv("COSTLINK_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(acctest.ModuleRoot(b.t), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func (b tab) signIn(key string) {
	b.t.Helper()
	b.open(signInPath)
	b.do(chromedp.SendKeys(chromedp.ID("api_key"), key))
	if status := b.submit(`form[action="/ui/signin"] button`); status != http.StatusOK {
		b.t.Fatalf("signing in: the page after it answered %d", status)
	}
	if loc, _ := chromedp.Run(b.ctx, chromedp.Location()); loc != b.base+connectionsPath {
		b.t.Fatalf("signed in at %s, want %s", loc, connectionsPath)
	}
}

// policyOf reads the generated policy through the API, as a user copies it.
func (ts *testService) policyOf(t *testing.T) policy {
	t.Helper()
	var p policy
	from := httptest.NewRequest(http.MethodGet, apiPolicy, nil)
	if err := (api{handler: ts.handler}).call(t.Context(), from, ts.writeKey, http.MethodGet, apiPolicy+"?type=resource", nil, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// memberRole makes the connection's role in a new member account of moto,
// as step 1 of the add page says: the generated trust policy and, when
// withPermissions, the generated permissions. It returns the role's ARN.
func memberRole(t *testing.T, moto *acctest.MotoServer, p policy, withPermissions bool) string {
	t.Helper()
	ctx := t.Context()
	client := moto.DirectIAM(moto.NewMemberAccount(t))
	role := aws.String(defaultRoleName)
	out, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, Path: aws.String(defaultRolePath), AssumeRolePolicyDocument: aws.String(p.TrustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	if withPermissions {
		for _, doc := range p.Documents {
			if _, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: aws.String(doc.Name), PolicyDocument: aws.String(doc.JSON)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, arn := range p.ManagedPolicyARNs {
			if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: aws.String(arn)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return aws.ToString(out.Role.Arn)
}

func TestBrowserOnboarding(t *testing.T) {
	ctx := newTab(t)
	moto := acctest.Moto(t)
	checks := newGatedProber(health.NewChecker(moto.AWSConfig()))
	t.Cleanup(checks.open) // a held check would hold the service's shutdown
	ts := startTestService(t, false, checks)
	ts.seedBilling(t)
	p := ts.policyOf(t)
	goodARN, brokenARN := memberRole(t, moto, p, true), memberRole(t, moto, p, false)
	b := tab{t: t, ctx: ctx, base: ts.url}

	b.signIn(ts.writeKey)
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{ts.url}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) != 1 || !cookies.Cookies[0].HTTPOnly || cookies.Cookies[0].SameSite != network.CookieSameSiteStrict ||
		cookies.Cookies[0].Value == ts.writeKey {
		t.Errorf("the browser's cookies: %+v; want one session cookie, HttpOnly, SameSite=Strict, not the key", cookies.Cookies)
	}
	if script, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.cookie")); script != "" {
		t.Errorf("a script reads the cookies %q", script)
	}

	// A bad name: told as it is typed, and on submit; nothing is created.
	b.open(addPath)
	b.do(chromedp.SendKeys(chromedp.ID("name"), "Prod.Payments"), chromedp.SendKeys(chromedp.ID("role_arn"), goodARN))
	b.expectText("#name-live", "Not valid", "it contains a period (.)", "upper-case")
	b.expectText("#account-id", "Account ID: "+goodARN[len("arn:aws:iam::"):len("arn:aws:iam::")+12])
	b.screenshot("console-add.png")
	if status := b.submit(`form[action="/ui/connections"] button[type=submit]`); status != http.StatusUnprocessableEntity {
		t.Errorf("a bad name answered %d, want 422", status)
	}
	b.expectText("#name-error", "it contains a period (.)")
	if focused, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement.id")); focused != "name" {
		t.Errorf("after a refused name the focus is on %q, want the name field", focused)
	}
	if names := ts.connectionNames(t); len(names) != 1 {
		t.Fatalf("connections after a bad name: %v", names)
	}

	// Good names: the connections appear, pending while checks are held.
	for name, arn := range map[string]string{"prod-payments": goodARN, "broken-member": brokenARN} {
		b.open(addPath)
		b.do(chromedp.SendKeys(chromedp.ID("name"), name), chromedp.SendKeys(chromedp.ID("role_arn"), arn))
		b.expectText("#name-live", "Valid name.")
		if status := b.submit(`form[action="/ui/connections"] button[type=submit]`); status != http.StatusOK {
			t.Fatalf("adding %s: %d", name, status)
		}
		b.expectText("#connection-"+name+" .badge", "pending")
	}

	// Check now, once AWS has the roles: green, and red with its reason.
	checks.open()
	if status := b.submit("#connection-prod-payments button"); status != http.StatusOK {
		t.Fatalf("check now: %d", status)
	}
	b.expectText(".flash", "Checked prod-payments: healthy.")
	b.expectText("#connection-prod-payments .badge", "healthy")
	b.submit("#connection-broken-member button")
	b.expectText("#connection-broken-member .badge", "unhealthy")
	b.expectText("#connection-broken-member summary", "costlink-resource-1")
	b.do(chromedp.Click(chromedp.CSS("#connection-broken-member summary")), chromedp.WaitVisible(chromedp.CSS("#connection-broken-member .fix")))
	b.expectText("#connection-broken-member .fix", "To fix:", "Put the generated inline policy costlink-resource-1 on the role")
	b.screenshot("console-connections.png")

	// A form whose token was tampered with is refused, and checks nothing.
	b.do(chromedp.Evaluate[chromedp.Void]("document.querySelector('#connection-prod-payments input[name=csrf]').value = 'forged'"))
	if status := b.submit("#connection-prod-payments button"); status != http.StatusForbidden {
		t.Errorf("a forged token answered %d, want 403", status)
	}
	b.expectText("main", "nothing was changed")

	// Delete asks first.
	b.open(connectionsPath)
	if status := b.submit(`#connection-broken-member a[href$="/delete"]`); status != http.StatusOK {
		t.Fatalf("the delete confirmation: %d", status)
	}
	b.expectText("h1", "Delete broken-member?")
	if names := ts.connectionNames(t); len(names) != 3 {
		t.Fatalf("the confirmation page deleted: %v", names)
	}
	b.submit("button.danger")
	b.expectText(".flash", "Deleted broken-member.")
	if n := b.count("#connection-broken-member"); n != 0 {
		t.Errorf("broken-member is still in the table")
	}
	if names := ts.connectionNames(t); len(names) != 2 {
		t.Errorf("connections after delete: %v", names)
	}

	// Sign out ends the session: the table asks to sign in again.
	b.submit(`form[action="/ui/signout"] button`)
	b.open(connectionsPath)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != ts.url+signInPath {
		t.Errorf("after sign-out the table is at %s, want the sign-in page", loc)
	}
}

func TestBrowserReadOnlySession(t *testing.T) {
	ctx := newTab(t)
	ts := newTestService(t, false)
	ts.seedBilling(t)
	ts.seedConnections(t, 3)
	b := tab{t: t, ctx: ctx, base: ts.url}

	b.signIn(ts.readKey)
	b.expectText("#connection-member-0001 .badge", "unhealthy")
	b.expectText(".who", "read only")
	for _, sel := range []string{"table button", `a[href$="/delete"]`, `a[href="/ui/connections/new"]`, `form[method=post][action^="/ui/connections"]`} {
		if n := b.count(sel); n != 0 {
			t.Errorf("a read-only session's table has %d of %s", n, sel)
		}
	}

	// A forged form with the session's own token: the API refuses it.
	b.open(addPath)
	b.do(chromedp.Evaluate[chromedp.Void](`(() => {
  const f = document.createElement('form');
  f.method = 'post'; f.action = '/ui/connections'; f.id = 'forged';
  for (const [k, v] of [['csrf', document.querySelector('input[name=csrf]').value], ['name', 'forged'],
      ['role_arn', 'arn:aws:iam::222222222222:role/costlink/costlink-resource-access']]) {
    const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
  }
  const s = document.createElement('button'); s.type = 'submit'; s.textContent = 'forge'; f.appendChild(s);
  document.querySelector('main').appendChild(f);
})()`))
	if status := b.submit("#forged button"); status != http.StatusForbidden {
		t.Errorf("a read-only session's forged create answered %d, want 403", status)
	}
	b.expectText("#form-error", "lacks the connections:write scope")
	if names := ts.connectionNames(t); len(names) != 4 {
		t.Errorf("connections after a read-only create: %v", names)
	}
}
