package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// The directories of examples/ in tfplugindocs' layout hold snippets for the
// docs: each shows one resource, data source, function or the provider block
// and refers to the others (costlink_aws_role.prod, var.accounts). They are
// written to compose, so they are validated together as one configuration,
// with exampleSnippetStubs declaring what none of them declares.
var exampleSnippetDirs = []string{"provider", "resources", "data-sources", "functions", actionSnippetDir}

// actionSnippetDir holds the action snippets: Terraform parses action
// blocks from 1.14 on, so only a Terraform that new validates them.
const actionSnippetDir = "actions"

// exampleSnippetStubs completes the snippets into a configuration: the
// provider's source address (so terraform uses the local build, not
// hashicorp/costlink) and the variables they use without declaring.
const exampleSnippetStubs = `# Written by TestExamples: what the docs snippets use without declaring.
terraform {
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}

# examples/functions/connection_name/function.tf
variable "accounts" {
  type = map(object({
    name     = string
    role_arn = string
  }))
}
`

// TestExamples checks every Terraform file under examples/ with the real
// Terraform CLI and a local build of the provider (dev_overrides; nothing is
// downloaded): terraform fmt in every directory, terraform validate of every
// root configuration and module (in place, with the data directory elsewhere,
// so nothing is written into examples/), and of the docs snippets together.
// It needs no TF_ACC and no network.
func TestExamples(t *testing.T) {
	terraform := acctest.Terraform(t)
	root := acctest.ModuleRoot(t)
	examples := filepath.Join(root, "examples")
	dirs := terraformDirs(t, examples)
	for _, want := range []string{"provider", "organization", "modules/member-account"} {
		if !slices.Contains(dirs, want) {
			t.Fatalf("examples/%s has no .tf files; found Terraform in %v", want, dirs)
		}
	}

	env := examplesEnv(t, root)

	var snippets []string
	for _, dir := range dirs {
		snippet := slices.Contains(exampleSnippetDirs, strings.Split(dir, "/")[0])
		if snippet {
			snippets = append(snippets, dir)
		}
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(examples, filepath.FromSlash(dir))
			if out, err := terraformOutput(t, terraform, path, env, "fmt", "-check", "-diff", "-no-color"); err != nil {
				t.Errorf("terraform fmt -check in %s: %v (run make fmt)\n%s", path, err, out)
			}
			if snippet {
				return // validated together below
			}
			// In place, so relative module sources (../modules/member-account)
			// resolve; TF_DATA_DIR keeps .terraform/ out of examples/.
			envDir := append(slices.Clone(env), "TF_DATA_DIR="+t.TempDir())
			runTerraform(t, terraform, path, envDir, "get", "-no-color")
			runTerraform(t, terraform, path, envDir, "validate", "-no-color")
		})
	}

	t.Run("layout", func(t *testing.T) {
		t.Parallel()
		for _, file := range wantedExampleFiles(t) {
			if _, err := os.Stat(filepath.Join(examples, filepath.FromSlash(file))); err != nil {
				t.Errorf("examples/%s is missing: tfplugindocs puts it in the docs of what the provider registers", file)
			}
		}
	})

	t.Run("snippets", func(t *testing.T) {
		t.Parallel()
		withoutActions := slices.DeleteFunc(slices.Clone(snippets), func(dir string) bool {
			return strings.Split(dir, "/")[0] == actionSnippetDir
		})
		validateSnippets(t, terraform, env, examples, withoutActions, false)
	})
	t.Run("snippets with actions", func(t *testing.T) {
		t.Parallel()
		validateSnippets(t, acctest.TerraformAtLeast(t, 1, 14, "actions"), env, examples, snippets, false)
	})
	t.Run("snippets importing by identity", func(t *testing.T) {
		t.Parallel()
		withoutActions := slices.DeleteFunc(slices.Clone(snippets), func(dir string) bool {
			return strings.Split(dir, "/")[0] == actionSnippetDir
		})
		validateSnippets(t, acctest.TerraformAtLeast(t, 1, 12, "import by identity"), env, examples, withoutActions, true)
	})
}

