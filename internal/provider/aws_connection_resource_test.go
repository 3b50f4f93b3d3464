package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
)

const (
	testPayerAccount  = "111111111111"
	testMemberAccount = "222222222222"
	testOtherAccount  = "333333333333"
)

// ignoreWait: import cannot know wait_for_healthy, a setting of the
// configuration, and takes its default; and the service checks these
// role-less connections in the background, so their health moves on.
var ignoreWait = []string{"wait_for_healthy", "health_status", "health_details"}

func roleARN(account, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/costlink/%s", account, name)
}

// billingConnectionConfig is the payer account's connection every resource
// connection needs first.
func billingConnectionConfig(org *acctest.Org) string {
	return org.ProviderConfig() + billingConnectionHCL
}

// billingConnectionHCL is the payer account's connection, with no role
// behind it: its health is not what the tests that use it look at.
var billingConnectionHCL = fmt.Sprintf(`
resource "costlink_aws_connection" "payer" {
  name             = "payer"
  type             = "billing"
  role_arn         = %q
  billing_bucket   = "acme-billing-export"
  wait_for_healthy = false
}
`, roleARN(testPayerAccount, "costlink-billing-access"))

func memberConnectionConfig(org *acctest.Org, name, roleARN, regions string) string {
	return billingConnectionConfig(org) + memberConnectionHCL(name, roleARN, regions)
}

// memberConnectionHCL is a member account's connection after the payer's.
func memberConnectionHCL(name, roleARN, regions string) string {
	return fmt.Sprintf(`
resource "costlink_aws_connection" "member" {
  name             = %q
  role_arn         = %q
  regions          = %s
  wait_for_healthy = false

  depends_on = [costlink_aws_connection.payer]
}
`, name, roleARN, regions)
}

