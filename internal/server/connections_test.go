package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateAndGetConnection(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	if billing.Type != "billing" || billing.BillingBucket != "cur-bucket" || billing.AccountID != "999999999999" ||
		billing.Version != 1 || billing.Regions == nil || len(billing.Regions) != 0 {
		t.Errorf("billing connection = %+v", billing)
	}

	res := e.do("POST", "/v1/aws/connections", e.rw, resourceBody("prod-payments", "123456789012")).wantStatus(t, http.StatusCreated)
	c := res.connection(t)
	if !regexp.MustCompile(`^conn_[0-9a-z]{20}$`).MatchString(c.ID) {
		t.Errorf("ID %q does not look like conn_ + 20 characters", c.ID)
	}
	if c.Type != "resource" || c.AccountID != "123456789012" || c.BillingBucket != "" || !slices.Equal(c.Regions, []string{"eu-south-1", "us-east-1"}) {
		t.Errorf("resource connection = %+v", c)
	}
	if _, err := time.Parse(time.RFC3339, c.CreatedAt); err != nil || !strings.HasSuffix(c.CreatedAt, "Z") {
		t.Errorf("created_at %q is not RFC 3339 UTC", c.CreatedAt)
	}
	if got := res.header.Get("Location"); got != "/v1/aws/connections/"+c.ID {
		t.Errorf("Location = %q", got)
	}
	if got := res.header.Get("ETag"); got != `"1"` {
		t.Errorf("ETag = %q, want \"1\"", got)
	}

	got := e.do("GET", "/v1/aws/connections/"+c.ID, e.ro, "").wantStatus(t, http.StatusOK)
	if got.header.Get("ETag") != `"1"` || string(got.body) != string(res.body) {
		t.Errorf("GET = %s (ETag %s), want %s", got.body, got.header.Get("ETag"), res.body)
	}
	e.do("GET", "/v1/aws/connections/conn_missing", e.ro, "").wantProblem(t, http.StatusNotFound, "not_found")
}

func TestCreateConnectionValidation(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	arn := "arn:aws:iam::123456789012:role/costlink"
	for _, tc := range []struct {
		name, body string
		fields     []string
	}{
		{"name with a period", `{"name":"prod.payments","role_arn":"` + arn + `"}`, []string{"name"}},
		{"upper-case name", `{"name":"Prod","role_arn":"` + arn + `"}`, []string{"name"}},
		{"empty name", `{"role_arn":"` + arn + `"}`, []string{"name"}},
		{"bad role ARN", `{"name":"prod","role_arn":"arn:aws:iam::123:user/bob"}`, []string{"role_arn"}},
		{"bad region", `{"name":"prod","role_arn":"` + arn + `","regions":["us-east-1","US-EAST-1"]}`, []string{"regions[1]"}},
		{"bucket on a resource connection", `{"name":"prod","role_arn":"` + arn + `","billing_bucket":"cur"}`, []string{"billing_bucket"}},
		{"billing without a bucket", `{"name":"prod","type":"billing","role_arn":"` + arn + `"}`, []string{"billing_bucket"}},
		{"bad bucket", `{"name":"prod","type":"billing","role_arn":"` + arn + `","billing_bucket":"Bad_Bucket"}`, []string{"billing_bucket"}},
		{"bad type", `{"name":"prod","type":"payer","role_arn":"` + arn + `"}`, []string{"type"}},
		{"regions not an array", `{"name":"prod","role_arn":"` + arn + `","regions":"us-east-1"}`, []string{"regions"}},
		{"name not a string", `{"name":5,"role_arn":"` + arn + `"}`, []string{"name"}},
		{"several", `{"name":"a b","role_arn":"x"}`, []string{"name", "role_arn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.do("POST", "/v1/aws/connections", e.rw, tc.body).wantProblem(t, http.StatusUnprocessableEntity, "validation")
			var fields []string
			for _, fe := range p.Errors {
				fields = append(fields, fe.Field)
				if fe.Message == "" {
					t.Errorf("field %s has no message", fe.Field)
				}
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("error fields = %v, want %v (%+v)", fields, tc.fields, p.Errors)
			}
		})
	}
	for name, body := range map[string]string{
		"malformed JSON": `{"name":`,
		"unknown field":  `{"name":"prod","role_arn":"` + arn + `","account":"1"}`,
		"empty body":     ``,
		"two objects":    `{} {}`,
		"not an object":  `["prod"]`,
	} {
		t.Run(name, func(t *testing.T) {
			e.do("POST", "/v1/aws/connections", e.rw, body).wantProblem(t, http.StatusBadRequest, "bad_request")
		})
	}
}