// The import examples of a resource: by import ID, and by resource identity
// (Terraform 1.12 and later). Both import to the same address, so a
// configuration holds one of them.
const (
	importByIDExample       = "import-by-string-id.tf"
	importByIdentityExample = "import-by-identity.tf"
)

// snippetLeftOut says whether file, of a snippet directory, is left out of
// the combined configuration: the import example of the other kind, where
// the directory has both.
func snippetLeftOut(file string, byIdentity bool) bool {
	switch filepath.Base(file) {
	case importByIdentityExample:
		return !byIdentity
	case importByIDExample:
		_, err := os.Stat(filepath.Join(filepath.Dir(file), importByIdentityExample))
		return byIdentity && err == nil
	}
	return false
}

// validateSnippets validates the snippets of dirs together, as one
// configuration completed by exampleSnippetStubs, with the import examples
// by identity when byIdentity is true, else by import ID.
func validateSnippets(t *testing.T, terraform string, env []string, examples string, dirs []string, byIdentity bool) {
	t.Helper()
	work := t.TempDir()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(examples, filepath.FromSlash(dir), "*.tf"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if snippetLeftOut(file, byIdentity) {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// examples/resources/costlink_aws_role/resource.tf becomes
			// resources_costlink_aws_role_resource.tf: terraform's messages
			// still say which snippet is wrong.
			name := strings.ReplaceAll(dir, "/", "_") + "_" + filepath.Base(file)
			if err := os.WriteFile(filepath.Join(work, name), src, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(work, "zz_stubs.tf"), []byte(exampleSnippetStubs), 0o600); err != nil {
		t.Fatal(err)
	}
	envDir := append(slices.Clone(env), "TF_DATA_DIR="+filepath.Join(work, ".terraform"))
	runTerraform(t, terraform, work, envDir, "validate", "-no-color")
}

// wantedExampleFiles are the examples tfplugindocs looks for, for what the
// provider registers: the provider block, every resource (and its import
// commands when it can be imported), data source and function.
func wantedExampleFiles(t *testing.T) []string {
	t.Helper()
	ctx := t.Context()
	p := New("test")()
	files := []string{"provider/provider.tf"}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "costlink"}, &meta)
		files = append(files, "resources/"+meta.TypeName+"/resource.tf")
		if _, ok := r.(resource.ResourceWithImportState); ok {
			files = append(files, "resources/"+meta.TypeName+"/import.sh")
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		var meta datasource.MetadataResponse
		newDataSource().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "costlink"}, &meta)
		files = append(files, "data-sources/"+meta.TypeName+"/data-source.tf")
	}
	if withActions, ok := p.(provider.ProviderWithActions); ok {
		for _, newAction := range withActions.Actions(ctx) {
			var meta action.MetadataResponse
			newAction().Metadata(ctx, action.MetadataRequest{ProviderTypeName: "costlink"}, &meta)
			files = append(files, "actions/"+meta.TypeName+"/action.tf")
		}
	}
	if withFunctions, ok := p.(provider.ProviderWithFunctions); ok {
		for _, newFunction := range withFunctions.Functions(ctx) {
			var meta function.MetadataResponse
			newFunction().Metadata(ctx, function.MetadataRequest{}, &meta)
			files = append(files, "functions/"+meta.Name+"/function.tf")
		}
	}
	return files
}

// terraformDirs lists the directories under examples that hold .tf files,
// relative and slash-separated ("resources/costlink_aws_role").
func terraformDirs(t *testing.T, examples string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(examples, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != examples && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .terraform/ of a local run
		}
		if d.IsDir() || filepath.Ext(path) != ".tf" {
			return nil
		}
		rel, err := filepath.Rel(examples, filepath.Dir(path))
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); !slices.Contains(dirs, rel) {
			dirs = append(dirs, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", examples, err)
	}
	return dirs
}

