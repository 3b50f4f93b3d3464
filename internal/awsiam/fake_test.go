package awsiam

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The tests in this file drive the retries against a scripted fake of IAM
// and STS, for the answers moto never gives: moto accepts any principal and
// lets anyone assume any role.

// reply is one scripted answer of the fake.
type reply struct {
	status int
	body   string
}

// okReply is a successful answer to action with result inside its Result
// element.
func okReply(action, result string) reply {
	return reply{http.StatusOK, fmt.Sprintf(`<%[1]sResponse><%[1]sResult>%s</%[1]sResult>`+
		`<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%[1]sResponse>`, action, result)}
}

// errorReply is an AWS query-protocol error, as IAM and STS send them.
func errorReply(status int, code, message string) reply {
	return reply{status, fmt.Sprintf(`<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>`+
		`<Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>`, code, message)}
}

// fakeAWS answers each action with its scripted replies in turn, repeating
// the last one.
type fakeAWS struct {
	script map[string][]reply

	mu        sync.Mutex
	calls     map[string]int
	userAgent string
}

func newFakeAWS(t *testing.T, script map[string][]reply) (*fakeAWS, string) {
	f := &fakeAWS{script: script, calls: make(map[string]int)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.FormValue("Action")
	f.mu.Lock()
	f.userAgent = r.UserAgent()
	replies := f.script[action]
	n := f.calls[action]
	f.calls[action]++
	f.mu.Unlock()
	if len(replies) == 0 {
		http.Error(w, "unscripted action "+action, http.StatusNotImplemented)
		return
	}
	rep := replies[min(n, len(replies)-1)]
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(rep.status)
	fmt.Fprint(w, rep.body)
}

func (f *fakeAWS) callsOf(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

// fakeAccount is the provider's own account, reached through the fake.
func fakeAccount(t *testing.T, script map[string][]reply) (*Account, *fakeAWS) {
	t.Helper()
	f, endpoint := newFakeAWS(t, script)
	clients, err := NewClients(context.Background(), profileConfig(t, endpoint))
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}
	acct, err := clients.Account(context.Background(), nil)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	return acct, f
}

const fakeRole = `<Role><RoleName>r</RoleName><Path>/</Path><Arn>arn:aws:iam::123456789012:role/r</Arn>` +
	`<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument></Role>`

func TestCreateRoleWaitsForPropagation(t *testing.T) {
	t.Parallel()
	acct, f := fakeAccount(t, map[string][]reply{
		"CreateRole": {
			errorReply(400, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:role/new"`),
			errorReply(409, "ConcurrentModification", "Rate exceeded"),
			okReply("CreateRole", fakeRole),
		},
		"GetRole": {
			errorReply(404, "NoSuchEntity", "The role with name r cannot be found."),
			okReply("GetRole", fakeRole),
		},
	})

	role, err := acct.CreateRole(context.Background(), RoleInput{Name: "r", TrustPolicyJSON: `{"Version":"2012-10-17"}`})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if got := aws.ToString(role.AssumeRolePolicyDocument); got != `{"Version":"2012-10-17"}` {
		t.Errorf("trust policy = %s, want it decoded", got)
	}
	if c, g := f.callsOf("CreateRole"), f.callsOf("GetRole"); c != 3 || g != 2 {
		t.Errorf("CreateRole called %d times and GetRole %d times, want 3 and 2", c, g)
	}
	if ua := f.userAgent; !strings.Contains(ua, "terraform-provider-costlink/test") {
		t.Errorf("User-Agent %q does not name the provider", ua)
	}
}

func TestCreateRoleGivesUpWhenNeverReadable(t *testing.T) {
	t.Parallel()
	acct, _ := fakeAccount(t, map[string][]reply{
		"CreateRole": {okReply("CreateRole", fakeRole)},
		"GetRole":    {errorReply(404, "NoSuchEntity", "The role with name r cannot be found.")},
	})
	acct.timeout = time.Second

	start := time.Now()
	_, err := acct.CreateRole(context.Background(), RoleInput{Name: "r", TrustPolicyJSON: `{}`})
	if !IsNotFound(err) || !strings.Contains(err.Error(), "after creating it") {
		t.Fatalf("CreateRole = %v, want a *NotFoundError saying the new role never became readable", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("gave up after %s, want about the 1s timeout", elapsed)
	}
}

func TestCreateRoleDoesNotRetryOtherErrors(t *testing.T) {
	t.Parallel()
	acct, f := fakeAccount(t, map[string][]reply{
		"CreateRole": {errorReply(400, "MalformedPolicyDocument", "Syntax errors in policy.")},
	})
	_, err := acct.CreateRole(context.Background(), RoleInput{Name: "r", TrustPolicyJSON: `{`})
	if err == nil || f.callsOf("CreateRole") != 1 {
		t.Fatalf("CreateRole = %v after %d calls, want the error after one call", err, f.callsOf("CreateRole"))
	}
}

func TestAccountExplainsAssumeRoleFailure(t *testing.T) {
	t.Parallel()
	const roleARN = "arn:aws:iam::210987654321:role/OrganizationAccountAccessRole"
	f, endpoint := newFakeAWS(t, map[string][]reply{
		"AssumeRole": {errorReply(403, "AccessDenied",
			"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: "+roleARN)},
	})
	clients, err := NewClients(context.Background(), profileConfig(t, endpoint))
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}

	for attempt := 1; attempt <= 2; attempt++ {
		_, err := clients.Account(context.Background(), &AssumeRole{RoleARN: roleARN})
		if err == nil {
			t.Fatal("Account succeeded, want the AssumeRole error")
		}
		for _, want := range []string{roleARN, "trust policy", "sts:AssumeRole", "external ID", "AccessDenied"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	}
	if n := f.callsOf("AssumeRole"); n != 2 {
		t.Errorf("AssumeRole called %d times, want 2: a failure must not be cached", n)
	}
}

// TestEndpoints: the SDK's AWS_ENDPOINT_URL* variables are honoured, and
// the provider's explicit endpoints win over them. Not parallel: it sets
// the environment.
func TestEndpoints(t *testing.T) {
	f, endpoint := newFakeAWS(t, map[string][]reply{
		"GetCallerIdentity": {okReply("GetCallerIdentity", "<Account>111122223333</Account>")},
		"GetRole":           {okReply("GetRole", fakeRole)},
	})
	ctx := context.Background()
	reach := func(cfg Config) {
		t.Helper()
		clients, err := NewClients(ctx, cfg)
		if err != nil {
			t.Fatalf("NewClients: %v", err)
		}
		acct, err := clients.Account(ctx, nil)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		if id, err := acct.CallerAccountID(ctx); err != nil || id != "111122223333" {
			t.Errorf("CallerAccountID = %q, %v; want the fake's account", id, err)
		}
		if _, err := acct.FindRoleByName(ctx, "r"); err != nil {
			t.Errorf("FindRoleByName: %v", err)
		}
	}

	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	reach(profileConfig(t, ""))

	// Nothing listens on port 1: a call that went there would fail.
	t.Setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")
	reach(profileConfig(t, endpoint))

	if n := f.callsOf("GetRole"); n != 2 {
		t.Errorf("GetRole reached the fake %d times, want 2", n)
	}
}