func TestCreateConnectionConflicts(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	first := e.do("POST", "/v1/aws/connections", e.rw, resourceBody("prod", "123456789012")).wantStatus(t, http.StatusCreated).connection(t)

	for name, body := range map[string]string{
		"same name":             resourceBody("prod", "210987654321"),
		"same account and type": resourceBody("prod-again", "123456789012"),
	} {
		t.Run(name, func(t *testing.T) {
			p := e.do("POST", "/v1/aws/connections", e.rw, body).wantProblem(t, http.StatusConflict, "conflict")
			if p.ExistingID != first.ID || !strings.Contains(p.Detail, first.ID) {
				t.Errorf("conflict names %q (%s), want %s", p.ExistingID, p.Detail, first.ID)
			}
		})
	}
	// The payer account may also be connected as a resource account.
	e.do("POST", "/v1/aws/connections", e.rw, resourceBody("payer-resources", "999999999999")).wantStatus(t, http.StatusCreated)
}

func TestResourceConnectionNeedsBilling(t *testing.T) {
	e := newEnv(t, Config{})
	p := e.do("POST", "/v1/aws/connections", e.rw, resourceBody("prod", "123456789012")).
		wantProblem(t, http.StatusConflict, "billing_connection_required")
	if !strings.Contains(p.Detail, "connect the organization's management (payer) account with a billing connection first") {
		t.Errorf("detail %q does not say to connect the payer account first", p.Detail)
	}
	e.withBilling()
	e.do("POST", "/v1/aws/connections", e.rw, resourceBody("prod", "123456789012")).wantStatus(t, http.StatusCreated)
}

func TestUpdateConnection(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	c := e.do("POST", "/v1/aws/connections", e.rw, resourceBody("prod", "123456789012")).wantStatus(t, http.StatusCreated).connection(t)
	path := "/v1/aws/connections/" + c.ID

	e.do("PATCH", path, e.rw, `{"name":"renamed"}`, "If-Match", `"7"`).wantProblem(t, http.StatusPreconditionFailed, "precondition_failed")
	e.do("PATCH", path, e.rw, `{"name":"renamed"}`, "If-Match", `W/"1"`).wantProblem(t, http.StatusPreconditionFailed, "precondition_failed")

	res := e.do("PATCH", path, e.rw, `{"name":"renamed","regions":["ap-east-1"]}`, "If-Match", `"1"`).wantStatus(t, http.StatusOK)
	got := res.connection(t)
	if got.Name != "renamed" || got.Version != 2 || !slices.Equal(got.Regions, []string{"ap-east-1"}) || got.RoleARN != c.RoleARN {
		t.Errorf("after PATCH = %+v", got)
	}
	if res.header.Get("ETag") != `"2"` {
		t.Errorf("ETag after PATCH = %q, want \"2\"", res.header.Get("ETag"))
	}

	// No change, no new version; a list of tags and * match.
	for _, ifMatch := range []string{`"1", "2"`, "*"} {
		if same := e.do("PATCH", path, e.rw, `{"name":"renamed","type":"resource"}`, "If-Match", ifMatch).wantStatus(t, http.StatusOK).connection(t); same.Version != 2 {
			t.Errorf("no-op PATCH (If-Match %s) gave version %d, want 2", ifMatch, same.Version)
		}
	}

	p := e.do("PATCH", path, e.rw, `{"type":"billing","name":"Bad"}`).wantProblem(t, http.StatusUnprocessableEntity, "validation")
	if len(p.Errors) != 2 || p.Errors[0].Field != "type" || p.Errors[0].Message != "type cannot change; create a new connection" || p.Errors[1].Field != "name" {
		t.Errorf("errors = %+v, want type then name", p.Errors)
	}
	e.do("PATCH", path, e.rw, `{"billing_bucket":"cur"}`).wantProblem(t, http.StatusUnprocessableEntity, "validation")
	p = e.do("PATCH", path, e.rw, `{"name":"payer"}`).wantProblem(t, http.StatusConflict, "conflict")
	if p.ExistingID == "" {
		t.Error("rename conflict without existing_id")
	}
	e.do("PATCH", path, e.rw, `{"name":`).wantProblem(t, http.StatusBadRequest, "bad_request")
	e.do("PATCH", "/v1/aws/connections/conn_missing", e.rw, `{}`).wantProblem(t, http.StatusNotFound, "not_found")

	if stored := e.do("GET", path, e.ro, "").connection(t); stored.Name != "renamed" || stored.Version != 2 {
		t.Errorf("a refused PATCH changed the connection: %+v", stored)
	}
}

