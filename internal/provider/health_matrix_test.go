package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

// The onboarding mistakes, each made the way a user makes it, against the
// AWS-faithful layer (AssumeRole evaluates the trust policy, new roles
// propagate, regions can be disabled): the apply fails well within a
// 10-minute timeout with the code, the cause and the fix, and the same
// stack fixed with Terraform ends healthy in the next apply.

// failFastBound is how soon a mistake must fail the apply, against the
// connection's 10-minute timeout.
const failFastBound = 60 * time.Second

// mistake is one row of the matrix.
type mistake struct {
	// prepare makes the member account wrong outside Terraform, if the
	// mistake lives there, and returns HCL for the role and its policy;
	// roleARN is the connection's role_arn expression.
	prepare func(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, account string) (hcl, roleARN string)
	// regions are the connection's regions in the broken stack.
	regions string
	// fixed is the stack's role HCL, role ARN and regions once fixed with Terraform.
	fixed func(moto *acctest.MotoServer, account string) (hcl, roleARN, regions string)
	// want is the code, then words of the cause and of the fix.
	code, cause, fix string
}

// managedRole is the role and its policy made by the provider.
func managedRole(moto *acctest.MotoServer, account string) (string, string, string) {
	return memberRolePolicyHCL(moto, account), "costlink_aws_role.member.arn", `["us-east-1"]`
}

// adoptedRole is a hand-made role brought under costlink_aws_role and
// costlink_aws_role_policy with import blocks: Terraform repairs its trust
// policy and its policy.
func adoptedRole(moto *acctest.MotoServer, account string) (string, string, string) {
	access := moto.MemberAccountRoleARN(account)
	return fmt.Sprintf(`
import {
  to = costlink_aws_role.member
  id = "%[1]s,hand-made"
}

resource "costlink_aws_role" "member" {
  name            = "hand-made"
  path            = "/"
  assume_role_arn = %[1]q
}

resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  assume_role_arn = %[1]q
}
`, access), "costlink_aws_role.member.arn", `["us-east-1"]`
}

