package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var (
	_ datasource.DataSource                   = &awsPolicyDataSource{}
	_ datasource.DataSourceWithConfigure      = &awsPolicyDataSource{}
	_ datasource.DataSourceWithValidateConfig = &awsPolicyDataSource{}
)

// NewAWSPolicyDataSource returns the costlink_aws_policy data source.
func NewAWSPolicyDataSource() datasource.DataSource {
	return &awsPolicyDataSource{}
}

type awsPolicyDataSource struct {
	policies *policyCache
}

type awsPolicyDataSourceModel struct {
	Type              types.String `tfsdk:"type"`
	BillingBucket     types.String `tfsdk:"billing_bucket"`
	ExternalID        types.String `tfsdk:"external_id"`
	PrincipalARN      types.String `tfsdk:"principal_arn"`
	TrustPolicyJSON   types.String `tfsdk:"trust_policy_json"`
	Documents         []policyDoc  `tfsdk:"documents"`
	ManagedPolicyARNs types.List   `tfsdk:"managed_policy_arns"`
	Version           types.String `tfsdk:"version"`
}

type policyDoc struct {
	Name types.String `tfsdk:"name"`
	JSON types.String `tfsdk:"json"`
}

func (d *awsPolicyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_aws_policy"
}

func (d *awsPolicyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The trust policy and read-only permissions the platform generates for a connection type, " +
			"to build the cross-account role with another tool (the aws provider, CloudFormation) instead of `costlink_aws_role`.",
		Attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{
				MarkdownDescription: "Connection type: `resource` (default) or `billing`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(validate.ConnectionTypes...)},
			},
			"billing_bucket": schema.StringAttribute{
				MarkdownDescription: "S3 bucket of the billing export. Required for `billing`, not allowed for `resource`.",
				Optional:            true,
				Validators:          []validator.String{bucketNameValidator()},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: "The organization's external ID, which the trust policy requires as `sts:ExternalId`.",
				Computed:            true,
				Sensitive:           true,
			},
			"principal_arn": schema.StringAttribute{
				MarkdownDescription: "The platform's principal that the role trusts.",
				Computed:            true,
			},
			"trust_policy_json": schema.StringAttribute{
				MarkdownDescription: "The role's trust policy (assume role policy) as JSON.",
				Computed:            true,
			},
			"documents": schema.ListNestedAttribute{
				MarkdownDescription: "The generated read-only permissions, as inline policies to put on the role.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{MarkdownDescription: "Name of the inline policy.", Computed: true},
						"json": schema.StringAttribute{MarkdownDescription: "The policy document as JSON.", Computed: true},
					},
				},
			},
			"managed_policy_arns": schema.ListAttribute{
				MarkdownDescription: "AWS managed policies to attach to the role.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"version": schema.StringAttribute{
				MarkdownDescription: "Content hash of the generated permissions: it changes when the platform needs other permissions.",
				Computed:            true,
			},
		},
	}
}

func (d *awsPolicyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		d.policies = data.policies
	}
}

func (d *awsPolicyDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var config awsPolicyDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateBillingBucket(config.Type, config.BillingBucket, &resp.Diagnostics)
}

func (d *awsPolicyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state awsPolicyDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	policy, err := d.policies.get(ctx, connectionType(state.Type), state.BillingBucket.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the generated policy", err.Error())
		return
	}

	state.ExternalID = types.StringValue(policy.ExternalID)
	state.PrincipalARN = types.StringValue(policy.PrincipalARN)
	state.TrustPolicyJSON = types.StringValue(policy.TrustPolicy)
	state.Version = types.StringValue(policy.Version)
	state.Documents = make([]policyDoc, len(policy.Documents))
	for i, doc := range policy.Documents {
		state.Documents[i] = policyDoc{Name: types.StringValue(doc.Name), JSON: types.StringValue(doc.JSON)}
	}
	arns, diags := types.ListValueFrom(ctx, types.StringType, policy.ManagedPolicyARNs)
	resp.Diagnostics.Append(diags...)
	state.ManagedPolicyARNs = arns
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}
