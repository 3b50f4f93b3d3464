package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

// membersWaitedHCL is a member account per account ID: role, generated
// policy and a connection of regions that does not wait, and one
// costlink_connections_healthy over every connection. (count, not
// for_each: terraform-plugin-testing cannot read for_each state.)
func membersWaitedHCL(moto *acctest.MotoServer, accounts []string, regions string) string {
	access := make([]string, len(accounts))
	for i, account := range accounts {
		access[i] = fmt.Sprintf("%q", moto.MemberAccountRoleARN(account))
	}
	return fmt.Sprintf(`
locals {
  member_access = [%s]
}

resource "costlink_aws_role" "member" {
  count = length(local.member_access)

  assume_role_arn = local.member_access[count.index]
}

resource "costlink_aws_role_policy" "member" {
  count = length(local.member_access)

  role_name       = costlink_aws_role.member[count.index].name
  assume_role_arn = local.member_access[count.index]
}

resource "costlink_aws_connection" "member" {
  count = length(local.member_access)

  name             = "member-${count.index}"
  role_arn         = costlink_aws_role.member[count.index].arn
  regions          = %s
  wait_for_healthy = false

  depends_on = [costlink_aws_connection.payer, costlink_aws_role_policy.member]
}

resource "costlink_connections_healthy" "members" {
  ids = costlink_aws_connection.member[*].id
}
`, strings.Join(access, ", "), regions)
}

// TestAccConnectionsHealthy_onePropagationWindow: a dozen member accounts
// whose new roles AWS refuses for a while, applied two resources at a time,
// wait together: about one propagation window, where connections that each
// wait would queue for 12 / 2 windows.
func TestAccConnectionsHealthy_onePropagationWindow(t *testing.T) {
	const (
		members     = 12
		parallelism = 2
		window      = 20 * time.Second
	)
	t.Setenv("TF_CLI_ARGS_apply", fmt.Sprintf("-parallelism=%d", parallelism))
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	accounts := make([]string, members)
	for i := range accounts {
		accounts[i] = moto.NewMemberAccount(t)
		moto.SetPropagationWindow(accounts[i], window)
	}
	config := org.ProviderConfigWithAWS(t, moto) + billingConnectionHCL + membersWaitedHCL(moto, accounts, `["us-east-1"]`)
	var started time.Time

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { started = time.Now() },
				Config:    config,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAllHealthy("costlink_connections_healthy.members", members),
					func(*terraform.State) error { return checkOneWindow(t, org, started, window, members/parallelism) },
				),
			},
			{
				// Healthy, so nothing to wait for: the plan is empty.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// checkAllHealthy checks that the wait saved every member connection's
// status, healthy.
func checkAllHealthy(addr string, members int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in state", addr)
		}
		healthy := 0
		for key, value := range rs.Primary.Attributes {
			if strings.HasPrefix(key, "statuses.conn_") && value == "healthy" {
				healthy++
			}
		}
		if healthy != members {
			return fmt.Errorf("%s saved %d healthy statuses, want %d: %v", addr, healthy, members, rs.Primary.Attributes)
		}
		return nil
	}
}

// checkOneWindow fails unless the apply that began at started ended within
// three propagation windows of its last connection's creation (the part of
// the apply that does not wait), and prints the figures beside what
// waiting per resource would take: queued windows.
func checkOneWindow(t *testing.T, org *acctest.Org, started time.Time, window time.Duration, queued int) error {
	took := time.Since(started)
	var lastCreated time.Time
	for _, c := range org.Connections(t) {
		if c.CreatedAt.After(lastCreated) {
			lastCreated = c.CreatedAt
		}
		if c.Type == "resource" && c.Health.Status != "healthy" {
			return fmt.Errorf("connection %s is %s after the wait", c.Name, c.Health.Status)
		}
	}
	registering := lastCreated.Sub(started)
	waited := took - registering
	t.Logf("apply %s: registering %s, then waiting %s for all; a %s propagation window; waiting per resource would take at least %d windows (%s)",
		took.Round(100*time.Millisecond), registering.Round(100*time.Millisecond), waited.Round(100*time.Millisecond),
		window, queued, time.Duration(queued)*window)
	if limit := registering + 3*window; took > limit {
		return fmt.Errorf("the apply took %s, more than its %s of registering plus three propagation windows (%s): the waits queued",
			took, registering, limit)
	}
	return nil
}