// providerBuild is the provider built once per test binary, in a directory
// with the CLI configuration that makes terraform use it through
// dev_overrides; TestMain removes it.
var providerBuild struct {
	once      sync.Once
	cliConfig string
	err       error
}

// examplesEnv returns the environment in which terraform uses this test
// binary's build of the provider through dev_overrides and nothing else.
func examplesEnv(t *testing.T, root string) []string {
	t.Helper()
	providerBuild.once.Do(func() { providerBuild.cliConfig, providerBuild.err = buildProvider(root) })
	if providerBuild.err != nil {
		t.Fatalf("building the provider: %v", providerBuild.err)
	}
	return append(envWithout(os.Environ(), isUserTerraformSetting), "TF_CLI_CONFIG_FILE="+providerBuild.cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// buildProvider builds the provider of the module at root into a new
// directory and returns the CLI configuration written beside it.
func buildProvider(root string) (cliConfig string, err error) {
	dir, err := os.MkdirTemp("", "costlink-provider-")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	build := exec.CommandContext(context.Background(), "go", "build", "-o", filepath.Join(dir, "terraform-provider-costlink"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, out)
	}
	cliConfig = filepath.Join(dir, "terraform.tfrc")
	config := `provider_installation {
  dev_overrides {
    "costlink/costlink" = ` + strconv.Quote(filepath.ToSlash(dir)) + `
  }
  direct {}
}
`
	return cliConfig, os.WriteFile(cliConfig, []byte(config), 0o600)
}

// isUserTerraformSetting reports the variables of the user's terraform that
// are not the tests': CLI arguments, CLI configuration, data directory and
// workspace.
func isUserTerraformSetting(name string) bool {
	return strings.HasPrefix(name, "TF_CLI_ARGS") || name == "TF_DATA_DIR" || name == "TF_WORKSPACE" || name == "TF_CLI_CONFIG_FILE"
}

// envWithout is env without the variables drop names.
func envWithout(env []string, drop func(name string) bool) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return drop(name)
	})
}

// namePrefixed reports the variable names that start with one of prefixes.
func namePrefixed(prefixes ...string) func(name string) bool {
	return func(name string) bool {
		return slices.ContainsFunc(prefixes, func(prefix string) bool { return strings.HasPrefix(name, prefix) })
	}
}