func TestDeleteConnection(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.withBilling()
	path := "/v1/aws/connections/" + c.ID
	if res := e.do("DELETE", path, e.wo, "").wantStatus(t, http.StatusNoContent); len(res.body) != 0 {
		t.Errorf("DELETE body = %q, want none", res.body)
	}
	e.do("GET", path, e.ro, "").wantProblem(t, http.StatusNotFound, "not_found")
	e.do("DELETE", path, e.wo, "").wantProblem(t, http.StatusNotFound, "not_found")
}

func TestDeleteBillingConnectionWithResourceConnections(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	var resources []connectionJSON
	for n := range 12 {
		account := fmt.Sprintf("2000000000%02d", n)
		resources = append(resources, e.do("POST", "/v1/aws/connections", e.rw, resourceBody("acct-"+account, account)).
			wantStatus(t, http.StatusCreated).connection(t))
	}
	path := "/v1/aws/connections/" + billing.ID

	p := e.do("DELETE", path, e.wo, "").wantProblem(t, http.StatusConflict, "resource_connections_exist")
	for i, c := range resources {
		named := strings.Contains(p.Detail, c.ID) && strings.Contains(p.Detail, c.Name+" ")
		if named != (i < 10) {
			t.Errorf("detail names %s (%s): %v, want %v: %s", c.Name, c.ID, named, i < 10, p.Detail)
		}
	}
	for _, want := range []string{"delete the organization's 12 resource connections before its billing connection", "and 2 more"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q does not say %q", p.Detail, want)
		}
	}
	e.do("GET", path, e.ro, "").wantStatus(t, http.StatusOK)

	for _, c := range resources[1:] {
		e.do("DELETE", "/v1/aws/connections/"+c.ID, e.wo, "").wantStatus(t, http.StatusNoContent)
	}
	p = e.do("DELETE", path, e.wo, "").wantProblem(t, http.StatusConflict, "resource_connections_exist")
	if want := "delete the organization's resource connection before its billing connection: " + resources[0].Name + " (" + resources[0].ID + ")"; !strings.HasSuffix(p.Detail, want) {
		t.Errorf("detail %q, want it to end %q", p.Detail, want)
	}
	e.do("DELETE", "/v1/aws/connections/"+resources[0].ID, e.wo, "").wantStatus(t, http.StatusNoContent)
	e.do("DELETE", path, e.wo, "").wantStatus(t, http.StatusNoContent)
}

// TestConcurrentClients is many Terraform processes onboarding accounts at once.
func TestConcurrentClients(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	var wg sync.WaitGroup
	for client := range 10 {
		wg.Go(func() {
			for n := range 5 {
				account := fmt.Sprintf("2000000000%d%d", client, n)
				res := e.do("POST", "/v1/aws/connections", e.rw, resourceBody("acct-"+account, account), "Idempotency-Key", account)
				if res.status != http.StatusCreated {
					t.Errorf("create %s = %d %s", account, res.status, res.body)
					return
				}
				id := res.connection(t).ID
				if res := e.do("PATCH", "/v1/aws/connections/"+id, e.rw, `{"regions":["eu-west-1"]}`, "If-Match", `"1"`); res.status != http.StatusOK {
					t.Errorf("patch %s = %d %s", id, res.status, res.body)
				}
				if res := e.do("GET", "/v1/aws/connections?limit=10", e.ro, ""); res.status != http.StatusOK {
					t.Errorf("list = %d %s", res.status, res.body)
				}
			}
		})
	}
	wg.Wait()
	if n := len(e.do("GET", "/v1/aws/connections", e.ro, "").list(t).Connections); n != 51 {
		t.Errorf("%d connections, want 51", n)
	}
}
