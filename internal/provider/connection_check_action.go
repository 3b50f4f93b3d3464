package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

var (
	_ action.Action              = &connectionCheckAction{}
	_ action.ActionWithConfigure = &connectionCheckAction{}
)

// NewConnectionCheckAction returns the costlink_connection_check action.
func NewConnectionCheckAction() action.Action {
	return &connectionCheckAction{}
}

type connectionCheckAction struct {
	data *providerData
}

type connectionCheckActionModel struct {
	ID types.String `tfsdk:"id"`
}

// Summaries of the action's errors; tests match them.
const (
	summaryCannotCheck = "Cannot check the connection"
	summaryUnhealthy   = "The connection is unhealthy"
)

func (a *connectionCheckAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection_check"
}

func (a *connectionCheckAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a health check of one connection now and prints what it found: the status and, when the " +
			"connection is unhealthy, each reason with its code, what the check found and what to change. Invoke it with " +
			"`terraform apply -invoke=action.costlink_connection_check.NAME`, or from a resource's `lifecycle` " +
			"`action_trigger`, for example after `costlink_aws_role_policy` changes the role's permissions. Needs Terraform " +
			"1.14 or later and the `connections:write` scope.\n\n" +
			"An unhealthy connection is an error: the run that asked for the check fails (`terraform apply -invoke` exits 1, " +
			"so a CI job that checks a connection fails with it), and so does an apply that triggers the check, after its " +
			"changes are saved. When AWS only tells the platform `AccessDenied`, or a policy looks missing, the provider reads " +
			"the role with the member account's credentials (through its `OrganizationAccountAccessRole`, or directly when " +
			"the provider's credentials are in that account) to name the cause, and says when IAM may still be propagating a " +
			"recent change. A connection that does not exist is an error too. The check runs once and does not wait: " +
			"`costlink_aws_connection` and `costlink_connections_healthy` wait for health.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the connection to check, for example `costlink_aws_connection.member.id`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (a *connectionCheckAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		a.data = data
	}
}

func (a *connectionCheckAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config connectionCheckActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := config.ID.ValueString()
	conn, err := a.data.client.GetConnection(ctx, id)
	if err != nil {
		resp.Diagnostics.AddError(summaryCannotCheck, explainMissing(id, err).Error())
		return
	}
	label := connectionLabel(*conn)
	resp.SendProgress(action.InvokeProgressEvent{Message: "Checking the health of connection " + label + " now"})
	h, err := a.data.client.CheckHealth(ctx, conn.ID)
	if err != nil {
		resp.Diagnostics.AddError(summaryCannotCheck, explainMissing(id, err).Error())
		return
	}
	tflog.Info(ctx, "checked the connection on demand", map[string]any{"id": conn.ID, "status": h.Status, "codes": detailCodes(h.Details)})

	if h.Status == client.HealthHealthy {
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Connection %s is healthy (checked %s, policy version %s).",
			label, optionalTimestamp(h.CheckedAt).ValueString(), h.PolicyVersion)})
		return
	}
	reason := "did not finish its check"
	if h.Status == client.HealthUnhealthy {
		reason = a.diagnose(ctx, conn, h)
	}
	// The wait's format: one reason per code, each with its fix.
	resp.Diagnostics.AddError(summaryUnhealthy, (&healthWaitError{label, h, reason}).Error())
}

// diagnose explains h's details as the connection's wait would, reading
// the role with the member account's credentials where the platform was
// refused, and returns the reason to report: a mistake, or perhaps IAM
// still propagating. The action has only the connection's record, so it
// reaches the account as for a connection without assume_role_arn.
func (a *connectionCheckAction) diagnose(ctx context.Context, conn *client.Connection, h *client.Health) string {
	record := awsConnectionResourceModel{
		RoleARN:              types.StringValue(conn.RoleARN),
		Type:                 types.StringValue(conn.Type),
		BillingBucket:        types.StringValue(conn.BillingBucket),
		AssumeRoleARN:        types.StringNull(),
		AssumeRoleExternalID: types.StringNull(),
	}
	v := newRoleInspector(a.data, record).judge(ctx, h)
	h.Details = v.details
	if v.hopeless {
		return "is unhealthy, and waiting will not fix it"
	}
	return fmt.Sprintf("is unhealthy; if its role changed in the last %s, IAM may still be propagating the change: "+
		"check again after that", healthWaitWindow)
}

// explainMissing turns the service's 404 into what the user can do about it.
func explainMissing(id string, err error) error {
	if client.IsNotFound(err) {
		return missingConnections([]string{id})
	}
	return err
}
