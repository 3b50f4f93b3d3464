package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
)

// awsModel is the provider's aws block: how the provider reaches AWS to
// manage roles in member accounts.
type awsModel struct {
	Region                 types.String     `tfsdk:"region"`
	Profile                types.String     `tfsdk:"profile"`
	SharedConfigFiles      []types.String   `tfsdk:"shared_config_files"`
	SharedCredentialsFiles []types.String   `tfsdk:"shared_credentials_files"`
	AssumeRole             *assumeRoleModel `tfsdk:"assume_role"`
	Endpoints              *endpointsModel  `tfsdk:"endpoints"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	ExternalID  types.String `tfsdk:"external_id"`
	SessionName types.String `tfsdk:"session_name"`
}

type endpointsModel struct {
	IAM types.String `tfsdk:"iam"`
	STS types.String `tfsdk:"sts"`
}

func awsBlockSchema() schema.Block {
	return schema.SingleNestedBlock{
		MarkdownDescription: "How the provider reaches AWS to manage roles in member accounts. Without it, the AWS SDK's " +
			"standard credential chain applies: `AWS_*` environment variables, shared config and credentials files, SSO, " +
			"web identity (how Terraform Cloud's dynamic credentials arrive) and instance roles, with `AWS_ENDPOINT_URL`, " +
			"`AWS_ENDPOINT_URL_IAM` and `AWS_ENDPOINT_URL_STS` honoured.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				MarkdownDescription: "Region for STS calls. IAM is global; defaults to the SDK's region, else `us-east-1`.",
				Optional:            true,
				Validators:          []validator.String{regionValidator()},
			},
			"profile": schema.StringAttribute{
				MarkdownDescription: "Named profile of the shared config and credentials files.",
				Optional:            true,
			},
			"shared_config_files": schema.ListAttribute{
				MarkdownDescription: "Paths of shared config files, instead of `~/.aws/config`: for example the one HCP Terraform " +
					"writes for a run's dynamic credentials, `var.tfc_aws_dynamic_credentials.default.shared_config_file`.",
				ElementType: types.StringType,
				Optional:    true,
			},
			"shared_credentials_files": schema.ListAttribute{
				MarkdownDescription: "Paths of shared credentials files, instead of `~/.aws/credentials`.",
				ElementType:         types.StringType,
				Optional:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "A role to assume first, for every AWS call of the provider, for example a deployment role " +
					"in the management account. Resources can assume a further role in each member account with `assume_role_arn`.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						MarkdownDescription: "ARN of the role to assume.",
						Optional:            true,
						Validators:          []validator.String{roleARNValidator()},
					},
					"external_id": schema.StringAttribute{
						MarkdownDescription: "External ID the role's trust policy requires, if any.",
						Optional:            true,
						Sensitive:           true,
					},
					"session_name": schema.StringAttribute{
						MarkdownDescription: "Session name, shown in CloudTrail. Defaults to `terraform-provider-costlink`.",
						Optional:            true,
					},
				},
			},
			"endpoints": schema.SingleNestedBlock{
				MarkdownDescription: "Custom endpoints, for example an emulator on loopback. `AWS_ENDPOINT_URL_IAM` and " +
					"`AWS_ENDPOINT_URL_STS` do the same from the environment. The STS endpoint serves the credential chain's " +
					"calls too: a web identity's `AssumeRoleWithWebIdentity` and a profile's `role_arn`.",
				Attributes: map[string]schema.Attribute{
					"iam": schema.StringAttribute{MarkdownDescription: "IAM endpoint URL.", Optional: true},
					"sts": schema.StringAttribute{MarkdownDescription: "STS endpoint URL.", Optional: true},
				},
			},
		},
	}
}

// awsConfig turns the aws block, which may be absent, into the AWS client's
// configuration.
func (m *awsModel) awsConfig(userAgent string) awsiam.Config {
	cfg := awsiam.Config{UserAgent: userAgent}
	if m == nil {
		return cfg
	}
	cfg.Region = m.Region.ValueString()
	cfg.Profile = m.Profile.ValueString()
	cfg.SharedConfigFiles = stringValues(m.SharedConfigFiles)
	cfg.SharedCredentialsFiles = stringValues(m.SharedCredentialsFiles)
	if ar := m.AssumeRole; ar != nil && ar.RoleARN.ValueString() != "" {
		cfg.AssumeRole = &awsiam.AssumeRole{
			RoleARN:     ar.RoleARN.ValueString(),
			ExternalID:  ar.ExternalID.ValueString(),
			SessionName: ar.SessionName.ValueString(),
		}
	}
	if ep := m.Endpoints; ep != nil {
		cfg.IAMEndpoint = ep.IAM.ValueString()
		cfg.STSEndpoint = ep.STS.ValueString()
	}
	return cfg
}

func stringValues(values []types.String) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		out = append(out, v.ValueString())
	}
	return out
}
