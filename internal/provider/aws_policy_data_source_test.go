package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

func TestAccAWSPolicyDataSource(t *testing.T) {
	org := acctest.NewOrg(t)
	orgInfo, err := org.Client.GetOrganization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	billing, err := org.Client.GetPolicy(context.Background(), "billing", "acme-cur")
	if err != nil {
		t.Fatal(err)
	}
	const addr = "data.costlink_aws_policy.billing"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      org.ProviderConfig() + `data "costlink_aws_policy" "billing" { type = "billing" }`,
				ExpectError: expectErrorPhrase(`billing_bucket is required for a "billing" connection`),
			},
			{
				Config: org.ProviderConfig() + `
data "costlink_aws_policy" "resource" {}

data "costlink_aws_policy" "billing" {
  type           = "billing"
  billing_bucket = "acme-cur"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("external_id"), knownvalue.StringExact(orgInfo.ExternalID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("principal_arn"), knownvalue.StringExact(acctest.ServicePrincipalARN)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact(billing.Version)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("trust_policy_json"), knownvalue.StringExact(billing.TrustPolicy)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("documents").AtSliceIndex(0).AtMapKey("json"), knownvalue.StringExact(billing.Documents[0].JSON)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("managed_policy_arns"), knownvalue.ListSizeExact(len(billing.ManagedPolicyARNs))),
					statecheck.ExpectKnownValue("data.costlink_aws_policy.resource", tfjsonpath.New("version"), knownvalue.NotNull()),
				},
			},
		},
	})
}
