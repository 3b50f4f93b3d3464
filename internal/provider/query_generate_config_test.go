package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// generateConfigQuery lists every connection of the organization and the
// roles under one path of the provider's own account, with the state an
// import reads, as -generate-config-out needs it.
const generateConfigQuery = `
list "costlink_aws_connection" "organization" {
  provider         = costlink
  include_resource = true
}

list "costlink_aws_role" "own_account" {
  provider         = costlink
  include_resource = true
  config {
    path_prefix = "/costlink-query/"
  }
}
`

// TestAccQuery_generateConfigImportsWithoutChanges: the way README's "Bring
// existing connections under Terraform" tells it, with the real CLI: in an
// empty configuration, terraform query -generate-config-out writes a
// resource and an import block for each connection and role made outside
// Terraform; the plan of that file imports every one of them and changes
// nothing, and after the apply the plan is empty.
func TestAccQuery_generateConfigImportsWithoutChanges(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	terraform := acctest.TerraformAtLeast(t, 1, 14, "terraform query")
	t.Parallel()

	// Onboarded by hand: a payer, two members, and a role in the provider's
	// own account trusting the platform for this organization.
	org.SeedConnections(t, []client.CreateConnectionRequest{
		{Name: "payer", Type: validate.TypeBilling, RoleARN: roleARN(testPayerAccount, "costlink-billing-access"), BillingBucket: "acme-billing-export"},
		{Name: "prod-payments", RoleARN: roleARN(testMemberAccount, "costlink-resource-access"), Regions: []string{"us-east-1", "eu-west-1"}},
		{Name: "prod-search", RoleARN: roleARN(testOtherAccount, "costlink-resource-access")},
	})
	organization, err := org.Client.GetOrganization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	trust, err := iampolicy.TrustPolicy(acctest.ServicePrincipalARN, organization.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	own := moto.DirectIAM(acctest.ServiceAccountID)
	roleName := "by-hand-" + org.Name // unique among the tests sharing the account
	if _, err := own.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(roleName), Path: aws.String("/costlink-query/"), AssumeRolePolicyDocument: aws.String(trust),
		Description: aws.String("made in the console"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = own.DeleteRole(context.Background(), &iam.DeleteRoleInput{RoleName: aws.String(roleName)})
	})

	dir := t.TempDir()
	main := `terraform {
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}
` + org.ProviderConfigWithAWS(t, moto)
	for name, content := range map[string]string{"main.tf": main, "organization.tfquery.hcl": generateConfigQuery} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := examplesEnv(t, acctest.ModuleRoot(t))

	runTerraform(t, terraform, dir, env, "query", "-generate-config-out=generated.tf", "-no-color")
	generated, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
	if err != nil {
		t.Fatalf("terraform query -generate-config-out wrote nothing: %v", err)
	}
	for block, want := range map[string]int{`resource "costlink_aws_connection"`: 3, `resource "costlink_aws_role"`: 1, "import {": 4, "identity = {": 4} {
		if got := strings.Count(string(generated), block); got != want {
			t.Errorf("generated.tf has %d of %s, want %d:\n%s", got, block, want, generated)
		}
	}

	runTerraform(t, terraform, dir, env, "plan", "-out=tfplan", "-input=false", "-no-color")
	out, err := terraformOutput(t, terraform, dir, env, "show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	if len(plan.ResourceChanges) != 4 {
		t.Errorf("the plan of generated.tf has %d resource changes, want the 4 imports", len(plan.ResourceChanges))
	}
	for _, rc := range plan.ResourceChanges {
		if rc.Change.Importing == nil || !rc.Change.Actions.NoOp() {
			t.Errorf("%s: actions %v, importing %v; want an import and no change (before %v, after %v)",
				rc.Address, rc.Change.Actions, rc.Change.Importing != nil, rc.Change.Before, rc.Change.After)
		}
	}

	runTerraform(t, terraform, dir, env, "apply", "-input=false", "-no-color", "tfplan")
	if out, err := terraformOutput(t, terraform, dir, env, "plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after importing what terraform query found is not empty (%v):\n%s", err, tail(out, 60))
	}
}
