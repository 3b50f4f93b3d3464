package console

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

const goodRoleARN = "arn:aws:iam::222222222222:role/costlink/costlink-resource-access"

func TestAddShowsTheGuideWithTheOrganizationsValues(t *testing.T) {
	ts := newTestService(t, false)
	c := browser(t)
	ts.signIn(t, c, ts.writeKey)

	p := get(t, c, ts.url+addPath)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", addPath, p.StatusCode)
	}
	org, err := ts.store.Organization(t.Context(), ts.orgID)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, p.body,
		org.ExternalID, testPrincipalARN, "sts:ExternalId", "costlink-resource-1", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
		`resource &#34;costlink_aws_role&#34; &#34;member&#34;`, `resource &#34;costlink_aws_role_policy&#34; &#34;member&#34;`,
		`resource &#34;costlink_aws_connection&#34; &#34;member&#34;`, "MEMBER_ACCOUNT_ID",
		// No billing connection yet: the prerequisite is explained.
		"First: connect your payer account", `type           = "billing"`,
		`<label for="name">`, `<label for="role_arn">`, `<label for="regions">`, `aria-live="polite"`, `src="/ui/static/name.js"`)

	ts.seedBilling(t)
	mustNotContain(t, get(t, c, ts.url+addPath).body, "First: connect your payer account")
}

func TestAddRefusesABadNameAndSendsNothing(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)

	p := post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"Prod.Payments"}, "role_arn": {goodRoleARN}})
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad name: %d, want 422", p.StatusCode)
	}
	mustContain(t, p.body, `id="name-error"`, "it contains a period (.)", "it contains upper-case letters", `aria-invalid="true"`,
		`value="Prod.Payments"`, "Account ID: 222222222222")
	if names := ts.connectionNames(t); len(names) != 1 {
		t.Errorf("connections after a bad name: %v", names)
	}
	audit, err := ts.store.ListAudit(t.Context(), store.AuditFilter{OrgName: "acme", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range audit {
		if rec.Route == apiConnections {
			t.Errorf("a bad name reached the API: %+v", rec)
		}
	}
}

func TestAddShowsTheAPIsErrorsBesideTheirFields(t *testing.T) {
	ts := newTestService(t, false)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)

	// No billing connection: the API's 409 is the form's error.
	p := post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"}, "role_arn": {goodRoleARN}})
	if p.StatusCode != http.StatusConflict {
		t.Errorf("without a billing connection: %d, want the API's 409", p.StatusCode)
	}
	mustContain(t, p.body, `id="form-error"`, "billing connection")

	ts.seedBilling(t)
	p = post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"}, "role_arn": {"arn:aws:iam::22:role/x"},
		"regions": {"us-east-1, mars-north-1"}})
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad ARN and region: %d, want the API's 422", p.StatusCode)
	}
	mustContain(t, p.body, `id="role_arn-error"`, "is not an IAM role ARN", `id="regions-error"`, "mars-north-1")
	if names := ts.connectionNames(t); len(names) != 1 {
		t.Errorf("connections after refused creates: %v", names)
	}

	p = post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"}, "role_arn": {goodRoleARN}, "regions": {"us-east-1 eu-south-1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("a good connection: %d, want 303: %s", p.StatusCode, p.body)
	}
	table := get(t, c, ts.url+connectionsPath)
	mustContain(t, table.body, "Added prod (account 222222222222)", `<th scope="row">prod</th>`, "eu-south-1, us-east-1",
		`class="badge badge-pending">pending`, "Check now")

	// The same name again: the API's conflict, beside the form.
	p = post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"}, "role_arn": {goodRoleARN}})
	if p.StatusCode != http.StatusConflict {
		t.Errorf("a taken name: %d, want 409", p.StatusCode)
	}
}

