package provider

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

const healthAddr = "data.costlink_connection_health.member"

// Ways the health data source finds the connection. By ID it is read after
// the connection's changes are applied; by name, while planning.
const (
	healthByID   = `id = costlink_aws_connection.member.id`
	healthByName = `name = "member"`
)

// healthFlowConfig is the whole flow for one member account: the role, its
// generated policy and the connection that waits until it is healthy, with
// a health data source that runs a check whenever it is read.
func healthFlowConfig(t *testing.T, org *acctest.Org, moto *acctest.MotoServer, account, selectConnection string) string {
	// eu-south-1 is an opt-in region: the account has enabled it, as it must.
	moto.EnableRegion(account, "eu-south-1")
	return org.ProviderConfigWithAWS(t, moto) + billingConnectionHCL + memberRolePolicyHCL(moto, account) + `
resource "costlink_aws_connection" "member" {
  name       = "member"
  role_arn   = costlink_aws_role.member.arn
  regions    = ["us-east-1", "eu-south-1"]
  depends_on = [costlink_aws_connection.payer, costlink_aws_role_policy.member]
}

data "costlink_connection_health" "member" {
  ` + selectConnection + `
  refresh = true
}
`
}

// expectHealth checks the data source's status and first detail code.
func expectHealth(status, code string) []statecheck.StateCheck {
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(healthAddr, tfjsonpath.New("status"), knownvalue.StringExact(status)),
		statecheck.ExpectKnownValue(healthAddr, tfjsonpath.New("healthy"), knownvalue.Bool(status == "healthy")),
	}
	if code == "" {
		return append(checks, statecheck.ExpectKnownValue(healthAddr, tfjsonpath.New("details"), knownvalue.ListSizeExact(0)))
	}
	return append(checks, statecheck.ExpectKnownValue(healthAddr, tfjsonpath.New("details").AtSliceIndex(0).AtMapKey("code"), knownvalue.StringExact(code)))
}

