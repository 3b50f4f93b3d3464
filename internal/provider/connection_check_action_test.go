package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

const checkActionType = "costlink_connection_check"

// servedSchemas is the provider's schema as Terraform receives it.
func servedSchemas(t *testing.T) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return server, resp
}

// configOf is a configuration of the schema: the values given, null
// elsewhere.
func configOf(t *testing.T, s *tfprotov6.Schema, values map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	objectType := s.ValueType().(tftypes.Object)
	attrs := map[string]tftypes.Value{}
	for name, typ := range objectType.AttributeTypes {
		attrs[name] = tftypes.NewValue(typ, nil)
		if v, ok := values[name]; ok {
			attrs[name] = v
		}
	}
	config, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, attrs))
	if err != nil {
		t.Fatal(err)
	}
	return &config
}

func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%v] %s: %s\n", d.Severity, d.Summary, d.Detail)
	}
	return b.String()
}

func TestConnectionCheckAction_validatesID(t *testing.T) {
	server, schemas := servedSchemas(t)
	s, ok := schemas.ActionSchemas[checkActionType]
	if !ok {
		t.Fatalf("the provider serves no %s action; it serves %v", checkActionType, schemas.ActionSchemas)
	}
	actions, ok := server.(tfprotov6.ActionServer)
	if !ok {
		t.Fatalf("the provider server %T serves no actions", server)
	}
	for id, wantError := range map[string]bool{"": true, "conn_0123456789abcdef0123": false} {
		resp, err := actions.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{
			ActionType: checkActionType,
			Config:     configOf(t, s.Schema, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, id)}),
		})
		if err != nil {
			t.Fatal(err)
		}
		gotError := slices.ContainsFunc(resp.Diagnostics, func(d *tfprotov6.Diagnostic) bool {
			return d.Severity == tfprotov6.DiagnosticSeverityError
		})
		if gotError != wantError {
			t.Errorf("id %q: error %v, want %v; diagnostics:\n%s", id, gotError, wantError, diagnosticsText(resp.Diagnostics))
		}
	}
}

// checkedConnectionHCL is a member account's role, its generated policy
// (whose creation and changes check the connection with the action) and
// its connection, with the action and one for a connection that does not
// exist.
func checkedConnectionHCL(moto *acctest.MotoServer, account string) string {
	return billingConnectionHCL + fmt.Sprintf(`
locals {
  member_access = %q
}

resource "costlink_aws_role" "member" {
  assume_role_arn = local.member_access
}

resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  assume_role_arn = local.member_access

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.costlink_connection_check.member]
    }
  }
}

resource "costlink_aws_connection" "member" {
  name       = "member"
  role_arn   = costlink_aws_role.member.arn
  regions    = ["us-east-1", "eu-west-1"]
  depends_on = [costlink_aws_connection.payer, costlink_aws_role_policy.member]
}

action "costlink_connection_check" "member" {
  config {
    id = costlink_aws_connection.member.id
  }
}

action "costlink_connection_check" "gone" {
  config {
    id = %q
  }
}
`, moto.MemberAccountRoleARN(account), goneConnectionID)
}

// goneConnectionID is an ID of the service's form that no connection has.
const goneConnectionID = "conn_00000000000000000000"