func TestAccAWSConnection_lifecycle(t *testing.T) {
	org := acctest.NewOrg(t)
	const addr = "costlink_aws_connection.member"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	otherID := statecheck.CompareValue(compare.ValuesDiffer())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: memberConnectionConfig(org, "prod-payments", roleARN(testMemberAccount, "costlink-resource-access"), `["us-east-1", "eu-south-1"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						// account_id is known at plan time, from the ARN.
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.StringExact(testMemberAccount)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^conn_`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("prod-payments")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("resource")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.StringExact(testMemberAccount)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("billing_bucket"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("regions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("us-east-1"), knownvalue.StringExact("eu-south-1"),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					otherID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
			{
				// Rename, drop a region and move to another role in the same account: an update in place.
				Config: memberConnectionConfig(org, "prod-payments-eu", roleARN(testMemberAccount, "costlink-other-role"), `["eu-south-1"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("prod-payments-eu")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("regions"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("eu-south-1")})),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreWait},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreWait, ImportStateId: "prod-payments-eu"},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreWait, ImportStateId: "account:" + testMemberAccount},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreWait, ImportStateId: "account:" + testMemberAccount + ":resource"},
			{
				// A role in another account is another connection.
				Config: memberConnectionConfig(org, "prod-payments-eu", roleARN(testOtherAccount, "costlink-resource-access"), `[]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.StringExact(testOtherAccount)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("regions"), knownvalue.SetSizeExact(0)),
					otherID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

func TestAccAWSConnection_billing(t *testing.T) {
	org := acctest.NewOrg(t)
	const addr = "costlink_aws_connection.payer"
	config := func(bucket string) string {
		return org.ProviderConfig() + fmt.Sprintf(`
resource "costlink_aws_connection" "payer" {
  name             = "payer"
  type             = "billing"
  role_arn         = %q
  billing_bucket   = %q
  wait_for_healthy = false
}
`, roleARN(testPayerAccount, "costlink-billing-access"), bucket)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("acme-billing-export"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("billing")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("billing_bucket"), knownvalue.StringExact("acme-billing-export")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("regions"), knownvalue.SetSizeExact(0)),
				},
			},
			{
				Config: config("acme-billing-export-v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("billing_bucket"), knownvalue.StringExact("acme-billing-export-v2")),
				},
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreWait, ImportStateId: "account:" + testPayerAccount},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

func TestAccAWSConnection_disappears(t *testing.T) {
	org := acctest.NewOrg(t)
	const addr = "costlink_aws_connection.member"
	config := memberConnectionConfig(org, "prod-payments", roleARN(testMemberAccount, "costlink-resource-access"), `[]`)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Deleted through the API: the next plan creates it again.
				PreConfig: func() { org.DeleteConnectionNamed(t, "prod-payments") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccAWSConnection_changedElsewhere: a record changed through the API
// after the last refresh shows as drift and apply puts it back.
func TestAccAWSConnection_changedElsewhere(t *testing.T) {
	org := acctest.NewOrg(t)
	const addr = "costlink_aws_connection.member"
	config := memberConnectionConfig(org, "prod-payments", roleARN(testMemberAccount, "costlink-resource-access"), `["us-east-1"]`)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					conn := org.ConnectionNamed(t, "prod-payments")
					regions := []string{"ap-east-1"}
					if _, err := org.Client.UpdateConnection(context.Background(), conn.ID, client.UpdateConnectionRequest{Regions: &regions}, ""); err != nil {
						t.Fatalf("changing the connection through the API: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("regions"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("us-east-1")})),
				},
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccAWSConnection_refusedByService: errors only the service can find
// fail the apply with its explanation and leave nothing behind.
func TestAccAWSConnection_refusedByService(t *testing.T) {
	org := acctest.NewOrg(t)
	withoutBilling := org.ProviderConfig() + fmt.Sprintf(`
resource "costlink_aws_connection" "member" {
  name             = "prod-payments"
  role_arn         = %q
  wait_for_healthy = false
}
`, roleARN(testMemberAccount, "costlink-resource-access"))
	duplicateName := billingConnectionConfig(org) + fmt.Sprintf(`
resource "costlink_aws_connection" "member" {
  name             = "payer"
  role_arn         = %q
  wait_for_healthy = false
  depends_on       = [costlink_aws_connection.payer]
}
`, roleARN(testMemberAccount, "costlink-resource-access"))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      withoutBilling,
				ExpectError: expectErrorPhrase("connect the organization's management (payer) account with a billing connection first"),
			},
			{
				PreConfig: func() {
					if err := org.CheckConnectionCount(0); err != nil {
						t.Fatal(err)
					}
				},
				Config:      duplicateName,
				ExpectError: regexp.MustCompile(`(?s)already.*To manage the existing connection conn_\w+ with\s+Terraform,\s+import\s+it`),
			},
			{
				// Only the billing connection exists: the refused creates wrote nothing.
				Config: billingConnectionConfig(org),
				Check:  func(*terraform.State) error { return org.CheckConnectionCount(1) },
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

func TestAccAWSConnection_planTimeValidation(t *testing.T) {
	org := acctest.NewOrg(t)
	config := func(attrs string) string {
		return org.ProviderConfig() + fmt.Sprintf(`
resource "costlink_aws_connection" "member" {
%s
}
`, attrs)
	}
	valid := fmt.Sprintf("role_arn = %q", roleARN(testMemberAccount, "costlink-resource-access"))
	tests := []struct {
		attrs string
		want  string
	}{
		{`name = "prod.payments"` + "\n" + valid, "it contains a period (.)"},
		{`name = "Prod-Payments"` + "\n" + valid, "it contains upper-case letters"},
		{`name = "prod payments"` + "\n" + valid, "it contains a space"},
		{fmt.Sprintf("name = %q\n%s", strings.Repeat("a", 64), valid), "it is 64 characters long, the limit is 63"},
		{`name = "prod"` + "\n" + `role_arn = "arn:aws:iam::1234:role/x"`, "is not an IAM role ARN: expected arn:PARTITION:iam::ACCOUNT_ID:role/NAME"},
		{`name = "prod"` + "\n" + `role_arn = "arn:aws:iam::123456789012:user/x"`, "is not an IAM role ARN"},
		{`name = "prod"` + "\n" + valid + "\n" + `regions = ["us-east-1", "US-WEST-2"]`, `"US-WEST-2" is not an AWS region name`},
		{`name = "prod"` + "\n" + valid + "\n" + `regions = ["us-esat-1"]`, `"us-esat-1" is not an AWS region name: did you mean "us-east-1"?`},
		{`name = "prod"` + "\n" + valid + "\n" + `billing_bucket = "acme-billing"`, "billing_bucket is only for \"billing\" connections"},
		{`name = "prod"` + "\n" + valid + "\n" + `type = "billing"`, "billing_bucket is required for a \"billing\" connection"},
		{`name = "prod"` + "\n" + valid + "\n" + `type = "payer"`, `value must be one of: ["resource" "billing"]`},
	}
	steps := make([]resource.TestStep, len(tests))
	for i, tt := range tests {
		steps[i] = resource.TestStep{Config: config(tt.attrs), PlanOnly: true, ExpectError: expectErrorPhrase(tt.want)}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