func TestAccConnectionHealth_flow(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	config := healthFlowConfig(t, org, moto, account, healthByID)
	// Once the connection exists, by name: read while planning, before apply
	// recreates the role, the data source shows what the check found.
	configByName := healthFlowConfig(t, org, moto, account, healthByName)
	healthy := append(expectHealth("healthy", ""),
		statecheck.ExpectKnownValue("costlink_aws_connection.member", tfjsonpath.New("health_status"), knownvalue.StringExact("healthy")),
		statecheck.ExpectKnownValue(healthAddr, tfjsonpath.New("checked_at"), knownvalue.NotNull()),
		statecheck.ExpectKnownValue(healthAddr, tfjsonpath.New("last_healthy_at"), knownvalue.NotNull()),
	)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: healthy},
			{
				// The data source is read while planning, before apply repairs
				// the policy: it shows what the check found.
				PreConfig: func() {
					_, err := memberIAM.DeleteRolePolicy(context.Background(), &iam.DeleteRolePolicyInput{
						RoleName: aws.String("costlink-resource-access"), PolicyName: aws.String(iampolicy.DocumentNamePrefix("resource") + "1"),
					})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:            config,
				ConfigStateChecks: expectHealth("unhealthy", "policy_missing"),
			},
			{Config: config, ConfigStateChecks: expectHealth("healthy", "")},
			{
				// AWS tells the platform only AccessDenied for a role that is
				// gone; the provider's wait is what names role_not_found.
				PreConfig:         func() { deleteRoleOutOfBand(t, memberIAM, "costlink-resource-access") },
				Config:            configByName,
				ConfigStateChecks: expectHealth("unhealthy", "assume_role_denied"),
			},
			{Config: configByName, ConfigStateChecks: healthy},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// createRoleOutOfBand makes a role the way a team without costlink_aws_role
// would, with the generated permissions and the given trust policy.
func createRoleOutOfBand(t *testing.T, org *acctest.Org, memberIAM *iam.Client, trust string) string {
	ctx := context.Background()
	policy, err := org.Client.GetPolicy(ctx, "resource", "")
	if err != nil {
		t.Fatal(err)
	}
	role := aws.String("hand-made")
	out, err := memberIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: role, AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range policy.Documents {
		if _, err := memberIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: aws.String(doc.Name), PolicyDocument: aws.String(doc.JSON)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, arn := range policy.ManagedPolicyARNs {
		if _, err := memberIAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

// TestAccConnectionHealth_newerPolicy: a newer generated policy makes the
// connection policy_outdated until costlink_aws_role_policy applies it.
func TestAccConnectionHealth_newerPolicy(t *testing.T) {
	var newer atomic.Bool
	org := acctest.NewOrgInOwnService(t, acctest.ServiceOptions{GeneratePolicy: func(in iampolicy.Input) (iampolicy.Policy, error) {
		p, err := iampolicy.Generate(in)
		if err == nil && newer.Load() {
			p, err = withExtraStatement(p, `{"Effect":"Allow","Action":["servicequotas:GetServiceQuota"],"Resource":"*"}`)
		}
		return p, err
	}})
	moto := acctest.Moto(t)
	config := healthFlowConfig(t, org, moto, moto.NewMemberAccount(t), healthByID)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: expectHealth("healthy", "")},
			{
				// Read while planning, before apply puts the newer policy on the role.
				PreConfig:         func() { newer.Store(true) },
				Config:            config,
				ConfigStateChecks: expectHealth("unhealthy", "policy_outdated"),
			},
			{Config: config, ConfigStateChecks: expectHealth("healthy", "")},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// withExtraStatement is p with one more statement in its first document,
// as the platform needing another permission would generate it.
func withExtraStatement(p iampolicy.Policy, statement string) (iampolicy.Policy, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(p.Documents[0].JSON), &doc); err != nil {
		return p, err
	}
	var st any
	if err := json.Unmarshal([]byte(statement), &st); err != nil {
		return p, err
	}
	doc["Statement"] = append(doc["Statement"].([]any), st)
	b, err := json.Marshal(doc)
	if err != nil {
		return p, err
	}
	p.Documents = slices.Clone(p.Documents)
	p.Documents[0].JSON = string(b)
	p.Version = "newer-" + p.Version
	return p, nil
}

func TestAccConnectionsDataSource(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	config := healthFlowConfig(t, org, moto, moto.NewMemberAccount(t), healthByID) + `
data "costlink_connections" "healthy_members" {
  type          = "resource"
  health_status = "healthy"
  depends_on    = [costlink_aws_connection.member]
}

data "costlink_connections" "all" {
  depends_on = [costlink_aws_connection.member]
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.costlink_connections.all", tfjsonpath.New("connections"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.costlink_connections.healthy_members", tfjsonpath.New("connections"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name":           knownvalue.StringExact("member"),
						"health_status":  knownvalue.StringExact("healthy"),
						"health_details": knownvalue.ListSizeExact(0),
						"regions":        knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("eu-south-1"), knownvalue.StringExact("us-east-1")}),
					}),
				})),
			},
		}},
		CheckDestroy: org.CheckNoConnections,
	})
}

// refresh keeps working (TestAccConnectionHealth_flow) and warns, when set,
// that the costlink_connection_check action replaces it.
func TestConnectionHealthDataSource_refreshDeprecated(t *testing.T) {
	server, schemas := servedSchemas(t)
	s := schemas.DataSourceSchemas["costlink_connection_health"]
	for refresh, wantWarning := range map[any]bool{true: true, false: true, nil: false} {
		resp, err := server.ValidateDataResourceConfig(t.Context(), &tfprotov6.ValidateDataResourceConfigRequest{
			TypeName: "costlink_connection_health",
			Config: configOf(t, s, map[string]tftypes.Value{
				"id":      tftypes.NewValue(tftypes.String, "conn_0123456789abcdef0123"),
				"refresh": tftypes.NewValue(tftypes.Bool, refresh),
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		warned := slices.ContainsFunc(resp.Diagnostics, func(d *tfprotov6.Diagnostic) bool {
			return d.Severity == tfprotov6.DiagnosticSeverityWarning && strings.Contains(d.Detail, "costlink_connection_check action")
		})
		if warned != wantWarning {
			t.Errorf("refresh = %v: warned %v, want %v; diagnostics:\n%s", refresh, warned, wantWarning, diagnosticsText(resp.Diagnostics))
		}
	}
}
