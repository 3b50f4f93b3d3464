package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
)

// roleCreateTagKey tags a role with the token of the create that made it.
// IAM answers the retry of a CreateRole whose response was lost, and the
// next apply, with EntityAlreadyExists; the tag tells that role, made by
// this workspace's create, from one made by anyone else, which is never
// taken over. The tag is the provider's: it is not in the tags attribute.
const roleCreateTagKey = "costlink:created-by"

// roleCreateToken identifies the create of role name, reached through
// assumeRoleARN ("" for the provider's own credentials), by this workspace.
func roleCreateToken(assumeRoleARN, name string) string {
	return createToken("role", assumeRoleARN, name)
}

// withCreateTag returns the configured tags with the create's tag added.
func withCreateTag(tags map[string]string, token string) map[string]string {
	tagged := maps.Clone(tags)
	if tagged == nil {
		tagged = map[string]string{}
	}
	tagged[roleCreateTagKey] = token
	return tagged
}

// adoptRole takes over the role an earlier create of this resource made,
// whose response was lost, and changes it to the plan; a role it did not
// make is an error that says how to import it.
func adoptRole(ctx context.Context, account *awsiam.Account, plan *awsRoleResourceModel, token string) (*iamtypes.Role, diag.Diagnostics) {
	var diags diag.Diagnostics
	name := plan.Name.ValueString()
	role, err := account.FindRoleByName(ctx, name)
	if err != nil {
		diags.AddError("Cannot create the role", fmt.Sprintf("Role %s already exists, and reading it failed: %s", name, err))
		return nil, diags
	}
	if createTag(role) != token {
		diags.AddError("Cannot create the role", fmt.Sprintf("Role %s already exists in the account, and this configuration did not "+
			"create it. To manage it with Terraform, import it (terraform import <resource address> %s, or an import block), "+
			"or choose another name.", name, name))
		return nil, diags
	}
	tflog.Info(ctx, "adopting the role an earlier create made, whose response was lost, and applying the plan", map[string]any{"name": name})
	prior := awsRoleResourceModel{TrustPolicyJSON: plan.TrustPolicyJSON} // kept when IAM's means the same
	diags.Append(prior.fromRole(ctx, role)...)
	diags.Append(applyRoleChanges(ctx, account, name, &prior, plan)...)
	if diags.HasError() {
		return nil, diags
	}
	role, err = account.FindRoleByName(ctx, name)
	if err != nil {
		diags.AddError("Cannot read the role after updating it", err.Error())
	}
	return role, diags
}

// createTag returns the value of the role's create tag, or "".
func createTag(role *iamtypes.Role) string {
	for _, t := range role.Tags {
		if aws.ToString(t.Key) == roleCreateTagKey {
			return aws.ToString(t.Value)
		}
	}
	return ""
}
