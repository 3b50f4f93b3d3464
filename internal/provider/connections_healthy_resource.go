package provider

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

var (
	_ resource.Resource               = &connectionsHealthyResource{}
	_ resource.ResourceWithConfigure  = &connectionsHealthyResource{}
	_ resource.ResourceWithModifyPlan = &connectionsHealthyResource{}
)

// NewConnectionsHealthyResource returns the costlink_connections_healthy
// resource: one wait for many connections.
func NewConnectionsHealthyResource() resource.Resource {
	return &connectionsHealthyResource{}
}

type connectionsHealthyResource struct {
	data *providerData
}

type connectionsHealthyResourceModel struct {
	IDs      types.Set      `tfsdk:"ids"`
	Statuses types.Map      `tfsdk:"statuses"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *connectionsHealthyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connections_healthy"
}

func (r *connectionsHealthyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Waits until every listed connection is healthy: one wait for a whole organization. A " +
			"`costlink_aws_connection` with `wait_for_healthy` holds one of Terraform's parallel slots (10 by default) while " +
			"IAM propagates its role (about five minutes), so a thousand waiting connections queue for hours. Give the " +
			"connections `wait_for_healthy = false` and list them here instead: this resource asks the service to check " +
			"them all at once and polls one list of the organization's connections, so they wait about one propagation " +
			"window together. It fails at once, naming each connection with its code, cause and fix, for what waiting will " +
			"not fix: the role missing, a trust policy that does not let the platform in with the external ID, a region " +
			"that is not enabled or whose STS is not active. A connection that AWS only refuses (`assume_role_denied`) or " +
			"whose policy the platform cannot read yet is waited for one propagation window; to tell a mistake from " +
			"propagation there, set `wait_for_healthy = true` on that connection. While any connection is not healthy, " +
			"every plan proposes to wait again. Create and update wait up to their `timeouts` (10 minutes by default). Destroying this resource changes nothing in costlink, and there is nothing " +
			"to import: it holds no record of its own.",
		Attributes: map[string]schema.Attribute{
			// Required
			"ids": schema.SetAttribute{
				MarkdownDescription: "IDs of the connections to wait for, for example " +
					"`concat([costlink_aws_connection.payer.id], [for m in module.member : m.connection_id])`. Changing " +
					"the set waits again for all of them.",
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			// Computed
			"statuses": schema.MapAttribute{
				MarkdownDescription: "Health of each connection by ID when Terraform last waited for or read it: " +
					"`pending`, `healthy` or `unhealthy`. A connection that no longer exists is left out.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": healthTimeoutsBlock(ctx,
				"How long create waits until every connection in `ids` is `healthy`.",
				"How long update waits until every connection in `ids` is `healthy`."),
		},
	}
}

func (r *connectionsHealthyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		r.data = data
	}
}

// ModifyPlan proposes to wait again while any connection was not healthy
// when last seen, as the error of a failed wait promises.
func (r *connectionsHealthyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state connectionsHealthyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ids, statuses, diags := state.values(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || allHealthy(ids, statuses) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("statuses"), types.MapUnknown(types.StringType))...)
}

func (r *connectionsHealthyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan connectionsHealthyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultHealthTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A failed wait saves nothing, so the next apply creates, and waits, again.
	if r.await(ctx, &plan, timeout, &resp.Diagnostics,
		"Nothing was saved: the next terraform apply waits again. Fix the connections listed, or leave them out of ids.") {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Read refreshes the statuses from the operation's one list of connections,
// and writes state only where they changed.
func (r *connectionsHealthyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state connectionsHealthyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ids, old, diags := state.values(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	statuses := map[string]string{}
	for _, id := range ids {
		conn, err := r.data.connections.connection(ctx, id)
		if client.IsNotFound(err) {
			continue // ModifyPlan proposes to wait, and the wait names it
		}
		if err != nil {
			resp.Diagnostics.AddError("Cannot read the connections' health", err.Error())
			return
		}
		statuses[id] = conn.Health.Status
	}
	if !maps.Equal(statuses, old) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("statuses"), statuses)...)
	}
}

func (r *connectionsHealthyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan connectionsHealthyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultHealthTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Saved even when the wait fails: statuses not all healthy make the next
	// plan propose the wait again.
	r.await(ctx, &plan, timeout, &resp.Diagnostics,
		"The statuses are saved. After fixing the cause, run terraform apply again: its plan shows statuses as "+
			"known after apply, and the apply checks the connections and waits again.")
	if !plan.Statuses.IsUnknown() { // unknown only when the plan could not be read
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Delete only forgets the wait: it holds nothing in costlink.
func (r *connectionsHealthyResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// await waits up to timeout for the planned connections and sets the
// plan's statuses to what the wait ended with. It reports whether every
// connection turned healthy; a failure's error ends with next, what the
// next apply does.
func (r *connectionsHealthyResource) await(ctx context.Context, plan *connectionsHealthyResourceModel, timeout time.Duration,
	diags *diag.Diagnostics, next string) bool {
	ids, _, d := plan.values(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	listed, err := waitForAllHealthy(ctx, r.data.client, ids)
	statuses := make(map[string]string, len(listed))
	for id, conn := range listed {
		statuses[id] = conn.Health.Status
		r.data.connections.recordHealth(id, conn.Health)
	}
	plan.Statuses, d = types.MapValueFrom(ctx, types.StringType, statuses)
	diags.Append(d...)
	var notHealthy *setWaitError
	switch {
	case errors.As(err, &notHealthy):
		diags.AddError("The connections did not turn healthy", err.Error()+"\n\n"+next)
	case err != nil:
		diags.AddError("Cannot wait for the connections", err.Error()+"\n\n"+next)
	}
	return err == nil && !diags.HasError()
}

// values returns the IDs and the statuses of m.
func (m *connectionsHealthyResourceModel) values(ctx context.Context) ([]string, map[string]string, diag.Diagnostics) {
	ids, diags := stringsFromSet(ctx, m.IDs)
	statuses, d := stringMap(ctx, m.Statuses)
	diags.Append(d...)
	return ids, statuses, diags
}

// allHealthy says whether every ID has a healthy status.
func allHealthy(ids []string, statuses map[string]string) bool {
	for _, id := range ids {
		if statuses[id] != client.HealthHealthy {
			return false
		}
	}
	return true
}