// handMadeRole makes the role outside Terraform with the trust policy given
// and the generated permissions.
func handMadeRole(trust func(externalID string) string) func(*testing.T, *acctest.Org, *acctest.MotoServer, string) (string, string) {
	return func(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, account string) (string, string) {
		o, err := org.Client.GetOrganization(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return "", fmt.Sprintf("%q", createRoleOutOfBand(t, org, moto.MemberIAM(t, account), trust(o.ExternalID)))
	}
}

func trustDocument(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func allowStatement(principal, condition string) string {
	return fmt.Sprintf(`{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"%s}`, principal, condition)
}

func externalIDCondition(id string) string {
	return fmt.Sprintf(`,"Condition":{"StringEquals":{"sts:ExternalId":%q}}`, id)
}

var mistakes = map[string]mistake{
	"role missing": {
		prepare: func(_ *testing.T, _ *acctest.Org, _ *acctest.MotoServer, account string) (string, string) {
			return "", fmt.Sprintf("%q", roleARN(account, "costlink-resource-access"))
		},
		regions: `["us-east-1"]`, fixed: managedRole,
		code: "role_not_found", cause: "does not exist", fix: "Create the role",
	},
	"wrong principal": {
		prepare: handMadeRole(func(id string) string {
			return trustDocument(allowStatement("arn:aws:iam::999999999999:root", externalIDCondition(id)))
		}),
		regions: `["us-east-1"]`, fixed: adoptedRole,
		code: "trust_principal_mismatch", cause: "does not allow the platform's principal", fix: "Add a statement allowing sts:AssumeRole for " + acctest.ServicePrincipalARN,
	},
	"wrong external ID": {
		prepare: handMadeRole(func(string) string {
			return trustDocument(allowStatement(acctest.ServicePrincipalARN, externalIDCondition("someone-elses-id")))
		}),
		regions: `["us-east-1"]`, fixed: adoptedRole,
		code: "external_id_mismatch", cause: "external ID other than the organization's", fix: "sts:ExternalId to",
	},
	"external ID condition missing": {
		prepare: handMadeRole(func(string) string { return trustDocument(allowStatement(acctest.ServicePrincipalARN, "")) }),
		regions: `["us-east-1"]`, fixed: adoptedRole,
		code: "external_id_condition_missing", cause: "without the organization's external ID", fix: "Add the condition StringEquals sts:ExternalId",
	},
	"explicit deny": {
		prepare: handMadeRole(func(id string) string {
			return trustDocument(allowStatement(acctest.ServicePrincipalARN, externalIDCondition(id)),
				`{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`)
		}),
		regions: `["us-east-1"]`, fixed: adoptedRole,
		code: "trust_explicit_deny", cause: "Deny", fix: "Remove the Deny statement",
	},
	"generated policy missing": {
		prepare: func(_ *testing.T, _ *acctest.Org, moto *acctest.MotoServer, account string) (string, string) {
			return fmt.Sprintf(`
resource "costlink_aws_role" "member" {
  assume_role_arn = %q
}
`, moto.MemberAccountRoleARN(account)), "costlink_aws_role.member.arn"
		},
		regions: `["us-east-1"]`, fixed: managedRole,
		code: "policy_missing", cause: "generated inline policy costlink-resource-1 is not on role", fix: "add costlink_aws_role_policy",
	},
	"policy outdated": {
		prepare: func(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, account string) (string, string) {
			o, err := org.Client.GetOrganization(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			memberIAM := moto.MemberIAM(t, account)
			arn := createRoleOutOfBand(t, org, memberIAM, trustDocument(allowStatement(acctest.ServicePrincipalARN, externalIDCondition(o.ExternalID))))
			// An older version: the same document name, one permission short.
			if _, err := memberIAM.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{
				RoleName: aws.String("hand-made"), PolicyName: aws.String(iampolicy.DocumentNamePrefix("resource") + "1"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*"}]}`),
			}); err != nil {
				t.Fatal(err)
			}
			return "", fmt.Sprintf("%q", arn)
		},
		regions: `["us-east-1"]`, fixed: adoptedRole,
		code: "policy_outdated", cause: "is not the current generated version", fix: "Apply costlink_aws_role_policy",
	},
	"STS deactivated in a listed region": {
		prepare: func(_ *testing.T, _ *acctest.Org, moto *acctest.MotoServer, account string) (string, string) {
			moto.DeactivateSTS(account, "eu-west-1")
			hcl, arn, _ := managedRole(moto, account)
			return hcl, arn
		},
		regions: `["us-east-1", "eu-west-1"]`, fixed: managedRole,
		code: "sts_region_inactive", cause: "eu-west-1", fix: "Activate eu-west-1",
	},
	"opt-in region not enabled": {
		prepare: func(_ *testing.T, _ *acctest.Org, moto *acctest.MotoServer, account string) (string, string) {
			hcl, arn, _ := managedRole(moto, account)
			return hcl, arn
		},
		regions: `["us-east-1", "eu-south-1"]`, fixed: managedRole,
		code: "region_not_enabled", cause: "eu-south-1", fix: "enable-region",
	},
}

// matrixConfig is the stack: the payer connection, the role HCL and the
// member connection with a 10-minute timeout.
func matrixConfig(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, roleHCL, roleARN, regions string) string {
	dependencies := []string{"costlink_aws_connection.payer"}
	if strings.Contains(roleHCL, `"costlink_aws_role_policy" "member"`) { // the permissions come before the check
		dependencies = append(dependencies, "costlink_aws_role_policy.member")
	}
	return org.ProviderConfigWithAWS(t, moto) + billingConnectionHCL + roleHCL + fmt.Sprintf(`
resource "costlink_aws_connection" "member" {
  name     = "member"
  role_arn = %s
  regions  = %s

  timeouts {
    create = "10m"
    update = "10m"
  }

  depends_on = [%s]
}
`, roleARN, regions, strings.Join(dependencies, ", "))
}

func TestAccConnectionHealth_mistakes(t *testing.T) {
	for name, m := range mistakes {
		t.Run(name, func(t *testing.T) {
			org := acctest.NewOrg(t)
			moto := acctest.Moto(t)
			account := moto.NewMemberAccount(t)
			brokenHCL, brokenARN := m.prepare(t, org, moto, account)
			fixedHCL, fixedARN, fixedRegions := m.fixed(moto, account)
			var started time.Time

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						PreConfig: func() { started = time.Now() },
						Config:    matrixConfig(t, org, moto, brokenHCL, brokenARN, m.regions),
						ExpectError: regexp.MustCompile(`(?s)waiting\s+will\s+not\s+fix\s+it.*` + words(m.code) + `:.*` + words(m.cause) +
							`.*Fix:.*` + words(m.fix) + `.*the\s+next\s+terraform\s+apply\s+replaces`),
					},
					{
						PreConfig: func() {
							if took := time.Since(started); took > failFastBound {
								t.Errorf("the mistake failed the apply after %s, want within %s of a 10-minute timeout", took, failFastBound)
							}
							// The failed connection is kept, once: the payer and it.
							if err := org.CheckConnectionCount(2); err != nil {
								t.Error(err)
							}
						},
						Config: matrixConfig(t, org, moto, fixedHCL, fixedARN, fixedRegions),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("costlink_aws_connection.member", tfjsonpath.New("health_status"), knownvalue.StringExact("healthy")),
							statecheck.ExpectKnownValue("costlink_aws_connection.member", tfjsonpath.New("health_details"), knownvalue.ListSizeExact(0)),
						},
						Check: func(*terraform.State) error { return org.CheckConnectionCount(2) },
					},
				},
				CheckDestroy: org.CheckNoConnections,
			})
		})
	}
}

