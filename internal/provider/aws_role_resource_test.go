package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

// memberRoleConfig is a costlink_aws_role in a member account reached by
// assuming its OrganizationAccountAccessRole.
func memberRoleConfig(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, account, extra string) string {
	return org.ProviderConfigWithAWS(t, moto) + fmt.Sprintf(`
resource "costlink_aws_role" "member" {
  assume_role_arn = %q
%s
}
`, moto.MemberAccountRoleARN(account), extra)
}

func TestAccAWSRole_basic(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	const addr = "costlink_aws_role.member"
	memberIAM := moto.MemberIAM(t, account)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: memberRoleConfig(t, org, moto, account, `  tags = { team = "platform" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("costlink-resource-access")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringExact(
						"arn:aws:iam::"+account+":role/costlink/costlink-resource-access")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.StringExact(account)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("path"), knownvalue.StringExact("/costlink/")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("max_session_duration"), knownvalue.Int64Exact(3600)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unique_id"), knownvalue.StringRegexp(regexp.MustCompile(`^AROA`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("platform"),
					})),
				},
				Check: checkRoleTrust(org, memberIAM, "costlink-resource-access"),
			},
			{
				Config: memberRoleConfig(t, org, moto, account, `
  description          = "costlink reads this account"
  max_session_duration = 7200
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("costlink reads this account")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("max_session_duration"), knownvalue.Int64Exact(7200)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.Null()),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateId:     moto.MemberAccountRoleARN(account) + ",costlink-resource-access",
			},
			{
				// The trust policy edited in AWS: the plan shows it, apply puts it back.
				PreConfig: func() {
					_, err := memberIAM.UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{
						RoleName: aws.String("costlink-resource-access"),
						PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
							`"Principal":{"AWS":"arn:aws:iam::` + acctest.ServiceAccountID + `:root"},"Action":"sts:AssumeRole"}]}`),
					})
					if err != nil {
						t.Fatalf("editing the trust policy: %v", err)
					}
				},
				Config: memberRoleConfig(t, org, moto, account, `
  description          = "costlink reads this account"
  max_session_duration = 7200
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: checkRoleTrust(org, memberIAM, "costlink-resource-access"),
			},
		},
		CheckDestroy: checkRolesGone(memberIAM, "costlink-resource-access"),
	})
}

// TestAccAWSRole_disappears: a role deleted outside Terraform, policies and
// all, leaves state, and the plan creates the role and its policy again.
func TestAccAWSRole_disappears(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	config := memberRolePolicyConfig(t, org, moto, account)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { deleteRoleOutOfBand(t, memberIAM, "costlink-resource-access") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("costlink_aws_role.member", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(rolePolicyAddr, plancheck.ResourceActionCreate),
					},
				},
			},
		},
		CheckDestroy: checkRolesGone(memberIAM, "costlink-resource-access"),
	})
}

// deleteRoleOutOfBand deletes a role as someone in the console would: its
// policies first, as IAM requires.
func deleteRoleOutOfBand(t *testing.T, memberIAM *iam.Client, name string) {
	ctx, role := context.Background(), aws.String(name)
	inline, err := memberIAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: role})
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range inline.PolicyNames {
		if _, err := memberIAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: role, PolicyName: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	attached, err := memberIAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: role})
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range attached.AttachedPolicies {
		if _, err := memberIAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: role, PolicyArn: policy.PolicyArn}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := memberIAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: role}); err != nil {
		t.Fatalf("deleting the role: %v", err)
	}
}

func TestAccAWSRole_invalid(t *testing.T) {
	org := acctest.NewOrg(t)
	config := func(attrs string) string {
		return org.ProviderConfig() + "resource \"costlink_aws_role\" \"r\" {\n" + attrs + "\n}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(`name = "bad name"`), PlanOnly: true, ExpectError: expectErrorPhrase(`"bad name" is not an IAM role name`)},
			{Config: config(`path = "costlink"`), PlanOnly: true, ExpectError: expectErrorPhrase("must be / or start and end with /")},
			{Config: config(`max_session_duration = 60`), PlanOnly: true, ExpectError: expectErrorPhrase("must be between 3600 and 43200")},
			{Config: config(`assume_role_arn = "arn:aws:iam::1:role/x"`), PlanOnly: true, ExpectError: expectErrorPhrase("is not an IAM role ARN")},
			{Config: config(`assume_role_external_id = "x"`), PlanOnly: true, ExpectError: expectErrorPhrase("set assume_role_arn too")},
			{ResourceName: "costlink_aws_role.r", Config: config(""), ImportState: true, ImportStateId: "arn:aws:iam::1:role/x,name",
				ExpectError: expectErrorPhrase("Use ROLE_NAME, or ASSUME_ROLE_ARN,ROLE_NAME")},
		},
	})
}

// checkRoleTrust reads the role in the member account: its trust policy is
// the one the service generates for the organization.
func checkRoleTrust(org *acctest.Org, memberIAM *iam.Client, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		out, err := memberIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err != nil {
			return err
		}
		orgInfo, err := org.Client.GetOrganization(ctx)
		if err != nil {
			return err
		}
		doc, err := iampolicy.Normalize(aws.ToString(out.Role.AssumeRolePolicyDocument))
		if err != nil {
			return err
		}
		return iampolicy.VerifyTrust(doc, acctest.ServicePrincipalARN, orgInfo.ExternalID)
	}
}

// checkRolesGone is a CheckDestroy: the roles no longer exist in the account.
func checkRolesGone(memberIAM *iam.Client, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, name := range names {
			_, err := memberIAM.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(name)})
			var missing *iamtypes.NoSuchEntityException
			if !errors.As(err, &missing) {
				return fmt.Errorf("role %s still exists after destroy (error %v)", name, err)
			}
		}
		return nil
	}
}

// TestAccAWSRole_brokenAWSConfiguration: an AWS configuration that does not
// load fails the resources that need AWS, with the reason, and leaves
// connections alone.
func TestAccAWSRole_brokenAWSConfiguration(t *testing.T) {
	org := acctest.NewOrg(t)
	provider := org.ProviderConfigWithBlocks(`aws { profile = "no-such-profile" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider + `resource "costlink_aws_role" "r" {}`,
				ExpectError: expectErrorPhrase("The provider's AWS configuration (its aws block and the AWS SDK's credential chain) does not load"),
			},
			{Config: provider + billingConnectionHCL},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccAWSRole_anotherRoleIntoTheSameAccount: the account a new role will
// be in is known at plan, and reaching the role's account through another
// role, as a configuration does after an import by identity recorded the
// account's OrganizationAccountAccessRole, updates it in place: a
// replacement would delete the role.
func TestAccAWSRole_anotherRoleIntoTheSameAccount(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	const member, own = "costlink_aws_role.member", "costlink_aws_role.own"
	// The provider's own account is moto's default, which every test shares.
	ownName := "costlink-same-account-" + account
	onboarding := onboardingRole(t, moto, account)
	config := func(assumeRoleARN string) string {
		return org.ProviderConfigWithAWS(t, moto) + fmt.Sprintf(`
resource "costlink_aws_role" "member" {
  assume_role_arn = %q
}

resource "costlink_aws_role" "own" {
  name = %q
}
`, assumeRoleARN, ownName)
	}
	throughOnboarding := config(onboarding)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   identityVersions,
		Steps: []resource.TestStep{
			{
				Config: config(moto.MemberAccountRoleARN(account)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(member, tfjsonpath.New("account_id"), knownvalue.StringExact(account)),
						plancheck.ExpectKnownValue(own, tfjsonpath.New("account_id"), knownvalue.StringExact(acctest.ServiceAccountID)),
					},
				},
			},
			{
				Config: throughOnboarding,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(member, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(member, tfjsonpath.New("assume_role_arn"), knownvalue.StringExact(onboarding)),
				},
			},
			{
				// The import records OrganizationAccountAccessRole; the
				// configuration's role is in the same account.
				ResourceName:       member,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(member, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(member, tfjsonpath.New("assume_role_arn"), knownvalue.StringExact(onboarding)),
					},
				},
			},
			{
				// A role in another account moves the role there.
				Config: config(moto.MemberAccountRoleARN(moto.NewMemberAccount(t))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(member, plancheck.ResourceActionDestroyBeforeCreate)},
				},
			},
		},
		CheckDestroy: func(s *terraform.State) error {
			if err := checkRolesGone(memberIAM, "costlink-resource-access")(s); err != nil {
				return err
			}
			return checkRolesGone(iam.NewFromConfig(moto.AWSConfig()), ownName)(s)
		},
	})
}

// onboardingRole makes in account a second role the provider can reach it
// through, as OrganizationAccountAccessRole trusting the base account with
// administrator access, and returns its ARN.
func onboardingRole(t *testing.T, moto *acctest.MotoServer, account string) string {
	t.Helper()
	direct := moto.DirectIAM(account)
	out, err := direct.CreateRole(t.Context(), &iam.CreateRoleInput{
		RoleName: aws.String("costlink-onboarding"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"AWS":"` + acctest.ServicePrincipalARN + `"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		t.Fatalf("creating costlink-onboarding in %s: %v", account, err)
	}
	if _, err := direct.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{
		RoleName: aws.String("costlink-onboarding"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess"),
	}); err != nil {
		t.Fatalf("attaching AdministratorAccess to costlink-onboarding in %s: %v", account, err)
	}
	return aws.ToString(out.Role.Arn)
}
