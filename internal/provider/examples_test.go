package provider

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

// The directories of examples/ in tfplugindocs' layout hold snippets for the
// docs: each shows one resource, data source, function or the provider block
// and refers to the others (costlink_aws_role.prod, var.accounts). They are
// written to compose, so they are validated together as one configuration,
// with exampleSnippetStubs declaring what none of them declares.
var exampleSnippetDirs = []string{"provider", "resources", "data-sources", "functions"}

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
	terraform, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("terraform is not on PATH: the examples are checked with the real Terraform CLI. Install Terraform 1.8 or newer and put it on PATH (as .ci/run requires).")
	}
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
		work := t.TempDir()
		for _, dir := range snippets {
			files, err := filepath.Glob(filepath.Join(examples, filepath.FromSlash(dir), "*.tf"))
			if err != nil {
				t.Fatal(err)
			}
			for _, file := range files {
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
	})
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

// examplesEnv builds the provider once and returns the environment in which
// terraform uses that build through dev_overrides and nothing else.
func examplesEnv(t *testing.T, root string) []string {
	t.Helper()
	dir := t.TempDir()
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "terraform-provider-costlink"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(dir, "terraform.tfrc")
	config := `provider_installation {
  dev_overrides {
    "costlink/costlink" = ` + strconv.Quote(filepath.ToSlash(dir)) + `
  }
  direct {}
}
`
	if err := os.WriteFile(cliConfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// The user's CLI arguments, data directory and workspace are not the test's.
		if strings.HasPrefix(name, "TF_CLI_ARGS") || name == "TF_DATA_DIR" || name == "TF_WORKSPACE" || name == "TF_CLI_CONFIG_FILE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
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
