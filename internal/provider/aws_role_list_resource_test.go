package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

// createRole makes a role straight in moto, as someone did outside Terraform.
func createRole(t *testing.T, iamClient *iam.Client, path, name, trustPolicy string) {
	t.Helper()
	if _, err := iamClient.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(trustPolicy),
	}); err != nil {
		t.Fatalf("creating role %s: %v", name, err)
	}
}

// TestAccAWSRoleList_trustingRoles: terraform query lists the roles of a
// member account that the platform may assume for this organization, and
// no other: not its OrganizationAccountAccessRole, which trusts the
// platform's principal without the external ID, nor a role of another
// organization, nor one trusting someone else.
func TestAccAWSRoleList_trustingRoles(t *testing.T) {
	org := acctest.NewOrg(t)
	acctest.TerraformAtLeast(t, 1, 14, "terraform query") // before making roles in moto
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	organization, err := org.Client.GetOrganization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	trust := func(externalID string) string {
		doc, err := iampolicy.TrustPolicy(acctest.ServicePrincipalARN, externalID)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	direct := moto.DirectIAM(account)
	createRole(t, direct, "/other/", "platform-by-hand", trust(organization.ExternalID))
	createRole(t, direct, "/costlink/", "another-organization", trust("another-organizations-external-id"))
	createRole(t, direct, "/costlink/", "someone-else", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
		`"Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`)

	via := moto.MemberAccountRoleARN(account)
	identity := func(name string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"account_id": knownvalue.StringExact(account), "name": knownvalue.StringExact(name)}
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: memberRoleConfig(t, org, moto, account, `  tags = { team = "platform" }`)},
			{
				Query: true,
				Config: fmt.Sprintf(`
list "costlink_aws_role" "all" {
  provider = costlink
  config {
    assume_role_arn = %[1]q
  }
}

list "costlink_aws_role" "costlink_path" {
  provider         = costlink
  include_resource = true
  config {
    assume_role_arn = %[1]q
    path_prefix     = "/costlink/"
  }
}
`, via),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("costlink_aws_role.all", 2),
					querycheck.ExpectIdentity("costlink_aws_role.all", identity("costlink-resource-access")),
					querycheck.ExpectIdentity("costlink_aws_role.all", identity("platform-by-hand")),
					querycheck.ExpectLength("costlink_aws_role.costlink_path", 1),
					querycheck.ExpectResourceDisplayName("costlink_aws_role.costlink_path",
						queryfilter.ByResourceIdentity(identity("costlink-resource-access")),
						knownvalue.StringExact("arn:aws:iam::"+account+":role/costlink/costlink-resource-access")),
					querycheck.ExpectResourceKnownValues("costlink_aws_role.costlink_path",
						queryfilter.ByResourceIdentity(identity("costlink-resource-access")),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact("costlink-resource-access")},
							{Path: tfjsonpath.New("path"), KnownValue: knownvalue.StringExact("/costlink/")},
							{Path: tfjsonpath.New("account_id"), KnownValue: knownvalue.StringExact(account)},
							{Path: tfjsonpath.New("max_session_duration"), KnownValue: knownvalue.Int64Exact(3600)},
							// GetRole's: IAM's ListRoles leaves tags out.
							{Path: tfjsonpath.New("tags"), KnownValue: knownvalue.MapExact(map[string]knownvalue.Check{
								"team": knownvalue.StringExact("platform")})},
							// Reached as the list block reached it.
							{Path: tfjsonpath.New("assume_role_arn"), KnownValue: knownvalue.StringExact(via)},
							{Path: tfjsonpath.New("trust_policy_json"), KnownValue: knownvalue.StringRegexp(
								regexp.MustCompile(regexp.QuoteMeta(organization.ExternalID)))},
						}),
				},
			},
		},
	})
}

// TestAccAWSRoleList_unreachableAccount: an account the provider cannot
// reach fails the query with the reason.
func TestAccAWSRoleList_unreachableAccount(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: queryFirstStep},
			{
				Query: true,
				Config: org.ProviderConfigWithAWS(t, moto) + `
list "costlink_aws_role" "nowhere" {
  provider = costlink
  config {
    assume_role_arn = "arn:aws:iam::299999999999:role/OrganizationAccountAccessRole"
  }
}
`,
				ExpectError: expectErrorPhrase("Cannot reach the member account"),
			},
		},
	})
}
