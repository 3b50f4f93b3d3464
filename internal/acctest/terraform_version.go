package acctest

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
)

// TerraformAtLeast is Terraform(t), or skips the test when that Terraform
// is older than major.minor, which brought feature: the same skip
// tfversion.SkipBelow makes in the tests terraform-plugin-testing runs.
func TerraformAtLeast(t *testing.T, major, minor int, feature string) string {
	t.Helper()
	terraform := Terraform(t)
	out, err := exec.CommandContext(t.Context(), terraform, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", terraform, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v", terraform, err)
	}
	var gotMajor, gotMinor int
	if _, err := fmt.Sscanf(v.Version, "%d.%d", &gotMajor, &gotMinor); err != nil {
		t.Fatalf("%s version %q: %v", terraform, v.Version, err)
	}
	if gotMajor < major || gotMajor == major && gotMinor < minor {
		t.Skipf("Terraform %s has no %s (%d.%d or later)", v.Version, feature, major, minor)
	}
	return terraform
}
