package acctest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TerraformPathEnv names the terraform binary the acceptance tests run, as
// terraform-plugin-testing reads it. make test sets it for each Terraform
// version it tests.
const TerraformPathEnv = "TF_ACC_TERRAFORM_PATH"

// Terraform is the terraform CLI for the tests that run it themselves
// rather than through terraform-plugin-testing: the same binary that
// terraform-plugin-testing runs, so that one pass of the suite tests one
// Terraform version throughout.
func Terraform(t *testing.T) string {
	t.Helper()
	path, err := terraformPath()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// terraformPath is TerraformPathEnv when set, else terraform on PATH.
func terraformPath() (string, error) {
	if configured := os.Getenv(TerraformPathEnv); configured != "" {
		// LookPath of a path checks that it is an executable file.
		path, err := exec.LookPath(configured)
		if err != nil {
			return "", fmt.Errorf("%s=%s is not an executable terraform: %w", TerraformPathEnv, configured, err)
		}
		return path, nil
	}
	path, err := exec.LookPath("terraform")
	if err != nil {
		return "", fmt.Errorf("terraform is not on PATH and %s is not set: this test runs the real Terraform CLI. "+
			"Install Terraform 1.11 or newer and put it on PATH, or set %s to its binary", TerraformPathEnv, TerraformPathEnv)
	}
	return path, nil
}
