package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

// threeAccountsHCL onboards three accounts and reads, per account, the
// generated policy and the connection's health: six reads that each need
// the service at plan.
const threeAccountsHCL = `
locals {
  accounts = {
    prod    = "111111111111"
    staging = "222222222222"
    dev     = "333333333333"
  }
}

data "costlink_aws_policy" "account" {
  for_each = local.accounts
}

data "costlink_connection_health" "account" {
  for_each = local.accounts
  name     = each.key
}

resource "costlink_aws_connection" "account" {
  for_each         = local.accounts
  name             = each.key
  role_arn         = "arn:aws:iam::${each.value}:role/costlink-resource-access"
  wait_for_healthy = false
}
`

// Measured in issue 9: with the service down, plan sat silent for 106 s
// (three accounts), then printed one "giving up after 6 attempts" error per
// resource.
func TestAccProvider_unreachableServiceFailsOnceWithinSeconds(t *testing.T) {
	url := testnet.ClosedURL(t)
	config := fmt.Sprintf(`
provider "costlink" {
  api_url = %q
  api_key = "clk_0123456789abcdef0123456789abcdef01234567"
}
`, url) + threeAccountsHCL

	took, failure := planFailure(t, config)

	checkOneError(t, failure, "Cannot reach the costlink service", url+", the URL from the provider's api_url argument",
		"connection refused", "Check that the URL is right")
	if took > 20*time.Second {
		t.Errorf("plan failed after %s, want within 20 s", took)
	}
}

// Measured in issue 9: a wrong key printed the same error once per resource,
// with its hint twice.
func TestAccProvider_refusedKeyFailsOnceNamingItsSource(t *testing.T) {
	org := acctest.NewOrg(t)
	t.Setenv(client.EnvAPIKey, "clk_not_a_key_of_this_service")
	config := fmt.Sprintf(`
provider "costlink" {
  api_url = %q
}
`, org.APIURL) + threeAccountsHCL

	_, failure := planFailure(t, config)

	checkOneError(t, failure, "The costlink API key was not accepted",
		"refused the API key from the "+client.EnvAPIKey+" environment variable (401)")
	if n := strings.Count(failure.Error(), "Check that"); n != 1 {
		t.Errorf("the error says what to check %d times, want once:\n%s", n, failure)
	}
}

// planFailure plans config with the real terraform CLI and returns how long
// the step took and the error it failed with, failing the test if the plan
// succeeds.
func planFailure(t *testing.T, config string) (time.Duration, error) {
	t.Helper()
	var (
		start   time.Time
		took    time.Duration
		failure error
	)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Called with the step's error instead of failing the test, so the
		// whole output can be examined, which ExpectError cannot count in.
		ErrorCheck: func(err error) error {
			failure, took = err, time.Since(start)
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: func() { start = time.Now() },
			Config:    config,
			PlanOnly:  true,
		}},
	})
	if failure == nil {
		t.Fatal("the plan succeeded, want it to fail")
	}
	return took, failure
}

var terraformError = regexp.MustCompile(`(?m)^(?:│ )?Error: `)

// checkOneError checks that Terraform's output holds exactly one error, and
// that it contains each phrase (matched across Terraform's line wrapping).
func checkOneError(t *testing.T, failure error, phrases ...string) {
	t.Helper()
	output := failure.Error()
	if n := len(terraformError.FindAllString(output, -1)); n != 1 {
		t.Errorf("Terraform printed %d errors, want 1:\n%s", n, output)
	}
	for _, phrase := range phrases {
		if !expectErrorPhrase(phrase).MatchString(output) {
			t.Errorf("the error does not say %q:\n%s", phrase, output)
		}
	}
}
