package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// An HCP Terraform workspace with AWS dynamic credentials, as
// "Use dynamic credentials with the AWS provider" sets it up
// (https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/aws-configuration):
// an IAM OIDC provider for app.terraform.io with the audience
// aws.workload.identity, a run role in the management account whose trust
// policy allows the workspace's runs, and TFC_AWS_PROVIDER_AUTH and
// TFC_AWS_RUN_ROLE_ARN among the workspace's environment variables. Each
// run phase gets a workload identity token whose sub names the workspace
// and the phase, and exchanges it with sts:AssumeRoleWithWebIdentity.
const (
	tfcIssuer       = "https://app.terraform.io"
	tfcAudience     = "aws.workload.identity"
	tfcOrganization = "acme"
	tfcProject      = "Default Project"
	tfcWorkspace    = "costlink-prod"
	// tfcCommandTimeout bounds one terraform command of a run.
	tfcCommandTimeout = 3 * time.Minute
)

// tfcSubject is the sub claim of a run's token in workspace, for phase
// (plan or apply), as HCP Terraform's workload identity tokens carry it.
func tfcSubject(workspace, phase string) string {
	return "organization:" + tfcOrganization + ":project:" + tfcProject + ":workspace:" + workspace + ":run_phase:" + phase
}

// tfcRunRoleTrust is the run role's trust policy as the docs give it: the
// OIDC provider, the audience, and the workspace's runs in either phase.
func tfcRunRoleTrust(oidcProviderARN string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Federated":"` + oidcProviderARN + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
		`"Condition":{"StringEquals":{"app.terraform.io:aud":"` + tfcAudience + `"},` +
		`"StringLike":{"app.terraform.io:sub":"` + tfcSubject(tfcWorkspace, "*") + `"}}}]}`
}

// tfcConfig onboards one member account as the docs' Terraform Cloud
// section does: the provider block holds no URL, key or AWS credentials,
// the workspace's environment does. The provider block takes an aws block,
// if any.
const tfcConfig = `
terraform {
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}

variable "member_account" {
  type = string
}

provider "costlink" {%s}

resource "costlink_aws_role" "member" {
  assume_role_arn = "arn:aws:iam::${var.member_account}:role/OrganizationAccountAccessRole"
}

resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  assume_role_arn = costlink_aws_role.member.assume_role_arn
}

resource "costlink_aws_connection" "member" {
  name       = "member"
  role_arn   = costlink_aws_role.member.arn
  depends_on = [costlink_aws_connection.payer, costlink_aws_role_policy.member]
}
`

// tfcDynamicCredentialsHCL is the variable HCP Terraform fills with the
// shared config files of its dynamic credentials, declared as "Specifying
// Multiple Configurations" shows; the sharedConfigFile form's aws block
// passes the default one to the provider.
const tfcDynamicCredentialsHCL = `
variable "tfc_aws_dynamic_credentials" {
  description = "Object containing AWS dynamic credentials configuration"
  type = object({
    default = object({
      shared_config_file = string
    })
    aliases = map(object({
      shared_config_file = string
    }))
  })
}
`

// credentialForm is how a run hands its web identity to the provider.
type credentialForm int

const (
	// webIdentityEnv: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, which
	// the AWS SDK's default chain reads; AWS_ENDPOINT_URL reaches the
	// emulator, as a workspace variable.
	webIdentityEnv credentialForm = iota
	// sharedConfigFile: the tfc_aws_dynamic_credentials variable's shared
	// config file (role_arn and web_identity_token_file) in the aws block;
	// its endpoints block reaches the emulator.
	sharedConfigFile
)

// tfcWorkspaceRun drives one workspace: every run starts in a new working
// directory holding the configuration, the workspace's state and the run's
// token, with the workspace's environment variables, as on HCP Terraform.
type tfcWorkspaceRun struct {
	terraform string
	env       []string // the test's environment, without AWS, costlink or HCP Terraform settings
	moto      *acctest.MotoServer
	org       *acctest.Org
	form      credentialForm
	runRole   string
	workspace string // the workspace the run's token names in its sub
	member    string // the member account onboarded
	state     []byte // the workspace's state, between runs
}

// newRunDir prepares a run's working directory for phase and returns it
// with the run's environment.
func (w *tfcWorkspaceRun) newRunDir(t *testing.T, phase string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	token := acctest.IdentityToken{
		Issuer: tfcIssuer, Audience: tfcAudience, Subject: tfcSubject(w.workspace, phase), Expires: time.Now().Add(time.Hour),
	}
	tokenFile := write("tfc-aws-token", token.JWT())
	env := append(slices.Clone(w.env),
		"TFC_AWS_PROVIDER_AUTH=true",
		"TFC_AWS_RUN_ROLE_ARN="+w.runRole,
		"TFC_WORKSPACE_NAME="+tfcWorkspace,
		"TFC_WORKSPACE_SLUG="+tfcOrganization+"/"+tfcWorkspace,
		client.EnvAPIURL+"="+w.org.APIURL,
		client.EnvAPIKey+"="+w.org.APIKey,
		"AWS_REGION="+acctest.MotoRegion,
		// A run has no ~/.aws of its own; the developer's must play no part.
		"AWS_CONFIG_FILE="+filepath.Join(dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "no-aws-credentials"),
		"TF_VAR_member_account="+w.member,
	)
	var awsBlock, variables string
	switch w.form {
	case webIdentityEnv:
		env = append(env, "AWS_ROLE_ARN="+w.runRole, "AWS_WEB_IDENTITY_TOKEN_FILE="+tokenFile, "AWS_ENDPOINT_URL="+w.moto.Endpoint)
	case sharedConfigFile:
		sharedConfig := write("tfc-aws-shared-config", "[default]\nrole_arn = "+w.runRole+"\nweb_identity_token_file = "+tokenFile+"\n")
		credentials, err := json.Marshal(map[string]any{
			"default": map[string]string{"shared_config_file": sharedConfig},
			"aliases": map[string]any{},
		})
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, "TF_VAR_tfc_aws_dynamic_credentials="+string(credentials))
		awsBlock = fmt.Sprintf(`
  aws {
    shared_config_files = [var.tfc_aws_dynamic_credentials.default.shared_config_file]
    endpoints {
      iam = %q
      sts = %q
    }
  }
