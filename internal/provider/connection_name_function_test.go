package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// runConnectionName calls the function as the framework does.
func runConnectionName(t *testing.T, in string) (string, *function.FuncError) {
	t.Helper()
	req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(in)})}
	resp := &function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
	NewConnectionNameFunction().Run(context.Background(), req, resp)
	if resp.Error != nil {
		return "", resp.Error
	}
	out, ok := resp.Result.Value().(types.String)
	if !ok || out.IsNull() || out.IsUnknown() {
		t.Fatalf("connection_name(%q) returned %v, want a known string", in, resp.Result.Value())
	}
	return out.ValueString(), nil
}

func TestConnectionNameFunction_run(t *testing.T) {
	for in, want := range map[string]string{
		"Prod.Payments EU":          "prod-payments-eu",
		"prod-payments":             "prod-payments",
		"ACME_Corp -- Sandbox (2)":  "acme-corp-sandbox-2",
		"  .leading.and.trailing. ": "leading-and-trailing",
		"Zürich":                    "z-rich",
		strings.Repeat("Abc.", 30):  strings.TrimSuffix(strings.Repeat("abc-", 16), "-"),
	} {
		got, ferr := runConnectionName(t, in)
		if ferr != nil {
			t.Errorf("connection_name(%q): %v", in, ferr)
			continue
		}
		if got != want {
			t.Errorf("connection_name(%q) = %q, want %q", in, got, want)
		}
		if err := validate.ConnectionName(got); err != nil {
			t.Errorf("connection_name(%q) = %q, which the connection name rule refuses: %v", in, got, err)
		}
	}
}

func TestConnectionNameFunction_error(t *testing.T) {
	for _, in := range []string{"", "...", "日本"} {
		got, ferr := runConnectionName(t, in)
		if ferr == nil {
			t.Errorf("connection_name(%q) = %q, want an error", in, got)
			continue
		}
		if ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 {
			t.Errorf("connection_name(%q): error %v does not point at the argument", in, ferr)
		}
		if !strings.Contains(ferr.Text, validate.ConnectionNameRule) {
			t.Errorf("connection_name(%q): error %q does not state the rule", in, ferr.Text)
		}
	}
}

func TestConnectionNameFunction_definition(t *testing.T) {
	var resp function.DefinitionResponse
	NewConnectionNameFunction().Definition(context.Background(), function.DefinitionRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("definition: %v", resp.Diagnostics)
	}
	if resp.Definition.Summary == "" || resp.Definition.MarkdownDescription == "" {
		t.Error("the function needs a summary and a description for the docs")
	}
	if len(resp.Definition.Parameters) != 1 || resp.Definition.Parameters[0].GetMarkdownDescription() == "" {
		t.Error("the name parameter needs a description for the docs")
	}
}

// The function needs no API: Terraform calls it without configuring the
// provider, so the configuration has no provider block.
func TestAccConnectionNameFunction(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: `
locals {
  accounts = {
    "111111111111" = "Prod.Payments EU"
    "222222222222" = "  ACME_Corp -- Sandbox (2) "
  }
}

output "name" {
  value = provider::costlink::connection_name("Prod.Payments EU")
}

output "names" {
  value = { for id, name in local.accounts : id => provider::costlink::connection_name(name) }
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("name", knownvalue.StringExact("prod-payments-eu")),
					statecheck.ExpectKnownOutputValue("names", knownvalue.MapExact(map[string]knownvalue.Check{
						"111111111111": knownvalue.StringExact("prod-payments-eu"),
						"222222222222": knownvalue.StringExact("acme-corp-sandbox-2"),
					})),
				},
			},
		},
	})
}

func TestAccConnectionNameFunction_invalid(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: `
output "name" {
  value = provider::costlink::connection_name("...")
}
`,
				// What it got, and what a connection name allows.
				ExpectError: regexp.MustCompile(
					expectErrorPhrase(`cannot make a connection name of "...": it has no ASCII letter (a-z, A-Z) or digit (0-9)`).String() +
						`[\s\S]*` + expectErrorPhrase("A connection name allows "+validate.ConnectionNameRule).String()),
			},
		},
	})
}
