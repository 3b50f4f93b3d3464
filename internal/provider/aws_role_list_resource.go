package provider

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

var (
	_ list.ListResource              = &awsRoleListResource{}
	_ list.ListResourceWithConfigure = &awsRoleListResource{}
)

// NewAWSRoleListResource returns the costlink_aws_role list resource: the
// roles of one account that the platform may assume for this organization.
func NewAWSRoleListResource() list.ListResource {
	return &awsRoleListResource{}
}

type awsRoleListResource struct {
	data *providerData
}

type awsRoleListModel struct {
	AssumeRoleARN        types.String `tfsdk:"assume_role_arn"`
	AssumeRoleExternalID types.String `tfsdk:"assume_role_external_id"`
	PathPrefix           types.String `tfsdk:"path_prefix"`
}

func (r *awsRoleListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_aws_role"
}

func (r *awsRoleListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The IAM roles of one AWS account whose trust policy lets the platform's principal assume them " +
			"with the organization's external ID, evaluated as AWS evaluates it: the roles `costlink_aws_role` manages, " +
			"for `terraform query` to show and `terraform query -generate-config-out` to write as resources with `import` " +
			"blocks. Roles that trust the principal without the external ID, or with another organization's, are not " +
			"listed: taking them over would rewrite a trust policy someone else relies on. The account is reached as " +
			"`costlink_aws_role` reaches it, and its roles are read with IAM's paged `ListRoles`.",
		Attributes: map[string]schema.Attribute{
			"assume_role_arn": schema.StringAttribute{
				MarkdownDescription: "Role the provider assumes to reach the member account, for example " +
					"`arn:aws:iam::222222222222:role/OrganizationAccountAccessRole`. Without it, the account of the " +
					"provider's own AWS credentials is listed. The listed resources carry it, so the generated " +
					"configuration reaches the account the same way. An import by identity reaches a member account " +
					"through its `OrganizationAccountAccessRole`: list through that role for the generated configuration " +
					"to import with no change.",
				Optional:   true,
				Validators: []validator.String{roleARNValidator()},
			},
			"assume_role_external_id": schema.StringAttribute{
				MarkdownDescription: "External ID that the trust policy of `assume_role_arn` requires, if any. The listed " +
					"resources leave it out, so that `-generate-config-out` never writes it into a file: add it to the generated " +
					"configuration (from a variable) where it is needed.",
				Optional: true,
			},
			"path_prefix": schema.StringAttribute{
				MarkdownDescription: "Only roles whose path starts with this, for example `/costlink/` (the path " +
					"`costlink_aws_role` gives its roles by default). Defaults to `/`, every role.",
				Optional: true,
				Validators: []validator.String{stringvalidator.RegexMatches(rolePathPattern,
					"must be / or start and end with /, with printable ASCII characters between, for example /costlink/")},
			},
		},
	}
}

func (r *awsRoleListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// List streams the account's roles that trust the platform, each with its
// identity and, when Terraform asks for it, the state the resource's Read
// holds for it.
func (r *awsRoleListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config awsRoleListModel
	if diags := req.Config.Get(ctx, &config); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		roles, account, diags := r.trustingRoles(ctx, &config)
		if diags.HasError() {
			push(list.ListResult{Diagnostics: diags})
			return
		}
		var pushed int64
		for i := range roles {
			if req.Limit > 0 && pushed >= req.Limit {
				return
			}
			result, found := listedRole(ctx, req, account, &config, &roles[i])
			if !found {
				continue
			}
			if pushed++; !push(result) {
				return
			}
		}
	}
}

// trustingRoles lists the roles of the account config reaches whose trust
// policy lets the platform in for this organization (iampolicy.VerifyTrust,
// what the health check and the provider's diagnosis require of a role).
func (r *awsRoleListResource) trustingRoles(ctx context.Context, config *awsRoleListModel) ([]awsRoleResourceModel, *awsiam.Account, diag.Diagnostics) {
	org := r.data.organization
	var diags diag.Diagnostics
	if org.PrincipalARN == "" {
		diags.AddError("Cannot list the roles", "The service names no platform principal for the organization, so no "+
			"trust policy can be checked against it. Ask the service's operator to configure its principal.")
		return nil, nil, diags
	}
	account, diags := memberAccount(ctx, r.data, config.AssumeRoleARN, config.AssumeRoleExternalID)
	if diags.HasError() {
		return nil, nil, diags
	}
	listed, err := account.ListRoles(ctx, config.PathPrefix.ValueString())
	if err != nil {
		diags.AddError("Cannot list the roles", err.Error())
		return nil, nil, diags
	}
	var roles []awsRoleResourceModel
	for i := range listed {
		if iampolicy.VerifyTrust(aws.ToString(listed[i].AssumeRolePolicyDocument), org.PrincipalARN, org.ExternalID) != nil {
			continue
		}
		role := config.roleModel()
		diags.Append(role.fromRole(ctx, &listed[i])...)
		roles = append(roles, role)
	}
	return roles, account, diags
}

// roleModel is a costlink_aws_role reached through the list block's
// assume_role_arn, before anything is read. Its external ID is left out:
// -generate-config-out would write the secret into a file.
func (m *awsRoleListModel) roleModel() awsRoleResourceModel {
	return awsRoleResourceModel{
		AssumeRoleARN:        m.AssumeRoleARN,
		AssumeRoleExternalID: types.StringNull(),
		Tags:                 types.MapNull(types.StringType),
	}
}

// listedRole is one result: the role's identity, its ARN to show, and with
// IncludeResource its state as the resource's Read makes it from GetRole
// (ListRoles leaves out tags and the permissions boundary). found is false
// for a role deleted since it was listed.
func listedRole(ctx context.Context, req list.ListRequest, account *awsiam.Account, config *awsRoleListModel, role *awsRoleResourceModel) (list.ListResult, bool) {
	result := req.NewListResult(ctx)
	result.DisplayName = role.ARN.ValueString()
	result.Diagnostics.Append(result.Identity.Set(ctx, role.identity())...)
	if !req.IncludeResource || result.Diagnostics.HasError() {
		return result, true
	}
	read, err := account.FindRoleByName(ctx, role.Name.ValueString())
	if awsiam.IsNotFound(err) {
		return result, false
	}
	if err != nil {
		result.Diagnostics.AddError("Cannot read the role", err.Error())
		return result, true
	}
	model := config.roleModel()
	result.Diagnostics.Append(model.fromRole(ctx, read)...)
	if !result.Diagnostics.HasError() {
		result.Diagnostics.Append(result.Resource.Set(ctx, &model)...)
	}
	return result, true
}