func TestAddSentTwiceCreatesOnce(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)
	form := get(t, c, ts.url+addPath).body
	m := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("the add form has no idempotency key:\n%s", form)
	}
	submit := url.Values{csrfField: {token}, "idempotency_key": {m[1]}, "name": {"prod"}, "role_arn": {goodRoleARN}}
	for i := range 2 {
		if p := post(t, c, ts.url+connectionsPath, submit); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit %d: %d, want 303: %s", i+1, p.StatusCode, p.body)
		}
	}
	if names := ts.connectionNames(t); len(names) != 2 {
		t.Errorf("after the same form twice: %v, want payer and prod", names)
	}
	if again := get(t, c, ts.url+addPath).body; strings.Contains(again, m[1]) {
		t.Error("the next form shown has the same idempotency key")
	}
}

func TestDeleteAsksFirst(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)
	post(t, c, ts.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"}, "role_arn": {goodRoleARN}})
	id := ""
	for _, conn := range ts.listConnections(t) {
		if conn.Name == "prod" {
			id = conn.ID
		}
	}

	confirm := get(t, c, ts.url+connectionsPath+"/"+id+"/delete")
	mustContain(t, confirm.body, "Delete prod?", "222222222222", `action="/ui/connections/`+id+`/delete"`, "Cancel")
	if names := ts.connectionNames(t); len(names) != 2 {
		t.Fatalf("the confirmation page deleted: %v", names)
	}
	p := post(t, c, ts.url+connectionsPath+"/"+id+"/delete", url.Values{csrfField: {token}, "name": {"prod"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.StatusCode)
	}
	mustContain(t, get(t, c, ts.url+connectionsPath).body, "Deleted prod.")
	if names := ts.connectionNames(t); len(names) != 1 {
		t.Errorf("after delete: %v", names)
	}
	// The billing connection cannot go while resource connections need it:
	// the API's refusal is shown.
	if missing := get(t, c, ts.url+connectionsPath+"/conn_00000000000000000000/delete"); missing.StatusCode != http.StatusNotFound {
		t.Errorf("the confirmation page of no connection: %d, want 404", missing.StatusCode)
	}
}

func TestCheckNowShowsTheAPIsAnswer(t *testing.T) {
	ts := newTestService(t, false)
	ts.seedBilling(t)
	c := browser(t)
	token := ts.signIn(t, c, ts.writeKey)
	id := ts.listConnections(t)[0].ID
	// The unit tests' service runs no checks: the API says so.
	p := post(t, c, ts.url+connectionsPath+"/"+id+"/check", url.Values{csrfField: {token}, "name": {"payer"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("check now: %d", p.StatusCode)
	}
	mustContain(t, get(t, c, ts.url+connectionsPath).body, "Could not check payer: the service runs no health checks")
}

func TestTerraformSnippet(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://costlink.internal:8080/ui/connections/new", nil)
	snippet, err := terraformSnippet(snippetValuesFrom((&console{secure: true}).serviceURL(r), addForm{
		Name: "prod-payments", RoleARN: "arn:aws-us-gov:iam::222222222222:role/team/${x}/read", Regions: "us-gov-west-1, nowhere-1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`api_url = "https://costlink.internal:8080"`, `name            = "read"`, `path            = "/team/$${x}/"`,
		`assume_role_arn = "arn:aws-us-gov:iam::222222222222:role/OrganizationAccountAccessRole"`,
		`name     = "prod-payments"`, `regions  = ["us-gov-west-1"]`,
	} {
		if !strings.Contains(snippet, want) {
			t.Errorf("the snippet lacks %s:\n%s", want, snippet)
		}
	}
	// terraform fmt parses the snippet and finds it formatted.
	terraform, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH: the snippet's syntax is not checked")
	}
	cmd := exec.CommandContext(t.Context(), terraform, "fmt", "-check", "-")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	cmd.Stdin = strings.NewReader(snippet)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("terraform fmt -check of the snippet: %v\n%s\n%s", err, out.String(), snippet)
	}
}
