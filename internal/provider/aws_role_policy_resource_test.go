package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

const rolePolicyAddr = "costlink_aws_role_policy.member"

func memberRolePolicyConfig(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, account string) string {
	return org.ProviderConfigWithAWS(t, moto) + memberRolePolicyHCL(moto, account)
}

// memberRolePolicyHCL is the role and its generated policy in a member
// account reached through its OrganizationAccountAccessRole.
func memberRolePolicyHCL(moto *acctest.MotoServer, account string) string {
	return fmt.Sprintf(`
locals {
  member_access = %q
}

resource "costlink_aws_role" "member" {
  assume_role_arn = local.member_access
}

resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  assume_role_arn = local.member_access
}
`, moto.MemberAccountRoleARN(account))
}

func TestAccAWSRolePolicy_driftAndRepair(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	config := memberRolePolicyConfig(t, org, moto, account)
	policy, err := org.Client.GetPolicy(context.Background(), "resource", "")
	if err != nil {
		t.Fatal(err)
	}
	document := policy.Documents[0]
	expectRepair := resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(rolePolicyAddr, plancheck.ResourceActionUpdate)},
	}
	ctx := context.Background()
	role := aws.String("costlink-resource-access")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rolePolicyAddr, tfjsonpath.New("version"), knownvalue.StringExact(policy.Version)),
					statecheck.ExpectKnownValue(rolePolicyAddr, tfjsonpath.New("policy_names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(document.Name),
					})),
					statecheck.ExpectKnownValue(rolePolicyAddr, tfjsonpath.New("managed_policy_arns"), knownvalue.SetSizeExact(len(policy.ManagedPolicyARNs))),
				},
				Check: checkRoleHasPolicy(memberIAM, "costlink-resource-access", policy),
			},
			{
				ResourceName:      rolePolicyAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateId:     moto.MemberAccountRoleARN(account) + ",costlink-resource-access",
			},
			{
				// IAM returns documents URL-encoded and in its own layout: the
				// same permissions, reformatted, are no change.
				PreConfig: func() {
					if _, err := memberIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
						RoleName: role, PolicyName: aws.String(document.Name), PolicyDocument: aws.String(reformat(t, document.JSON)),
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
			{
				PreConfig: func() {
					if _, err := memberIAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: role, PolicyName: aws.String(document.Name)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           config,
				ConfigPlanChecks: expectRepair,
				Check:            checkRoleHasPolicy(memberIAM, "costlink-resource-access", policy),
			},
			{
				PreConfig: func() {
					if _, err := memberIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
						RoleName: role, PolicyName: aws.String(document.Name), PolicyDocument: aws.String(withoutFirstStatement(t, document.JSON)),
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           config,
				ConfigPlanChecks: expectRepair,
				Check:            checkRoleHasPolicy(memberIAM, "costlink-resource-access", policy),
			},
			{
				PreConfig: func() {
					for _, arn := range policy.ManagedPolicyARNs {
						if _, err := memberIAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: role, PolicyArn: aws.String(arn)}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:           config,
				ConfigPlanChecks: expectRepair,
				Check:            checkRoleHasPolicy(memberIAM, "costlink-resource-access", policy),
			},
		},
		CheckDestroy: checkRolesGone(memberIAM, "costlink-resource-access"),
	})
}

// TestAccAWSRolePolicy_manyAccounts onboards three member accounts with one
// provider configuration and no aliases. It iterates with count because
// terraform-plugin-testing cannot read state with for_each instances (its
// legacy state shim refuses string keys); the module and organization
// examples use for_each with the same per-resource assume_role_arn.
func TestAccAWSRolePolicy_manyAccounts(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	accounts := []string{moto.NewMemberAccount(t), moto.NewMemberAccount(t), moto.NewMemberAccount(t)}
	var roleARNs []string
	for _, account := range accounts {
		roleARNs = append(roleARNs, fmt.Sprintf("%q", moto.MemberAccountRoleARN(account)))
	}
	config := org.ProviderConfigWithAWS(t, moto) + fmt.Sprintf(`
locals {
  member_access = [%s]
}

resource "costlink_aws_role" "member" {
  count           = length(local.member_access)
  assume_role_arn = local.member_access[count.index]
}

resource "costlink_aws_role_policy" "member" {
  count           = length(local.member_access)
  role_name       = costlink_aws_role.member[count.index].name
  assume_role_arn = local.member_access[count.index]
}
`, strings.Join(roleARNs, ", "))

	var checks []statecheck.StateCheck
	for i, account := range accounts {
		checks = append(checks, statecheck.ExpectKnownValue(fmt.Sprintf("costlink_aws_role.member[%d]", i),
			tfjsonpath.New("account_id"), knownvalue.StringExact(account)))
	}
	policy, err := org.Client.GetPolicy(context.Background(), "resource", "")
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: checks,
			Check: func(s *terraform.State) error {
				for _, account := range accounts {
					if err := checkRoleHasPolicy(moto.MemberIAM(t, account), "costlink-resource-access", policy)(s); err != nil {
						return fmt.Errorf("account %s: %w", account, err)
					}
				}
				return nil
			},
		}},
		CheckDestroy: func(s *terraform.State) error {
			for _, account := range accounts {
				if err := checkRolesGone(moto.MemberIAM(t, account), "costlink-resource-access")(s); err != nil {
					return fmt.Errorf("account %s: %w", account, err)
				}
			}
			return nil
		},
	})
}

