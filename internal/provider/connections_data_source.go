package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var (
	_ datasource.DataSource              = &connectionsDataSource{}
	_ datasource.DataSourceWithConfigure = &connectionsDataSource{}
)

// NewConnectionsDataSource returns the costlink_connections data source.
func NewConnectionsDataSource() datasource.DataSource {
	return &connectionsDataSource{}
}

type connectionsDataSource struct {
	client *client.Client
}

type connectionsDataSourceModel struct {
	Type         types.String       `tfsdk:"type"`
	AccountID    types.String       `tfsdk:"account_id"`
	HealthStatus types.String       `tfsdk:"health_status"`
	Connections  []connectionsEntry `tfsdk:"connections"`
}

type connectionsEntry struct {
	ID            types.String   `tfsdk:"id"`
	Name          types.String   `tfsdk:"name"`
	Type          types.String   `tfsdk:"type"`
	RoleARN       types.String   `tfsdk:"role_arn"`
	AccountID     types.String   `tfsdk:"account_id"`
	Regions       []types.String `tfsdk:"regions"`
	HealthStatus  types.String   `tfsdk:"health_status"`
	CheckedAt     types.String   `tfsdk:"checked_at"`
	HealthDetails []healthDetail `tfsdk:"health_details"`
}

func (d *connectionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connections"
}

func (d *connectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The organization's connections with their health, optionally filtered: for dashboards, outputs and " +
			"`check` blocks over a whole AWS Organization.",
		Attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{
				MarkdownDescription: "Only connections of this type: `resource` or `billing`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(validate.ConnectionTypes...)},
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "Only connections of this AWS account.",
				Optional:            true,
				Validators:          []validator.String{ruleValidator{description: "AWS account ID", check: validate.AccountID}},
			},
			"health_status": schema.StringAttribute{
				MarkdownDescription: "Only connections with this health: `pending`, `healthy` or `unhealthy`.",
				Optional:            true,
				Validators: []validator.String{stringvalidator.OneOf(
					client.HealthPending, client.HealthHealthy, client.HealthUnhealthy)},
			},
			"connections": schema.ListNestedAttribute{
				MarkdownDescription: "The matching connections, in the order they were created.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":         computed("ID of the connection."),
						"name":       computed("Name of the connection."),
						"type":       computed("`resource` or `billing`."),
						"role_arn":   computed("ARN of the role the platform assumes."),
						"account_id": computed("ID of the connected AWS account."),
						"regions": schema.ListAttribute{
							MarkdownDescription: "Regions the connection covers.",
							ElementType:         types.StringType,
							Computed:            true,
						},
						"health_status": computed("`pending`, `healthy` or `unhealthy`."),
						"checked_at":    computed("When the latest health check finished (RFC 3339); null before the first."),
						"health_details": schema.ListNestedAttribute{
							MarkdownDescription: "Why the connection is unhealthy; empty when healthy.",
							Computed:            true,
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"code":        computed("What is wrong, for example `policy_missing`."),
									"message":     computed("What the check found."),
									"remediation": computed("What to change."),
								},
							},
						},
					},
				},
			},
		},
	}
}

func (d *connectionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		d.client = data.client
	}
}

func (d *connectionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state connectionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	filter := client.ConnectionFilter{Type: state.Type.ValueString(), HealthStatus: state.HealthStatus.ValueString()}
	if account := state.AccountID.ValueString(); account != "" {
		filter.AccountIDs = []string{account}
	}
	conns, err := d.client.ListConnectionsMatching(ctx, filter)
	if err != nil {
		resp.Diagnostics.AddError("Cannot list the connections", err.Error())
		return
	}
	state.Connections = []connectionsEntry{}
	for _, c := range conns {
		state.Connections = append(state.Connections, connectionsEntryFrom(c))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func connectionsEntryFrom(c client.Connection) connectionsEntry {
	e := connectionsEntry{
		ID:            types.StringValue(c.ID),
		Name:          types.StringValue(c.Name),
		Type:          types.StringValue(c.Type),
		RoleARN:       types.StringValue(c.RoleARN),
		AccountID:     types.StringValue(c.AccountID),
		Regions:       make([]types.String, len(c.Regions)),
		HealthStatus:  types.StringValue(c.Health.Status),
		CheckedAt:     optionalTimestamp(c.Health.CheckedAt),
		HealthDetails: healthDetails(c.Health.Details),
	}
	for i, r := range c.Regions {
		e.Regions[i] = types.StringValue(r)
	}
	return e
}
