package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// Resource identity (Terraform 1.12 and later) names the remote object of a
// resource: import blocks can give it instead of an import ID, and
// Terraform keeps it beside the state. The identity of a resource in a
// member account starts with the account, as a role name is unique only
// within one.

// identityAccountIDAttribute is the account_id of a member resource's identity.
func identityAccountIDAttribute() identityschema.StringAttribute {
	return identityschema.StringAttribute{
		Description: "ID of the AWS account the role is in (12 digits). Imported by identity, the account is reached " +
			"with the provider's own AWS credentials when they are in it, else through its `OrganizationAccountAccessRole`.",
		RequiredForImport: true,
	}
}

// identityRoleNameAttribute is the role name of a member resource's identity.
func identityRoleNameAttribute() identityschema.StringAttribute {
	return identityschema.StringAttribute{
		Description:       "Name of the IAM role.",
		RequiredForImport: true,
	}
}

// memberAccountID is the ID of the account a member resource is in: the
// account of assume_role_arn, or else the account of the provider's own
// credentials, which STS tells once per provider run.
func memberAccountID(ctx context.Context, account *awsiam.Account, assumeRoleARN types.String) (types.String, diag.Diagnostics) {
	var diags diag.Diagnostics
	if id := roleARNAccount(assumeRoleARN); id != "" {
		return types.StringValue(id), diags
	}
	id, err := account.CallerAccountID(ctx)
	if err != nil {
		diags.AddError("Cannot tell the account of the provider's AWS credentials", err.Error())
		return types.StringNull(), diags
	}
	return types.StringValue(id), diags
}

// importMemberRoleByIdentity starts the import of a resource in a member
// account from its identity: it checks the account ID and role name, and
// records the role name (in id and nameAttr) and how the account is reached.
// An identity cannot say which role to assume, so the account is reached
// with the provider's own credentials when they are in it, and else through
// the role AWS Organizations creates in every account it vends; a
// configuration that reaches the account that way plans no change.
func importMemberRoleByIdentity(ctx context.Context, data *providerData, accountID, roleName string, nameAttr string, resp *resource.ImportStateResponse) {
	err := validate.AccountID(accountID)
	if err == nil {
		err = checkRoleName(roleName)
	}
	if err != nil {
		resp.Diagnostics.AddError("Invalid import identity", err.Error())
		return
	}
	// IAM trust does not cross partitions, so the member account is in the
	// partition of the platform's principal that its roles trust.
	partition := "aws"
	if principal, err := validate.ParsePrincipalARN(data.organization.PrincipalARN); err == nil {
		partition = principal.Partition
	}
	_, assumeRoleARN, err := reachAccount(ctx, data, partition, accountID)
	if err != nil {
		resp.Diagnostics.AddError("Cannot reach account "+accountID,
			fmt.Sprintf("%s\n\nImport by identity reaches a member account through its %s. To reach it through another "+
				"role, import by ID instead: ASSUME_ROLE_ARN,%s.", err, organizationAccountAccessRole, roleName))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), roleName)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(nameAttr), roleName)...)
	if assumeRoleARN != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, pathAssumeRoleARN, assumeRoleARN)...)
	}
}

var pathAssumeRoleARN = path.Root("assume_role_arn")

// reachAccount reaches accountID as the provider does when no role to
// assume there is given: with its own credentials when they are in that
// account, else through the account's OrganizationAccountAccessRole in
// partition. It returns the account and the role it assumed ("" for its own
// credentials); a role that cannot be assumed fails here, with the reason.
func reachAccount(ctx context.Context, data *providerData, partition, accountID string) (*awsiam.Account, string, error) {
	if data.awsErr != nil {
		return nil, "", fmt.Errorf("the provider's AWS configuration does not load: %w", data.awsErr)
	}
	own, err := data.aws.Account(ctx, nil)
	if err != nil {
		return nil, "", err
	}
	ownID, err := own.CallerAccountID(ctx)
	if err != nil {
		return nil, "", err
	}
	if ownID == accountID {
		return own, "", nil
	}
	via := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, accountID, organizationAccountAccessRole)
	account, err := data.aws.Account(ctx, &awsiam.AssumeRole{RoleARN: via})
	return account, via, err
}