// checkRoleHasPolicy reads the role in AWS: every generated document is on
// it as generated, and every generated managed policy is attached.
func checkRoleHasPolicy(memberIAM *iam.Client, role string, policy *client.Policy) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		for _, doc := range policy.Documents {
			out, err := memberIAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(doc.Name)})
			if err != nil {
				return fmt.Errorf("inline policy %s: %w", doc.Name, err)
			}
			if same, err := iampolicy.Equivalent(aws.ToString(out.PolicyDocument), doc.JSON); err != nil || !same {
				return fmt.Errorf("inline policy %s differs from the generated one (%v)", doc.Name, err)
			}
		}
		out, err := memberIAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
		if err != nil {
			return err
		}
		for _, want := range policy.ManagedPolicyARNs {
			found := false
			for _, p := range out.AttachedPolicies {
				found = found || aws.ToString(p.PolicyArn) == want
			}
			if !found {
				return fmt.Errorf("managed policy %s is not attached", want)
			}
		}
		return nil
	}
}

// reformat lays a policy out as a person or IAM might: indented, with the
// statements in reverse order.
func reformat(t *testing.T, doc string) string {
	var policy map[string]any
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatal(err)
	}
	statements := policy["Statement"].([]any)
	for i, j := 0, len(statements)-1; i < j; i, j = i+1, j-1 {
		statements[i], statements[j] = statements[j], statements[i]
	}
	out, err := json.MarshalIndent(policy, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// withoutFirstStatement is the policy with one statement removed, as someone
// trimming permissions in the console would leave it.
func withoutFirstStatement(t *testing.T, doc string) string {
	var policy map[string]any
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatal(err)
	}
	policy["Statement"] = policy["Statement"].([]any)[1:]
	out, err := json.Marshal(policy)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestAccAWSRolePolicy_newerGeneratedVersion: when the service generates a
// newer policy, the plan updates the role to it.
func TestAccAWSRolePolicy_newerGeneratedVersion(t *testing.T) {
	const extraPolicy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	var newer atomic.Bool
	org := acctest.NewOrgInOwnService(t, acctest.ServiceOptions{GeneratePolicy: func(in iampolicy.Input) (iampolicy.Policy, error) {
		p, err := iampolicy.Generate(in)
		if newer.Load() {
			p.ManagedPolicyARNs = append(slices.Clone(p.ManagedPolicyARNs), extraPolicy)
			p.Version = "newer-" + p.Version
		}
		return p, err
	}})
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	config := memberRolePolicyConfig(t, org, moto, account)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rolePolicyAddr, tfjsonpath.New("version"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]+$`))),
				},
			},
			{
				PreConfig: func() { newer.Store(true) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(rolePolicyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rolePolicyAddr, tfjsonpath.New("version"), knownvalue.StringRegexp(regexp.MustCompile(`^newer-`))),
				},
				Check: func(s *terraform.State) error {
					policy, err := org.Client.GetPolicy(context.Background(), "resource", "")
					if err != nil {
						return err
					}
					if !slices.Contains(policy.ManagedPolicyARNs, extraPolicy) {
						return fmt.Errorf("the service does not generate the newer policy: %v", policy.ManagedPolicyARNs)
					}
					return checkRoleHasPolicy(memberIAM, "costlink-resource-access", policy)(s)
				},
			},
		},
		CheckDestroy: checkRolesGone(memberIAM, "costlink-resource-access"),
	})
}

// beforeApply is a plan check that runs f between a step's plan and the apply
// of that saved plan, as a service upgrade between `plan -out` and `apply`.
type beforeApply func()

func (f beforeApply) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	f()
}

// Measured in issue 9: a newer policy generated between `plan -out` and
// `apply` made Terraform fail with "Provider produced inconsistent final
// plan". The plan leaves the policy it cannot keep unknown, and the role and
// the state end with the policy the service generates at apply.
func TestAccAWSRolePolicy_serviceUpgradeBetweenPlanAndApply(t *testing.T) {
	upgrades := []string{
		"arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws:iam::aws:policy/SecurityAudit",
		"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
	}
	var release atomic.Int32 // how many upgrades the service has had
	org := acctest.NewOrgInOwnService(t, acctest.ServiceOptions{GeneratePolicy: func(in iampolicy.Input) (iampolicy.Policy, error) {
		p, err := iampolicy.Generate(in)
		n := int(release.Load())
		p.ManagedPolicyARNs = append(slices.Clone(p.ManagedPolicyARNs), upgrades[:n]...)
		p.Version = fmt.Sprintf("r%d-%s", n, p.Version)
		return p, err
	}})
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	config := memberRolePolicyConfig(t, org, moto, account)
	const role = "costlink-resource-access"
	upgrade := beforeApply(func() { release.Add(1) })
	unknownPolicy := []plancheck.PlanCheck{
		plancheck.ExpectUnknownValue(rolePolicyAddr, tfjsonpath.New("documents")),
		plancheck.ExpectUnknownValue(rolePolicyAddr, tfjsonpath.New("managed_policy_arns")),
		plancheck.ExpectUnknownValue(rolePolicyAddr, tfjsonpath.New("version")),
	}
	hasRelease := func(n int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			policy, err := org.Client.GetPolicy(context.Background(), "resource", "")
			if err != nil {
				return err
			}
			if !strings.HasPrefix(policy.Version, fmt.Sprintf("r%d-", n)) {
				return fmt.Errorf("the service generates %s, want release %d", policy.Version, n)
			}
			return resource.ComposeAggregateTestCheckFunc(
				checkRoleHasPolicy(memberIAM, role, policy),
				resource.TestCheckResourceAttr(rolePolicyAddr, "version", policy.Version),
				resource.TestCheckResourceAttr(rolePolicyAddr, "managed_policy_arns.#", fmt.Sprint(len(policy.ManagedPolicyARNs))),
			)(s)
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{ // create: planned with release 0, applied with release 1
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(unknownPolicy, upgrade)},
				Check:            hasRelease(1),
			},
			{ // update: planned with release 2, applied with release 3
				PreConfig: func() { release.Add(1) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append([]plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rolePolicyAddr, plancheck.ResourceActionUpdate),
				}, append(unknownPolicy, upgrade)...)},
				Check: hasRelease(3),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
		CheckDestroy: checkRolesGone(memberIAM, role),
	})
}
