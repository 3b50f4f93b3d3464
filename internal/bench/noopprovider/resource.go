package main

import (
	"context"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// connectionResource is noop_aws_connection: the attributes, defaults and
// plan modifiers of costlink_aws_connection without its validators (which
// only cost CPU the floor should not hide) and without a service.
type connectionResource struct{}

// connectionModel is the resource's data, as costlink_aws_connection's.
type connectionModel struct {
	ID                   types.String   `tfsdk:"id"`
	Name                 types.String   `tfsdk:"name"`
	Type                 types.String   `tfsdk:"type"`
	RoleARN              types.String   `tfsdk:"role_arn"`
	AccountID            types.String   `tfsdk:"account_id"`
	BillingBucket        types.String   `tfsdk:"billing_bucket"`
	Regions              types.Set      `tfsdk:"regions"`
	AssumeRoleARN        types.String   `tfsdk:"assume_role_arn"`
	AssumeRoleExternalID types.String   `tfsdk:"assume_role_external_id"`
	CreatedAt            types.String   `tfsdk:"created_at"`
	WaitHealthy          types.Bool     `tfsdk:"wait_for_healthy"`
	HealthStatus         types.String   `tfsdk:"health_status"`
	HealthDetails        types.List     `tfsdk:"health_details"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// healthDetailType is the element type of health_details.
var healthDetailType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"code": types.StringType, "message": types.StringType, "remediation": types.StringType,
}}

func (connectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_aws_connection"
}

func (connectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id":   schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"name": schema.StringAttribute{Required: true},
			"type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("resource"),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"role_arn":                schema.StringAttribute{Required: true},
			"account_id":              schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"billing_bucket":          schema.StringAttribute{Optional: true},
			"regions":                 schema.SetAttribute{ElementType: types.StringType, Optional: true, Computed: true, Default: setdefault.StaticValue(types.SetValueMust(types.StringType, nil))},
			"assume_role_arn":         schema.StringAttribute{Optional: true},
			"assume_role_external_id": schema.StringAttribute{Optional: true, Sensitive: true},
			"created_at":              schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"wait_for_healthy":        schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true)},
			"health_status":           schema.StringAttribute{Computed: true},
			"health_details": schema.ListNestedAttribute{
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"code":        schema.StringAttribute{Computed: true},
					"message":     schema.StringAttribute{Computed: true},
					"remediation": schema.StringAttribute{Computed: true},
				}},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

// Create computes what the service would: an ID, the account from the role
// ARN, a creation time and a healthy status.
func (connectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue("conn_" + m.Name.ValueString())
	m.CreatedAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	computeFromPlan(&m)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read leaves the state as it is: nothing outside changes it.
func (connectionResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (connectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	computeFromPlan(&m)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (connectionResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// computeFromPlan fills the computed attributes a plan leaves unknown.
func computeFromPlan(m *connectionModel) {
	// arn:partition:iam::account:role/name
	if fields := strings.Split(m.RoleARN.ValueString(), ":"); len(fields) > 4 {
		m.AccountID = types.StringValue(fields[4])
	}
	m.HealthStatus = types.StringValue("healthy")
	m.HealthDetails = types.ListValueMust(healthDetailType, nil)
}