// TestAccConnectionsHealthy_mistakeFailsAtOnce: one member's role trusts
// the platform without the external ID: the wait fails at once, naming that
// connection, the code and the fix, while the other turns healthy.
func TestAccConnectionsHealthy_mistakeFailsAtOnce(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	good := moto.NewMemberAccount(t)
	bad := moto.NewMemberAccount(t)
	badRole := createRoleOutOfBand(t, org, moto.MemberIAM(t, bad), trustDocument(allowStatement(acctest.ServicePrincipalARN, "")))
	moto.AwaitPropagation(t, badRole)
	config := org.ProviderConfigWithAWS(t, moto) + billingConnectionHCL + membersWaitedHCL(moto, []string{good}, `["us-east-1"]`) + fmt.Sprintf(`
resource "costlink_aws_connection" "bad" {
  name             = "bad"
  role_arn         = %q
  wait_for_healthy = false

  depends_on = [costlink_aws_connection.payer]
}

resource "costlink_connections_healthy" "both" {
  ids = [costlink_aws_connection.bad.id, costlink_aws_connection.member[0].id]
}
`, badRole)
	var started time.Time

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { started = time.Now() },
			Config:    config,
			ExpectError: regexp.MustCompile(`(?s)` + words("The connections did not turn healthy") + `.*` +
				words("Connection bad (conn_") + `\w+\)\s+` + words("is unhealthy, and waiting will not fix it") + `.*external_id_condition_missing:.*` +
				words("without the organization's external ID") + `.*Fix:.*` + words("Add the condition StringEquals sts:ExternalId") +
				`.*` + words("Nothing was saved")),
		}, {
			PreConfig: func() {
				if took := time.Since(started); took > failFastBound {
					t.Errorf("the mistake failed the apply after %s, want within %s", took, failFastBound)
				}
				if id := org.ConnectionNamed(t, "bad").ID; id == "" {
					t.Error("the broken connection is not registered")
				}
			},
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true, // the wait is proposed again
		}},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccConnectionsHealthy_waitsAgainWhileUnhealthy: a connection that
// turns red after the wait makes the next plan propose the wait again; a
// wait that fails saves the statuses, and the plan after it proposes the
// wait once more.
func TestAccConnectionsHealthy_waitsAgainWhileUnhealthy(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	config := org.ProviderConfigWithAWS(t, moto) + billingConnectionHCL + membersWaitedHCL(moto, []string{account}, `["us-east-1", "eu-west-1"]`)
	const addr = "costlink_connections_healthy.members"
	proposesWait := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(addr, tfjsonpath.New("statuses")),
	}}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, Check: checkAllHealthy(addr, 1)},
			{
				// STS is deactivated in a listed region, and a check finds it.
				PreConfig: func() {
					moto.DeactivateSTS(account, "eu-west-1")
					if _, err := org.Client.CheckHealth(t.Context(), org.ConnectionNamed(t, "member-0").ID); err != nil {
						t.Fatal(err)
					}
				},
				Config:           config,
				ConfigPlanChecks: proposesWait,
				ExpectError: regexp.MustCompile(`(?s)` + words("Connection member-0 (conn_") + `.*sts_region_inactive:.*eu-west-1.*` +
					words("The statuses are saved")),
			},
			{Config: config, ConfigPlanChecks: proposesWait, ExpectError: regexp.MustCompile(`sts_region_inactive`)},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}