// runTerraform runs terraform in dir and fails the test with its output.
func runTerraform(t *testing.T, terraform, dir string, env []string, args ...string) {
	t.Helper()
	if out, err := terraformOutput(t, terraform, dir, env, args...); err != nil {
		t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// terraformOutput runs terraform in dir and returns its combined output.
func terraformOutput(t *testing.T, terraform, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), terraform, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// TestAccExampleOrganization_convergedPlanIsEmpty applies examples/organization
// as its README says, to a new organization with a payer and two member
// accounts, and requires the next terraform plan -detailed-exitcode to exit
// 0: its check block runs at plan and counts as no change, so a drift
// pipeline flags only real drift.
func TestAccExampleOrganization_convergedPlanIsEmpty(t *testing.T) {
	moto := acctest.Moto(t)
	org := acctest.NewOrg(t)
	t.Parallel()
	payer := moto.NewMemberAccount(t)
	accounts := map[string]string{"Prod Payments": moto.NewMemberAccount(t), "Staging": moto.NewMemberAccount(t)}
	run := newExampleRun(t, "organization", org, moto, map[string]any{
		"payer_account_id":      payer,
		"payer_assume_role_arn": moto.MemberAccountRoleARN(payer),
		"billing_bucket":        "acme-billing-export",
		"accounts":              accounts,
	})

	run.terraform(t, "get", "-no-color")
	run.terraform(t, "apply", "-auto-approve", "-input=false", "-no-color")
	if err := org.CheckConnectionCount(1 + len(accounts)); err != nil {
		t.Fatal(err)
	}
	var healthOutput map[string]string
	if err := json.Unmarshal([]byte(run.terraform(t, "output", "-json", "health")), &healthOutput); err != nil {
		t.Fatalf("output health: %v", err)
	}
	for name := range accounts {
		if healthOutput[name] != client.HealthHealthy {
			t.Errorf("output health = %v, want %q healthy", healthOutput, name)
		}
	}

	out, err := terraformOutput(t, run.bin, run.dir, run.env, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if err != nil {
		t.Fatalf("terraform plan -detailed-exitcode on the converged organization: %v, want exit 0 (2 is a plan with changes):\n%s", err, out)
	}

	// The check runs at plan: a connection the service now finds unhealthy
	// is named there, without an apply.
	moto.DeactivateSTS(accounts["Staging"], acctest.MotoRegion)
	health, err := org.Client.CheckHealth(t.Context(), org.ConnectionNamed(t, "staging").ID)
	if err != nil || health.Status != client.HealthUnhealthy {
		t.Fatalf("checking staging with STS deactivated: %+v, %v; want unhealthy", health, err)
	}
	out, _ = terraformOutput(t, run.bin, run.dir, run.env, "plan", "-input=false", "-no-color")
	if want := "staging (" + accounts["Staging"] + ") is unhealthy"; !expectErrorPhrase(want).MatchString(out) {
		t.Errorf("terraform plan with staging unhealthy: want the check to warn %q:\n%s", want, out)
	}
}

// TestAccExampleOrganization_wrongPayerAccountFailsAtPlan gives
// examples/organization a payer_assume_role_arn in another account than
// payer_account_id: the apply must stop at its plan, naming both accounts,
// with no role made in either and no connection registered.
func TestAccExampleOrganization_wrongPayerAccountFailsAtPlan(t *testing.T) {
	moto := acctest.Moto(t)
	org := acctest.NewOrg(t)
	t.Parallel()
	payer, other, member := moto.NewMemberAccount(t), moto.NewMemberAccount(t), moto.NewMemberAccount(t)
	run := newExampleRun(t, "organization", org, moto, map[string]any{
		"payer_account_id":      payer,
		"payer_assume_role_arn": moto.MemberAccountRoleARN(other),
		"billing_bucket":        "acme-billing-export",
		"accounts":              map[string]string{"Prod Payments": member},
	})

	run.terraform(t, "get", "-no-color")
	out, err := terraformOutput(t, run.bin, run.dir, run.env, "apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("terraform apply with the payer role in account %s succeeded, want it refused at plan:\n%s", other, out)
	}
	want := "payer_assume_role_arn is a role in account " + other + ", not in the payer account " + payer
	if !expectErrorPhrase(want).MatchString(out) || strings.Contains(out, "Creating...") {
		t.Errorf("terraform apply said, want %q at plan and nothing created:\n%s", want, out)
	}
	for account, role := range map[string]string{payer: "costlink-billing-access", other: "costlink-billing-access", member: "costlink-resource-access"} {
		_, err := moto.DirectIAM(account).GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String(role)})
		if missing := (*iamtypes.NoSuchEntityException)(nil); !errors.As(err, &missing) {
			t.Errorf("role %s in account %s: %v, want it never made", role, account, err)
		}
	}
	if err := org.CheckConnectionCount(0); err != nil {
		t.Error(err)
	}
}

// TestAccExampleOrganization_ownCredentialsInAnotherAccountFailAtPlan runs
// examples/organization with the provider's own credentials for the payer
// (no payer_assume_role_arn) while they are in another account than
// payer_account_id: the role's account_id is known at plan, so the
// postcondition on it stops the apply there, before any role is made.
func TestAccExampleOrganization_ownCredentialsInAnotherAccountFailAtPlan(t *testing.T) {
	moto := acctest.Moto(t)
	org := acctest.NewOrg(t)
	t.Parallel()
	payer, member := moto.NewMemberAccount(t), moto.NewMemberAccount(t)
	run := newExampleRun(t, "organization", org, moto, map[string]any{
		"payer_account_id": payer,
		"billing_bucket":   "acme-billing-export",
		"accounts":         map[string]string{"Prod Payments": member},
	})

	run.terraform(t, "get", "-no-color")
	out, err := terraformOutput(t, run.bin, run.dir, run.env, "apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("terraform apply with own credentials in account %s succeeded, want it refused at plan:\n%s", acctest.ServiceAccountID, out)
	}
	want := "account " + acctest.ServiceAccountID + ", not in the payer account " + payer
	if !expectErrorPhrase(want).MatchString(out) || strings.Contains(out, "Creating...") {
		t.Errorf("terraform apply said, want %q at plan and nothing created:\n%s", want, out)
	}
	for account, role := range map[string]string{acctest.ServiceAccountID: "costlink-billing-access", payer: "costlink-billing-access",
		member: "costlink-resource-access"} {
		_, err := moto.DirectIAM(account).GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String(role)})
		if missing := (*iamtypes.NoSuchEntityException)(nil); !errors.As(err, &missing) {
			t.Errorf("role %s in account %s: %v, want it never made", role, account, err)
		}
	}
	if err := org.CheckConnectionCount(0); err != nil {
		t.Error(err)
	}
}

