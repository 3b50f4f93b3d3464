package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

var (
	_ datasource.DataSource                     = &connectionHealthDataSource{}
	_ datasource.DataSourceWithConfigure        = &connectionHealthDataSource{}
	_ datasource.DataSourceWithConfigValidators = &connectionHealthDataSource{}
)

// NewConnectionHealthDataSource returns the costlink_connection_health data source.
func NewConnectionHealthDataSource() datasource.DataSource {
	return &connectionHealthDataSource{}
}

type connectionHealthDataSource struct {
	client      *client.Client
	connections *connectionSnapshot
}

type connectionHealthDataSourceModel struct {
	ID            types.String   `tfsdk:"id"`
	Name          types.String   `tfsdk:"name"`
	Refresh       types.Bool     `tfsdk:"refresh"`
	Status        types.String   `tfsdk:"status"`
	Healthy       types.Bool     `tfsdk:"healthy"`
	CheckedAt     types.String   `tfsdk:"checked_at"`
	LastHealthyAt types.String   `tfsdk:"last_healthy_at"`
	PolicyVersion types.String   `tfsdk:"policy_version"`
	Details       []healthDetail `tfsdk:"details"`
}

// refreshDeprecation points refresh's users to the action that replaces it.
const refreshDeprecation = "refresh runs a health check, a side effect, every time Terraform reads this data source, " +
	"in every plan. Run the check when you mean to with the costlink_connection_check action: " +
	"terraform apply -invoke=action.costlink_connection_check.NAME, or an action_trigger in the lifecycle of the " +
	"resource whose change should be checked (Terraform 1.14 or later). refresh will be removed in the next major version."

func (d *connectionHealthDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection_health"
}

func (d *connectionHealthDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Health of one connection: green (`healthy`) or red (`unhealthy`), and when red, why the platform " +
			"cannot use the role, with what to change. Use it in `check` blocks and postconditions.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the connection. Set `id` or `name`.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the connection. Set `id` or `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{connectionNameValidator()},
			},
			"refresh": schema.BoolAttribute{
				MarkdownDescription: "Run a health check now instead of reading the latest result. Needs the `connections:write` scope. " +
					"**Deprecated**: it runs a check, a side effect, every time Terraform reads the data source, in every plan; " +
					"use the `costlink_connection_check` action instead.",
				Optional:           true,
				DeprecationMessage: refreshDeprecation,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`pending` (not checked yet), `healthy` or `unhealthy`.",
				Computed:            true,
			},
			"healthy": schema.BoolAttribute{
				MarkdownDescription: "Whether the status is `healthy`.",
				Computed:            true,
			},
			"checked_at": schema.StringAttribute{
				MarkdownDescription: "When the latest check finished (RFC 3339); null before the first check.",
				Computed:            true,
			},
			"last_healthy_at": schema.StringAttribute{
				MarkdownDescription: "When a check last found the connection healthy (RFC 3339); null if never.",
				Computed:            true,
			},
			"policy_version": schema.StringAttribute{
				MarkdownDescription: "Version of the generated policy the latest check compared the role against.",
				Computed:            true,
			},
			"details": schema.ListNestedAttribute{
				MarkdownDescription: "Why the connection is unhealthy; empty when healthy.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"code": schema.StringAttribute{
							MarkdownDescription: "What is wrong: `assume_role_denied`, `role_not_found`, `trust_principal_mismatch`, " +
								"`external_id_condition_missing`, `external_id_mismatch`, `trust_explicit_deny`, `policy_missing`, " +
								"`policy_outdated`, `sts_region_inactive`, `region_not_enabled` or `permission_denied`. AWS tells the " +
								"platform only `assume_role_denied` when it cannot assume the role, whatever the cause: " +
								"`costlink_aws_connection` reads the role itself to name it.",
							Computed: true,
						},
						"message":     schema.StringAttribute{MarkdownDescription: "What the check found.", Computed: true},
						"remediation": schema.StringAttribute{MarkdownDescription: "What to change.", Computed: true},
					},
				},
			},
		},
	}
}

func (d *connectionHealthDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *connectionHealthDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		d.client, d.connections = data.client, data.connections
	}
}

func (d *connectionHealthDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state connectionHealthDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	conn, err := d.findConnection(ctx, state)
	if err != nil {
		resp.Diagnostics.AddError("Cannot find the connection", err.Error())
		return
	}
	h := &conn.Health
	if state.Refresh.ValueBool() {
		if h, err = d.client.CheckHealth(ctx, conn.ID); err != nil {
			resp.Diagnostics.AddError("Cannot check the connection's health", err.Error())
			return
		}
		// The connection's own Read, later in this plan, shows what the check found.
		d.connections.recordHealth(conn.ID, *h)
	}

	state.ID = types.StringValue(conn.ID)
	state.Name = types.StringValue(conn.Name)
	state.Status = types.StringValue(h.Status)
	state.Healthy = types.BoolValue(h.Status == client.HealthHealthy)
	state.CheckedAt = optionalTimestamp(h.CheckedAt)
	state.LastHealthyAt = optionalTimestamp(h.LastHealthyAt)
	state.PolicyVersion = types.StringValue(h.PolicyVersion)
	state.Details = healthDetails(h.Details)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// findConnection reads the connection by ID, or finds it by name.
func (d *connectionHealthDataSource) findConnection(ctx context.Context, m connectionHealthDataSourceModel) (*client.Connection, error) {
	if !m.ID.IsNull() {
		return d.client.GetConnection(ctx, m.ID.ValueString())
	}
	conns, err := d.client.ListAllConnections(ctx, client.ListConnectionsOptions{Name: m.Name.ValueString()})
	if err != nil {
		return nil, err
	}
	if len(conns) == 0 {
		return nil, fmt.Errorf("no connection is named %q in this organization", m.Name.ValueString())
	}
	return &conns[0], nil
}

func optionalTimestamp(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}
