package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// queryFirstStep is the configuration a query step follows: Terraform runs
// terraform query in a working directory that a configuration initialised.
// It manages nothing, so it never configures the provider; the query file
// holds the provider block.
const queryFirstStep = `terraform {}`

// queryVersionChecks skip list resource tests below Terraform 1.14, which
// added terraform query.
var queryVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

// seedListedOrganization gives org a payer, three members and a member
// whose role does not exist (unhealthy once checked), and returns their IDs
// by name.
func seedListedOrganization(t *testing.T, org *acctest.Org) map[string]string {
	t.Helper()
	requests := []client.CreateConnectionRequest{
		{Name: "payer", Type: validate.TypeBilling, RoleARN: roleARN(testPayerAccount, "costlink-billing-access"), BillingBucket: "acme-billing-export"},
		{Name: "prod-payments", RoleARN: roleARN(testMemberAccount, "costlink-resource-access"), Regions: []string{"us-east-1", "eu-west-1"}},
		{Name: "prod-search", RoleARN: roleARN(testOtherAccount, "costlink-resource-access"), Regions: []string{"us-east-1"}},
		{Name: "dev-sandbox", RoleARN: roleARN(testPayerAccount, "costlink-resource-access")},
	}
	ids := map[string]string{}
	for i, id := range org.SeedConnections(t, requests) {
		ids[requests[i].Name] = id
	}
	broken, err := org.Client.CreateConnection(context.Background(), client.CreateConnectionRequest{
		Name: "prod-broken", RoleARN: roleARN("444444444444", "missing")}, "")
	if err != nil {
		t.Fatalf("creating prod-broken: %v", err)
	}
	if h, err := org.Client.CheckHealth(context.Background(), broken.ID); err != nil || h.Status != client.HealthUnhealthy {
		t.Fatalf("checking prod-broken: %+v, %v; want unhealthy", h, err)
	}
	ids["prod-broken"] = broken.ID
	return ids
}

// TestAccAWSConnectionList_filters: terraform query lists the organization's
// connections, each by its identity, every filter narrows the list, and
// include_resource carries the state an import reads.
func TestAccAWSConnectionList_filters(t *testing.T) {
	org := acctest.NewOrg(t)
	acctest.TerraformAtLeast(t, 1, 14, "terraform query") // before seeding, which takes seconds
	ids := seedListedOrganization(t, org)
	byID := func(name string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[name])}
	}
	var checks []querycheck.QueryResultCheck
	expect := func(list string, names ...string) {
		checks = append(checks, querycheck.ExpectLength("costlink_aws_connection."+list, len(names)))
		for _, name := range names {
			checks = append(checks, querycheck.ExpectIdentity("costlink_aws_connection."+list, byID(name)))
		}
	}
	expect("all", "payer", "prod-payments", "prod-search", "dev-sandbox", "prod-broken")
	expect("prod", "prod-payments", "prod-search", "prod-broken")
	expect("accounts", "prod-payments", "prod-search")
	expect("billing", "payer")
	expect("unhealthy", "prod-broken")
	expect("healthy_prod_in_one_account", "prod-payments")
	expect("none")
	checks = append(checks,
		querycheck.ExpectResourceDisplayName("costlink_aws_connection.unhealthy", queryfilter.ByResourceIdentity(byID("prod-broken")),
			knownvalue.StringExact("prod-broken (resource, account 444444444444, unhealthy)")),
		querycheck.ExpectResourceKnownValues("costlink_aws_connection.with_resource", queryfilter.ByResourceIdentity(byID("prod-payments")),
			[]querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(ids["prod-payments"])},
				{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("prod-payments")},
				{Path: tfjsonpath.New("type"), KnownValue: knownvalue.StringExact(validate.TypeResource)},
				{Path: tfjsonpath.New("role_arn"), KnownValue: knownvalue.StringExact(roleARN(testMemberAccount, "costlink-resource-access"))},
				{Path: tfjsonpath.New("account_id"), KnownValue: knownvalue.StringExact(testMemberAccount)},
				{Path: tfjsonpath.New("regions"), KnownValue: knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("eu-west-1"), knownvalue.StringExact("us-east-1")})},
				{Path: tfjsonpath.New("billing_bucket"), KnownValue: knownvalue.Null()},
				{Path: tfjsonpath.New("health_status"), KnownValue: knownvalue.StringExact(client.HealthHealthy)},
				{Path: tfjsonpath.New("health_details"), KnownValue: knownvalue.ListSizeExact(0)},
				{Path: tfjsonpath.New("created_at"), KnownValue: knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))},
				// What only a configuration sets is as an import leaves it.
				{Path: tfjsonpath.New("wait_for_healthy"), KnownValue: knownvalue.Bool(true)},
				{Path: tfjsonpath.New("assume_role_arn"), KnownValue: knownvalue.Null()},
				{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
			}),
	)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: queryFirstStep},
			{
				Query: true,
				Config: org.ProviderConfig() + fmt.Sprintf(`
list "costlink_aws_connection" "all" {
  provider = costlink
}

list "costlink_aws_connection" "prod" {
  provider = costlink
  config {
    name_prefix = "prod-"
  }
}

list "costlink_aws_connection" "accounts" {
  provider = costlink
  config {
    account_ids = [%[1]q, %[2]q]
  }
}

list "costlink_aws_connection" "billing" {
  provider = costlink
  config {
    type = "billing"
  }
}

list "costlink_aws_connection" "unhealthy" {
  provider = costlink
  config {
    health_status = "unhealthy"
  }
}

list "costlink_aws_connection" "healthy_prod_in_one_account" {
  provider = costlink
  config {
    name_prefix   = "prod"
    account_ids   = [%[1]q]
    type          = "resource"
    health_status = "healthy"
  }
}

list "costlink_aws_connection" "none" {
  provider = costlink
  config {
    name_prefix = "staging-"
  }
}

list "costlink_aws_connection" "with_resource" {
  provider         = costlink
  include_resource = true
  config {
    name_prefix = "prod-payments"
  }
}
`, testMemberAccount, testOtherAccount),
				QueryResultChecks: checks,
			},
		},
	})
}