// exampleRun is one of examples/ applied in a directory of its own.
type exampleRun struct {
	bin, dir string
	env      []string
}

// newExampleRun links examples/NAME into a temporary directory, with vars
// as its terraform.tfvars.json, and the environment that reaches org and
// moto as a user of the example reaches the service and AWS: variables
// only, nothing of the developer's AWS configuration.
func newExampleRun(t *testing.T, name string, org *acctest.Org, moto *acctest.MotoServer, vars map[string]any) *exampleRun {
	t.Helper()
	bin := acctest.Terraform(t)
	root := acctest.ModuleRoot(t)
	dir := linkExample(t, root, name)
	encoded, err := json.Marshal(vars)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), encoded, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(envWithout(examplesEnv(t, root), namePrefixed("AWS_", "COSTLINK_")),
		client.EnvAPIURL+"="+org.APIURL, client.EnvAPIKey+"="+org.APIKey,
		"AWS_ENDPOINT_URL="+moto.Endpoint, "AWS_REGION="+acctest.MotoRegion,
		"AWS_ACCESS_KEY_ID="+acctest.MotoAccessKey, "AWS_SECRET_ACCESS_KEY="+acctest.MotoAccessKey,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
	)
	return &exampleRun{bin: bin, dir: dir, env: env}
}

// terraform runs terraform in the example's directory and returns its
// output, failing the test with it if terraform fails.
func (r *exampleRun) terraform(t *testing.T, args ...string) string {
	t.Helper()
	out, err := terraformOutput(t, r.bin, r.dir, r.env, args...)
	if err != nil {
		t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), r.dir, err, out)
	}
	return out
}

// linkExample makes examples/NAME runnable outside the repository, as
// scripts/demo.sh runs examples/demo: a temporary examples/NAME whose .tf
// files link to the real ones, beside a link to examples/modules, so
// relative module sources resolve and state and .terraform stay out of the
// repository.
func linkExample(t *testing.T, root, name string) string {
	t.Helper()
	examples := filepath.Join(t.TempDir(), "examples")
	dir := filepath.Join(examples, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "examples", "modules"), filepath.Join(examples, "modules")); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "examples", name, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("examples/%s has no .tf files (%v)", name, err)
	}
	for _, file := range files {
		if err := os.Symlink(file, filepath.Join(dir, filepath.Base(file))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
