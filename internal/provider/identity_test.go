package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

// identityVersions skips the tests of resource identity on a Terraform
// older than 1.12, which has none.
var identityVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// unknownAccount is an account no test creates, so it has no
// OrganizationAccountAccessRole to assume (member accounts start with 2).
const unknownAccount = "399999999999"

// importedName is the resource the tests import into by identity.
const importedName = "imported"

// importByIdentityHCL imports the object an identity names into a new
// resource of resourceType, configured with body.
func importByIdentityHCL(resourceType, identity, body string) string {
	return fmt.Sprintf(`
import {
  to       = %[1]s.%[2]s
  identity = %[3]s
}

resource %[1]q %[2]q {
%[4]s
}
`, resourceType, importedName, identity, body)
}

// expectNoResource fails when address is in state: an import that failed
// must leave nothing behind.
type expectNoResource string

func (a expectNoResource) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == string(a) {
			resp.Error = fmt.Errorf("%s is in state after its import failed", a)
		}
	}
}

func TestAccAWSConnection_identity(t *testing.T) {
	org := acctest.NewOrg(t)
	const addr = "costlink_aws_connection.member"
	const imported = "costlink_aws_connection." + importedName
	sameID := statecheck.CompareValue(compare.ValuesSame())
	otherID := statecheck.CompareValue(compare.ValuesDiffer())
	updated := memberConnectionConfig(org, "prod-payments-eu", roleARN(testMemberAccount, "costlink-resource-access"), `["eu-south-1"]`)
	moved := memberConnectionConfig(org, "prod-payments-eu", roleARN(testOtherAccount, "costlink-resource-access"), `[]`)
	importedBody := fmt.Sprintf("  name             = \"elsewhere\"\n  role_arn         = %q\n  wait_for_healthy = false",
		roleARN(testOtherAccount, "costlink-elsewhere"))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityVersions,
		Steps: []resource.TestStep{
			{
				Config: memberConnectionConfig(org, "prod-payments", roleARN(testMemberAccount, "costlink-resource-access"), `["us-east-1"]`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(regexp.MustCompile(`^conn_`)),
					}),
					statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					otherID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
			{
				// An update in place keeps the identity.
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
			{
				// Import cannot know wait_for_healthy, a setting of the
				// configuration: it takes the default, which the plan
				// then changes to the configuration's false in place.
				ResourceName:       addr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("prod-payments-eu")),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("wait_for_healthy"), knownvalue.Bool(false)),
					},
				},
			},
			{
				// A role in another account replaces the connection: a new
				// ID, and the identity follows it.
				Config: moved,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
					otherID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
			{
				Config:      moved + importByIdentityHCL("costlink_aws_connection", `{ id = "conn_00000000000000000000" }`, importedBody),
				ExpectError: expectErrorPhrase("Cannot import non-existent remote object"),
			},
			{
				Config:      moved + importByIdentityHCL("costlink_aws_connection", `{ id = "prod-payments-eu" }`, importedBody),
				ExpectError: expectErrorPhrase(`Invalid import identity`),
			},
			{
				Config:            moved,
				ConfigStateChecks: []statecheck.StateCheck{expectNoResource(imported)},
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccAWSRole_identity covers both ways an import by identity reaches
// the account: the provider's own credentials, in their account, and a
// member account's OrganizationAccountAccessRole.
func TestAccAWSRole_identity(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	const own, member = "costlink_aws_role.own", "costlink_aws_role.member"
	const imported = "costlink_aws_role." + importedName
	// The provider's own account is moto's default, which every test shares.
	name := fmt.Sprintf("costlink-identity-%s", account)
	config := func(ownName, description string) string {
		return memberRoleConfig(t, org, moto, account, fmt.Sprintf("  description = %q", description)) + fmt.Sprintf(`
resource "costlink_aws_role" "own" {
  name        = %q
  description = %q
}
`, ownName, description)
	}
	renamed := config(name+"-2", "costlink reads this account")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityVersions,
		Steps: []resource.TestStep{
			{
				Config: config(name, "first"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(own, map[string]knownvalue.Check{
						"account_id": knownvalue.StringExact(acctest.ServiceAccountID),
						"name":       knownvalue.StringExact(name),
					}),
					statecheck.ExpectIdentity(member, map[string]knownvalue.Check{
						"account_id": knownvalue.StringExact(account),
						"name":       knownvalue.StringExact("costlink-resource-access"),
					}),
				},
			},
			{
				Config: config(name, "costlink reads this account"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(own, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(member, plancheck.ResourceActionUpdate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(own, map[string]knownvalue.Check{
						"account_id": knownvalue.StringExact(acctest.ServiceAccountID),
						"name":       knownvalue.StringExact(name),
					}),
					statecheck.ExpectIdentityValueMatchesStateAtPath(member, tfjsonpath.New("account_id"), tfjsonpath.New("account_id")),
					statecheck.ExpectIdentityValueMatchesStateAtPath(member, tfjsonpath.New("name"), tfjsonpath.New("name")),
				},
			},
			{ResourceName: own, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{ResourceName: member, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{
				// A new name replaces the role; the identity names the new one.
				Config: renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(own, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(own, map[string]knownvalue.Check{
						"account_id": knownvalue.StringExact(acctest.ServiceAccountID),
						"name":       knownvalue.StringExact(name + "-2"),
					}),
				},
			},
			{
				Config: renamed + importByIdentityHCL("costlink_aws_role",
					fmt.Sprintf(`{ account_id = %q, name = "costlink-nobody" }`, account),
					fmt.Sprintf("  name            = \"costlink-nobody\"\n  assume_role_arn = %q", moto.MemberAccountRoleARN(account))),
				ExpectError: expectErrorPhrase("Cannot import non-existent remote object"),
			},
			{
				Config: renamed + importByIdentityHCL("costlink_aws_role",
					fmt.Sprintf(`{ account_id = %q, name = "costlink-resource-access" }`, unknownAccount),
					fmt.Sprintf("  assume_role_arn = %q", moto.MemberAccountRoleARN(unknownAccount))),
				ExpectError: expectErrorPhrase("Cannot reach account " + unknownAccount),
			},
			{
				Config:      renamed + importByIdentityHCL("costlink_aws_role", `{ account_id = "12345", name = "costlink-resource-access" }`, ""),
				ExpectError: expectErrorPhrase(`Invalid import identity`),
			},
			{
				Config:            renamed,
				ConfigStateChecks: []statecheck.StateCheck{expectNoResource(imported)},
			},
		},
		CheckDestroy: func(s *terraform.State) error {
			if err := checkRolesGone(moto.MemberIAM(t, account), "costlink-resource-access")(s); err != nil {
				return err
			}
			return checkRolesGone(iam.NewFromConfig(moto.AWSConfig()), name, name+"-2")(s)
		},
	})
}

func TestAccAWSRolePolicy_identity(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	const imported = "costlink_aws_role_policy." + importedName
	config := memberRolePolicyConfig(t, org, moto, account)
	billing := org.ProviderConfigWithAWS(t, moto) + fmt.Sprintf(`
resource "costlink_aws_role" "member" {
  assume_role_arn = %[1]q
}

resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  type            = "billing"
  billing_bucket  = "acme-billing-export"
  assume_role_arn = %[1]q
}
`, moto.MemberAccountRoleARN(account))
	identity := func(connectionType string) statecheck.StateCheck {
		return statecheck.ExpectIdentity(rolePolicyAddr, map[string]knownvalue.Check{
			"account_id": knownvalue.StringExact(account),
			"role_name":  knownvalue.StringExact("costlink-resource-access"),
			"type":       knownvalue.StringExact(connectionType),
		})
	}
	importedBody := fmt.Sprintf("  role_name       = \"costlink-resource-access\"\n  assume_role_arn = %q", moto.MemberAccountRoleARN(account))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityVersions,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{identity("resource")}},
			{
				// A policy removed in AWS: the update that puts it back
				// keeps the identity.
				PreConfig: func() {
					names, err := memberIAM.ListRolePolicies(context.Background(), &iam.ListRolePoliciesInput{RoleName: aws.String("costlink-resource-access")})
					if err != nil {
						t.Fatalf("listing the role's inline policies: %v", err)
					}
					if len(names.PolicyNames) == 0 {
						t.Fatal("the role has no inline policy")
					}
					if _, err := memberIAM.DeleteRolePolicy(context.Background(), &iam.DeleteRolePolicyInput{
						RoleName: aws.String("costlink-resource-access"), PolicyName: aws.String(names.PolicyNames[0]),
					}); err != nil {
						t.Fatalf("deleting an inline policy: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(rolePolicyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{identity("resource")},
			},
			{ResourceName: rolePolicyAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{
				// Another type replaces the policy; the identity names the new one.
				Config: billing,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(rolePolicyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{identity("billing")},
			},
			{
				Config: billing + importByIdentityHCL("costlink_aws_role_policy",
					fmt.Sprintf(`{ account_id = %q, role_name = "costlink-resource-access", type = "billing" }`, account),
					importedBody+"\n  type           = \"billing\"\n  billing_bucket = \"acme-billing-export\""),
				ExpectError: expectErrorPhrase("Cannot import a billing role policy"),
			},
			{
				Config: billing + importByIdentityHCL("costlink_aws_role_policy",
					fmt.Sprintf(`{ account_id = %q, role_name = "costlink-nobody", type = "resource" }`, account),
					fmt.Sprintf("  role_name       = \"costlink-nobody\"\n  assume_role_arn = %q", moto.MemberAccountRoleARN(account))),
				ExpectError: expectErrorPhrase("Cannot import non-existent remote object"),
			},
			{
				Config: billing + importByIdentityHCL("costlink_aws_role_policy",
					fmt.Sprintf(`{ account_id = %q, role_name = "costlink-resource-access", type = "payer" }`, account), importedBody),
				ExpectError: expectErrorPhrase(`Invalid import identity`),
			},
			{
				Config:            billing,
				ConfigStateChecks: []statecheck.StateCheck{expectNoResource(imported)},
			},
		},
		CheckDestroy: checkRolesGone(memberIAM, "costlink-resource-access"),
	})
}

// TestIdentitySchemas holds the resources that name a remote object to an
// identity of exactly the attributes that name it, each required for an
// import by identity and described, as Terraform serves them.
func TestIdentitySchemas(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "GetResourceIdentitySchemas", resp.Diagnostics)
	want := map[string][]string{
		"costlink_aws_connection":  {"id"},
		"costlink_aws_role":        {"account_id", "name"},
		"costlink_aws_role_policy": {"account_id", "role_name", "type"},
	}
	for resourceType, names := range want {
		schema := resp.IdentitySchemas[resourceType]
		if schema == nil {
			t.Errorf("%s has no identity schema", resourceType)
			continue
		}
		var got []string
		for _, a := range schema.IdentityAttributes {
			got = append(got, a.Name)
			if !a.RequiredForImport || a.Description == "" || !a.Type.Is(tftypes.String) {
				t.Errorf("%s identity attribute %s: required for import %t, description %q, type %v; want a described string required for import",
					resourceType, a.Name, a.RequiredForImport, a.Description, a.Type)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Errorf("%s identity attributes = %v; want %v", resourceType, got, names)
		}
	}
}