// TestAccAWSConnectionList_invalidFilters: a filter no connection could
// match is an error at validation, before anything is listed.
func TestAccAWSConnectionList_invalidFilters(t *testing.T) {
	org := acctest.NewOrg(t)
	query := func(config string) string {
		return org.ProviderConfig() + `
list "costlink_aws_connection" "bad" {
  provider = costlink
  config {
    ` + config + `
  }
}
`
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: queryFirstStep},
			{Query: true, Config: query(`name_prefix = "Prod "`), ExpectError: expectErrorPhrase(`no connection name starts with "Prod "`)},
			{Query: true, Config: query(`account_ids = ["12345"]`), ExpectError: expectErrorPhrase(`"12345" is not an AWS account ID`)},
			{Query: true, Config: query(`health_status = "green"`), ExpectError: regexp.MustCompile(`value must be one of`)},
		},
	})
}

// listedConnections is how many member connections
// TestAccAWSConnectionList_scale lists: more than one page of 1,000.
const listedConnections = 1200

// TestAccAWSConnectionList_scale: terraform query lists 1,200 connections
// (and their payer) with the provider's first contact and two pages: 3 API
// requests, not one per connection.
func TestAccAWSConnectionList_scale(t *testing.T) {
	org := acctest.NewOrg(t)
	acctest.TerraformAtLeast(t, 1, 14, "terraform query") // before seeding, which takes seconds
	requests := []client.CreateConnectionRequest{{Name: "payer", Type: validate.TypeBilling,
		RoleARN: roleARN(testPayerAccount, "costlink-billing-access"), BillingBucket: "acme-billing-export"}}
	for i := range listedConnections {
		account := fmt.Sprintf("%012d", 500000000000+i)
		requests = append(requests, client.CreateConnectionRequest{Name: "member-" + account,
			RoleARN: "arn:aws:iam::" + account + ":role/costlink-access", Regions: []string{"us-east-1"}})
	}
	ids := org.SeedConnections(t, requests)
	proxy := acctest.NewFaultProxy(t, org.APIURL, acctest.FaultProxyOptions{}) // counts, faults nothing
	const budget = 3                                                           // the first contact, then pages of 1,000

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: queryFirstStep},
			{
				Query: true,
				Config: fmt.Sprintf(`
provider "costlink" {
  api_url = %q
  api_key = %q
}

list "costlink_aws_connection" "all" {
  provider = costlink
  limit    = 2000
}
`, proxy.URL, org.APIKey),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("costlink_aws_connection.all", len(ids)),
					querycheck.ExpectIdentity("costlink_aws_connection.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[0])}),
					querycheck.ExpectIdentity("costlink_aws_connection.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[len(ids)-1])}),
				},
			},
		},
	})
	if t.Failed() || t.Skipped() {
		return
	}
	got := proxy.Counts().Requests
	t.Logf("LIST connections=%d requests=%d budget=%d", len(ids), got, budget)
	if got > budget {
		t.Errorf("terraform query of %d connections sent %d API requests, want at most %d", len(ids), got, budget)
	}
}
