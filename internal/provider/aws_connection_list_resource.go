package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var (
	_ list.ListResource              = &awsConnectionListResource{}
	_ list.ListResourceWithConfigure = &awsConnectionListResource{}
)

// NewAWSConnectionListResource returns the costlink_aws_connection list
// resource, which terraform query runs to find the organization's
// connections and -generate-config-out turns into resource and import blocks.
func NewAWSConnectionListResource() list.ListResource {
	return &awsConnectionListResource{}
}

type awsConnectionListResource struct {
	data *providerData
}

type awsConnectionListModel struct {
	NamePrefix   types.String `tfsdk:"name_prefix"`
	AccountIDs   types.List   `tfsdk:"account_ids"`
	Type         types.String `tfsdk:"type"`
	HealthStatus types.String `tfsdk:"health_status"`
}

func (r *awsConnectionListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_aws_connection"
}

func (r *awsConnectionListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's connections, for `terraform query` to show and `terraform query " +
			"-generate-config-out` to write as `costlink_aws_connection` resources with `import` blocks. Without filters it " +
			"lists every connection; with several, a connection must match all of them. The connections are read with one " +
			"paged list (pages of 1,000), never one request per connection.",
		Attributes: map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				MarkdownDescription: "Only connections whose name starts with this, for example `prod-`.",
				Optional:            true,
				Validators:          []validator.String{ruleValidator{description: "connection name prefix", check: checkConnectionNamePrefix}},
			},
			"account_ids": schema.ListAttribute{
				MarkdownDescription: "Only connections of these AWS accounts.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.List{listvalidator.ValueStringsAre(
					ruleValidator{description: "AWS account ID", check: validate.AccountID})},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Only connections of this type: `resource` or `billing`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(validate.ConnectionTypes...)},
			},
			"health_status": schema.StringAttribute{
				MarkdownDescription: "Only connections with this health, as the service last checked them: `pending`, " +
					"`healthy` or `unhealthy`.",
				Optional: true,
				Validators: []validator.String{stringvalidator.OneOf(
					client.HealthPending, client.HealthHealthy, client.HealthUnhealthy)},
			},
		},
	}
}

func (r *awsConnectionListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// List streams the matching connections, oldest first, each with its
// identity and, when Terraform asks for it, the state the resource's Read
// would hold after an import.
func (r *awsConnectionListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config awsConnectionListModel
	diags := req.Config.Get(ctx, &config)
	filter, d := config.filter(ctx)
	if diags.Append(d...); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		conns, err := r.data.client.ListConnectionsMatching(ctx, filter)
		if err != nil {
			var failed diag.Diagnostics
			failed.AddError("Cannot list the connections", err.Error())
			push(list.ListResult{Diagnostics: failed})
			return
		}
		for i := range conns {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(listedConnection(ctx, req, &conns[i])) {
				return
			}
		}
	}
}

// filter turns the list block's arguments into the client's filter.
func (m *awsConnectionListModel) filter(ctx context.Context) (client.ConnectionFilter, diag.Diagnostics) {
	var accounts []string
	diags := m.AccountIDs.ElementsAs(ctx, &accounts, false)
	return client.ConnectionFilter{
		NamePrefix:   m.NamePrefix.ValueString(),
		AccountIDs:   accounts,
		Type:         m.Type.ValueString(),
		HealthStatus: m.HealthStatus.ValueString(),
	}, diags
}

// listedConnection is one result: the connection's identity, a name to
// show, and with IncludeResource its state as fromAPI, the converter of
// the resource's Read, makes it from the record.
func listedConnection(ctx context.Context, req list.ListRequest, conn *client.Connection) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = fmt.Sprintf("%s (%s, account %s, %s)", conn.Name, conn.Type, conn.AccountID, conn.Health.Status)
	result.Diagnostics.Append(result.Identity.Set(ctx, awsConnectionIdentityModel{ID: types.StringValue(conn.ID)})...)
	if !req.IncludeResource {
		return result
	}
	// The arguments only a configuration sets are null, as after an import.
	var model awsConnectionResourceModel
	var diags diag.Diagnostics
	model.Timeouts, diags = nullTimeouts(ctx, req)
	result.Diagnostics.Append(diags...)
	result.Diagnostics.Append(model.fromAPI(ctx, conn)...)
	if !result.Diagnostics.HasError() {
		result.Diagnostics.Append(result.Resource.Set(ctx, &model)...)
	}
	return result
}

// nullTimeouts is an unset timeouts block, of the type the resource's
// schema gives it.
func nullTimeouts(ctx context.Context, req list.ListRequest) (timeouts.Value, diag.Diagnostics) {
	typ, diags := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	if diags.HasError() {
		return timeouts.Value{}, diags
	}
	value, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(typ.TerraformType(ctx), nil))
	if err != nil {
		diags.AddError("Cannot list the connections", "The timeouts block has no null value: "+err.Error())
		return timeouts.Value{}, diags
	}
	null, ok := value.(timeouts.Value)
	if !ok {
		diags.AddError("Cannot list the connections", fmt.Sprintf("The timeouts block is a %T, not a timeouts.Value. "+
			"This is a bug in the provider: please report it.", value))
	}
	return null, diags
}

// checkConnectionNamePrefix accepts what some connection name starts with:
// a name, or the start of one, such as "prod-".
func checkConnectionNamePrefix(prefix string) error {
	if validate.ConnectionName(prefix) == nil || validate.ConnectionName(prefix+"0") == nil {
		return nil
	}
	return fmt.Errorf("no connection name starts with %s: names use %s", validate.QuoteInput(prefix), validate.ConnectionNameRule)
}
