package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// The resources that work inside a member account share these attributes:
// the role the provider assumes there, so one provider configuration reaches
// every account of a for_each.

func assumeRoleARNAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Role the provider assumes to reach the member account, for example " +
			"`arn:aws:iam::222222222222:role/OrganizationAccountAccessRole`. Without it, the provider's own AWS credentials " +
			"are used. A role in another account moves the resource there: it is replaced. Another role in the same " +
			"account changes only how the account is reached: it is updated in place.",
		Optional:   true,
		Validators: []validator.String{roleARNValidator()},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(replaceWhenAccountChanges,
			"Replaces the resource when the role is in another account.",
			"Replaces the resource when the role is in another account.")},
	}
}

// replaceWhenAccountChanges replaces a member resource only when
// assume_role_arn reaches another account: an import by identity records
// the account's OrganizationAccountAccessRole, and a configuration reaching
// the same account through another role must not delete the object. The
// provider's own credentials (null) are compared through the account_id the
// resource keeps in state; a resource without it, or a change to the own
// credentials, is replaced, as their account is not known without calling
// AWS.
func replaceWhenAccountChanges(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	from := roleARNAccount(req.StateValue)
	if from == "" && req.StateValue.IsNull() {
		var accountID types.String
		// Only costlink_aws_role keeps account_id; elsewhere from stays "".
		if diags := req.State.GetAttribute(ctx, pathAccountID, &accountID); !diags.HasError() {
			from = accountID.ValueString()
		}
	}
	to := roleARNAccount(req.PlanValue)
	resp.RequiresReplace = from == "" || to == "" || from != to
}

// roleARNAccount is the account of a role ARN, or "" when it is null,
// unknown or not a role ARN.
func roleARNAccount(roleARN types.String) string {
	parsed, err := validate.ParseRoleARN(roleARN.ValueString())
	if err != nil {
		return ""
	}
	return parsed.AccountID
}

var pathAccountID = path.Root("account_id")

// assumeRoleExternalIDAttribute is sent with assume_role_arn: it says how
// the account is reached, never which object is there, so changing it
// replaces nothing.
func assumeRoleExternalIDAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "External ID that the trust policy of `assume_role_arn` requires, if any.",
		Optional:            true,
		Sensitive:           true,
	}
}

// memberAccount returns the IAM client of the account that assumeRoleARN
// reaches, or of the provider's own credentials when it is null.
func memberAccount(ctx context.Context, data *providerData, assumeRoleARN, externalID types.String) (*awsiam.Account, diag.Diagnostics) {
	var diags diag.Diagnostics
	if data.awsErr != nil {
		diags.AddError("Cannot configure AWS",
			"The provider's AWS configuration (its aws block and the AWS SDK's credential chain) does not load: "+data.awsErr.Error())
		return nil, diags
	}
	var target *awsiam.AssumeRole
	if arn := assumeRoleARN.ValueString(); arn != "" {
		target = &awsiam.AssumeRole{RoleARN: arn, ExternalID: externalID.ValueString()}
	}
	account, err := data.aws.Account(ctx, target)
	if errors.As(err, new(*awsiam.WebIdentityError)) {
		diags.AddError("Cannot get the provider's AWS credentials", err.Error())
	} else if err != nil {
		diags.AddError("Cannot reach the member account", err.Error())
	}
	return account, diags
}

// roleNamePattern is IAM's rule for role names.
var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

func checkRoleName(name string) error {
	if !roleNamePattern.MatchString(name) {
		return fmt.Errorf("%q is not an IAM role name: use 1 to 64 letters, digits and +=,.@_- characters", name)
	}
	return nil
}

func roleNameValidator() validator.String {
	return ruleValidator{description: "IAM role name", check: checkRoleName}
}

// importMemberRole parses the import ID of a resource in a member account:
// ROLE_NAME, or ASSUME_ROLE_ARN,ROLE_NAME to reach the account through a role.
// Import cannot see the configuration, so the ID says how to reach the account.
func importMemberRole(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, nameAttr string) {
	assumeRoleARN, roleName, found := strings.Cut(req.ID, ",")
	if !found {
		roleName, assumeRoleARN = assumeRoleARN, ""
	}
	err := checkRoleName(roleName)
	if err == nil && assumeRoleARN != "" {
		err = checkRoleARN(assumeRoleARN)
	}
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Use ROLE_NAME, or ASSUME_ROLE_ARN,ROLE_NAME to reach a member account through a role "+
				"(for example arn:aws:iam::222222222222:role/OrganizationAccountAccessRole,costlink-resource-access): %s", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), roleName)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(nameAttr), roleName)...)
	if assumeRoleARN != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("assume_role_arn"), assumeRoleARN)...)
	}
}

// keepEquivalent returns prior when the policy document read from AWS means
// the same, so that a reformatted document never shows as a change.
func keepEquivalent(prior types.String, read string) types.String {
	if !prior.IsNull() && !prior.IsUnknown() {
		if same, err := iampolicy.Equivalent(prior.ValueString(), read); err == nil && same {
			return prior
		}
	}
	return types.StringValue(read)
}