// deleteGeneratedPolicy removes the role's first generated inline policy,
// as someone working in the AWS console would.
func deleteGeneratedPolicy(t *testing.T, memberIAM *iam.Client) {
	t.Helper()
	_, err := memberIAM.DeleteRolePolicy(context.Background(), &iam.DeleteRolePolicyInput{
		RoleName: aws.String("costlink-resource-access"), PolicyName: aws.String(iampolicy.DocumentNamePrefix("resource") + "1"),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// expectCheckTriggered is a plan check: the plan invokes the action after
// the role policy's change.
type expectCheckTriggered string

func (event expectCheckTriggered) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, inv := range req.Plan.ActionInvocations {
		if trigger := inv.LifecycleActionTrigger; inv.Address == "action.costlink_connection_check.member" && trigger != nil &&
			trigger.TriggeringResourceAddress == rolePolicyAddr && trigger.ActionTriggerEvent == string(event) {
			return
		}
	}
	got, _ := json.Marshal(req.Plan.ActionInvocations)
	resp.Error = fmt.Errorf("the plan does not invoke the check %s of %s; it invokes %s", event, rolePolicyAddr, got)
}

// The check runs after the role policy is created or changed, and an
// unhealthy result fails the apply that triggered it.
func TestAccConnectionCheckAction_trigger(t *testing.T) {
	org := acctest.NewOrg(t)
	acctest.TerraformAtLeast(t, 1, 14, "actions") // skips before the setup, as SkipBelow below does after it
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	config := org.ProviderConfigWithAWS(t, moto) + checkedConnectionHCL(moto, account)
	triggered := func(change plancheck.ResourceActionType, event string) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(rolePolicyAddr, change),
			expectCheckTriggered(event),
		}}
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigPlanChecks: triggered(plancheck.ResourceActionCreate, "AfterCreate")},
			{
				// The repair of the policy checks the connection: healthy.
				PreConfig:        func() { deleteGeneratedPolicy(t, memberIAM) },
				Config:           config,
				ConfigPlanChecks: triggered(plancheck.ResourceActionUpdate, "AfterUpdate"),
			},
			{
				// The repair is checked again, and this time STS is off in
				// one of the connection's regions: the check fails the apply.
				PreConfig: func() {
					deleteGeneratedPolicy(t, memberIAM)
					moto.DeactivateSTS(account, "eu-west-1")
				},
				Config:           config,
				ConfigPlanChecks: triggered(plancheck.ResourceActionUpdate, "AfterUpdate"),
				ExpectError:      regexp.MustCompile(`(?s)` + expectErrorPhrase(summaryUnhealthy).String() + `.*sts_region_inactive`),
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// TestAccConnectionCheckAction_invoke runs the check as a CI job does,
// with terraform apply -invoke, in a configuration applied by the real CLI.
func TestAccConnectionCheckAction_invoke(t *testing.T) {
	org := acctest.NewOrg(t) // skips without TF_ACC
	t.Parallel()
	terraform := acctest.TerraformAtLeast(t, 1, 14, "actions")
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	dir := t.TempDir()
	config := `terraform {
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}
` + org.ProviderConfigWithAWS(t, moto) + checkedConnectionHCL(moto, account)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := examplesEnv(t, acctest.ModuleRoot(t))
	runTerraform(t, terraform, dir, env, "apply", "-auto-approve", "-input=false", "-no-color")
	defer func() { // before Cleanup, which cancels t.Context
		if out, err := terraformOutput(t, terraform, dir, env, "destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
			t.Errorf("terraform destroy: %v\n%s", err, out)
		}
	}()
	conn := org.ConnectionNamed(t, "member")

	invoke := func(action string) (string, error) {
		out, err := terraformOutput(t, terraform, dir, env, "apply", "-invoke=action.costlink_connection_check."+action,
			"-auto-approve", "-input=false", "-no-color")
		// Terraform draws a box around each diagnostic and wraps its lines.
		return strings.Join(strings.Fields(strings.ReplaceAll(out, "│", " ")), " "), err
	}
	// checked runs f and returns the connection's health, failing unless a
	// check ran meanwhile; check times are to the second.
	checked := func(f func()) client.Health {
		t.Helper()
		before := conn.Health.CheckedAt
		time.Sleep(time.Until(before.Truncate(time.Second).Add(time.Second)))
		f()
		h, err := org.Client.GetHealth(t.Context(), conn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.CheckedAt == nil || !h.CheckedAt.After(*before) {
			t.Fatalf("the connection was last checked at %v, before the action ran (%v): no check ran", h.CheckedAt, before)
		}
		conn.Health = *h
		return *h
	}

	label := "Connection member (" + conn.ID + ")"
	checked(func() {
		out, err := invoke("member")
		if err != nil {
			t.Fatalf("checking a healthy connection: %v\n%s", err, out)
		}
		if !strings.Contains(out, label+" is healthy") {
			t.Errorf("the output does not say %q:\n%s", label+" is healthy", out)
		}
	})

	deleteGeneratedPolicy(t, memberIAM)
	h := checked(func() {
		out, err := invoke("member")
		if exit := (*exec.ExitError)(nil); !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("checking a connection without its policy: %v, want exit code 1\n%s", err, out)
		}
		// The provider read the role to tell a missing policy from IAM
		// catching up: the remediation is the provider's.
		for _, want := range []string{
			summaryUnhealthy, label + " is unhealthy, and waiting will not fix it (status unhealthy).",
			"- policy_missing: the generated inline policy " + iampolicy.DocumentNamePrefix("resource") + "1 is not on role " + conn.RoleARN,
			"Fix: Put the generated inline policy",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the output does not say %q:\n%s", want, out)
			}
		}
	})
	if h.Status != client.HealthUnhealthy {
		t.Errorf("the service holds status %s after the check, want unhealthy", h.Status)
	}

	out, err := invoke("gone")
	if err == nil || !strings.Contains(out, summaryCannotCheck) || !strings.Contains(out, "no connection with ID "+goneConnectionID+" exists") {
		t.Errorf("checking a connection that does not exist: %v, want an error naming it\n%s", err, out)
	}
}