// words matches s with any run of white space between its words, as
// Terraform wraps long diagnostics.
func words(s string) string {
	fields := strings.Fields(s)
	for i, f := range fields {
		fields[i] = regexp.QuoteMeta(f)
	}
	return strings.Join(fields, `\s+`)
}

// TestAccConnectionHealth_waitsOutPropagation: a correct new role that AWS
// refuses to the platform for a while, as IAM propagates it, is waited out
// and ends healthy.
func TestAccConnectionHealth_waitsOutPropagation(t *testing.T) {
	const window = 20 * time.Second
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	moto.SetPropagationWindow(account, window)
	hcl, arn, regions := managedRole(moto, account)
	var started time.Time

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { started = time.Now() },
			Config:    matrixConfig(t, org, moto, hcl, arn, regions),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("costlink_aws_connection.member", tfjsonpath.New("health_status"), knownvalue.StringExact("healthy")),
			},
			Check: func(*terraform.State) error {
				if took := time.Since(started); took < window {
					return fmt.Errorf("the apply took %s, less than the %s the role was refused: the denial was not waited out", took, window)
				}
				return nil
			},
		}},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccConnectionHealth_failedUpdateWaitsAgain: an update whose wait
// failed keeps its changes and its unhealthy status, and the next apply
// checks and waits again instead of saying "No changes"; the fix made with
// Terraform ends healthy.
func TestAccConnectionHealth_failedUpdateWaitsAgain(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	moto.DeactivateSTS(account, "eu-west-1")
	hcl, arn, regions := managedRole(moto, account)
	withInactiveRegion := matrixConfig(t, org, moto, hcl, arn, `["us-east-1", "eu-west-1"]`)
	failedUpdate := regexp.MustCompile(`(?s)waiting\s+will\s+not\s+fix\s+it.*sts_region_inactive:.*eu-west-1.*changes\s+are\s+saved.*` +
		`health_status\s+as\s+known\s+after\s+apply`)
	const addr = "costlink_aws_connection.member"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: matrixConfig(t, org, moto, hcl, arn, regions)},
			{Config: withInactiveRegion, ExpectError: failedUpdate},
			{
				// Nothing in the configuration changed: the plan proposes
				// the wait again, and the apply checks again.
				Config: withInactiveRegion,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("health_status")),
				}},
				ExpectError: failedUpdate,
			},
			{
				Config: matrixConfig(t, org, moto, hcl, arn, regions),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("health_status"), knownvalue.StringExact("healthy")),
				},
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccConnectionHealth_roleChangeChecksNow: a change to the role's
// policies through Terraform has the service check the role's connections
// in that apply, even one that does not wait: removing the policy turns it
// red and putting it back green, with no periodic check and no other call.
func TestAccConnectionHealth_roleChangeChecksNow(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	hcl, arn, regions := managedRole(moto, account)
	// The role and a connection that does not wait, with or without the
	// role's policy.
	config := func(policy string) string {
		return org.ProviderConfigWithAWS(t, moto) + billingConnectionHCL + fmt.Sprintf(`
resource "costlink_aws_role" "member" {
  assume_role_arn = %[1]q
}
%[2]s
resource "costlink_aws_connection" "member" {
  name             = "member"
  role_arn         = costlink_aws_role.member.arn
  regions          = %[3]s
  wait_for_healthy = false
  depends_on       = [costlink_aws_connection.payer]
}
`, moto.MemberAccountRoleARN(account), policy, regions)
	}
	policy := fmt.Sprintf(`
resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  assume_role_arn = %q
}
`, moto.MemberAccountRoleARN(account))
	serviceSays := func(status, code string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			h := org.ConnectionNamed(t, "member").Health
			if h.Status != status || (code != "" && (len(h.Details) == 0 || h.Details[0].Code != code)) {
				return fmt.Errorf("the service says %s %v, want %s %s", h.Status, h.Details, status, code)
			}
			return nil
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: matrixConfig(t, org, moto, hcl, arn, regions), Check: serviceSays("healthy", "")},
			{Config: config(""), Check: serviceSays("unhealthy", "policy_missing")},
			{Config: config(policy), Check: serviceSays("healthy", "")},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}