`, w.moto.Endpoint, w.moto.Endpoint)
		variables = tfcDynamicCredentialsHCL
	}
	write("main.tf", fmt.Sprintf(tfcConfig, awsBlock)+billingConnectionHCL+variables)
	if w.state != nil {
		write("terraform.tfstate", string(w.state))
	}
	return dir, env
}

// command runs a terraform command of a run phase in dir, and keeps the
// state it leaves as the workspace's.
func (w *tfcWorkspaceRun) command(t *testing.T, dir string, env []string, subcommand string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), tfcCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.terraform, append([]string{subcommand, "-input=false", "-no-color"}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if state, readErr := os.ReadFile(filepath.Join(dir, "terraform.tfstate")); readErr == nil {
		w.state = state
	}
	return string(out), err
}

// run is one run: a plan phase, then, when apply is set, an apply phase of
// the saved plan with the apply phase's token.
func (w *tfcWorkspaceRun) run(t *testing.T, apply bool, planArgs ...string) (string, error) {
	t.Helper()
	dir, env := w.newRunDir(t, "plan")
	out, err := w.command(t, dir, env, "plan", append([]string{"-out=tfplan"}, planArgs...)...)
	if err != nil || !apply {
		return out, err
	}
	applyToken := acctest.IdentityToken{
		Issuer: tfcIssuer, Audience: tfcAudience, Subject: tfcSubject(w.workspace, "apply"), Expires: time.Now().Add(time.Hour),
	}
	if err := os.WriteFile(filepath.Join(dir, "tfc-aws-token"), []byte(applyToken.JWT()), 0o600); err != nil {
		t.Fatal(err)
	}
	applyOut, err := w.command(t, dir, env, "apply", "tfplan")
	return out + applyOut, err
}

// memberRoleExists says whether the costlink role is in the member account.
func (w *tfcWorkspaceRun) memberRoleExists(t *testing.T) bool {
	t.Helper()
	_, err := w.moto.DirectIAM(w.member).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("costlink-resource-access")})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchEntity" {
		return false
	}
	if err != nil {
		t.Fatalf("reading the member account's role: %v", err)
	}
	return true
}

// TestAccTerraformCloud_dynamicCredentials runs the provider as an HCP
// Terraform workspace with AWS dynamic credentials runs it, through the
// real terraform CLI, in both forms a run's web identity takes; and shows
// that a run of another workspace is refused, with an error that says why.
func TestAccTerraformCloud_dynamicCredentials(t *testing.T) {
	moto := acctest.Moto(t) // skips without TF_ACC
	terraform := acctest.Terraform(t)
	env := withoutRunSettings(examplesEnv(t, acctest.ModuleRoot(t)))
	oidcProvider := moto.NewOIDCProvider(t, acctest.ServiceAccountID, tfcIssuer, tfcAudience)
	// The run role is in the management account, which every member
	// account's OrganizationAccountAccessRole trusts.
	runRole := fmt.Sprintf("tfc-run-%d", time.Now().UnixNano())
	created, err := moto.DirectIAM(acctest.ServiceAccountID).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(runRole), AssumeRolePolicyDocument: aws.String(tfcRunRoleTrust(oidcProvider)),
	})
	if err != nil {
		t.Fatalf("creating the run role: %v", err)
	}
	workspace := func(t *testing.T, form credentialForm, tokenWorkspace string) *tfcWorkspaceRun {
		return &tfcWorkspaceRun{
			terraform: terraform, env: env, moto: moto, org: acctest.NewOrg(t), form: form,
			runRole: aws.ToString(created.Role.Arn), workspace: tokenWorkspace, member: moto.NewMemberAccount(t),
		}
	}

	for name, form := range map[string]credentialForm{"web identity": webIdentityEnv, "shared config file": sharedConfigFile} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := workspace(t, form, tfcWorkspace)
			if out, err := w.run(t, true); err != nil {
				t.Fatalf("the first run failed: %v\n%s", err, out)
			}
			if !w.memberRoleExists(t) {
				t.Error("the run did not create the role in the member account")
			}
			if status := w.org.ConnectionNamed(t, "member").Health.Status; status != client.HealthHealthy {
				t.Errorf("the member connection is %s, want %s", status, client.HealthHealthy)
			}
			// A run that lost its state (its apply's answers never came back):
			// the next run, in a new directory, adopts what it created, as
			// TFC_WORKSPACE_SLUG, not the directory, names the workspace.
			w.state = nil
			if out, err := w.run(t, true); err != nil {
				t.Fatalf("the run after a lost state failed: %v\n%s", err, out)
			}
			if err := w.org.CheckConnectionCount(2); err != nil {
				t.Errorf("after the run that adopted the lost run's records: %v", err)
			}
			// The next run, in a new directory with the workspace's state,
			// reads everything back with the plan phase's credentials and
			// proposes nothing.
			if out, err := w.run(t, false, "-detailed-exitcode"); err != nil {
				t.Errorf("the next run's plan is not empty (%v):\n%s", err, out)
			}
			dir, env := w.newRunDir(t, "apply")
			if out, err := w.command(t, dir, env, "destroy", "-auto-approve"); err != nil {
				t.Fatalf("the destroy run failed: %v\n%s", err, out)
			}
			if w.memberRoleExists(t) {
				t.Error("the destroy run left the role in the member account")
			}
			if err := w.org.CheckConnectionCount(0); err != nil {
				t.Error(err)
			}
		})
	}

	t.Run("another workspace", func(t *testing.T) {
		t.Parallel()
		w := workspace(t, webIdentityEnv, "costlink-staging")
		out, err := w.run(t, true)
		if err == nil {
			t.Fatalf("a run of costlink-staging applied with a role that trusts %s only:\n%s", tfcWorkspace, out)
		}
		if n := len(terraformError.FindAllString(out, -1)); n != 1 {
			t.Errorf("Terraform printed %d errors, want 1:\n%s", n, out)
		}
		for _, phrase := range []string{
			"Cannot get the provider's AWS credentials",
			"the AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE environment variables (role " + w.runRole,
			"AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
			// In whichever phase meets AWS first.
			`sub "` + tfcSubject("costlink-staging", ""),
			"Check that the role's trust policy allows sts:AssumeRoleWithWebIdentity",
		} {
			if !expectErrorPhrase(phrase).MatchString(out) {
				t.Errorf("the error does not say %q:\n%s", phrase, out)
			}
		}
		// The member role was never tried: its hints would mislead.
		if strings.Contains(out, "Cannot reach the member account") || strings.Contains(out, "Check that the role exists") {
			t.Errorf("the error blames the member role for the web identity's refusal:\n%s", out)
		}
		if w.memberRoleExists(t) {
			t.Error("the refused run created the role in the member account")
		}
	})
}

// withoutRunSettings drops from env what a run sets itself: AWS settings,
// the costlink API's and HCP Terraform's variables, Terraform variables.
func withoutRunSettings(env []string) []string {
	return envWithout(env, namePrefixed("AWS_", "TFC_", "COSTLINK_", "TF_VAR_"))
}
