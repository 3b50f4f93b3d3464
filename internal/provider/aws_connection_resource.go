package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var (
	_ resource.Resource                   = &awsConnectionResource{}
	_ resource.ResourceWithConfigure      = &awsConnectionResource{}
	_ resource.ResourceWithImportState    = &awsConnectionResource{}
	_ resource.ResourceWithValidateConfig = &awsConnectionResource{}
	_ resource.ResourceWithModifyPlan     = &awsConnectionResource{}
	_ resource.ResourceWithIdentity       = &awsConnectionResource{}
)

// NewAWSConnectionResource returns the costlink_aws_connection resource.
func NewAWSConnectionResource() resource.Resource {
	return &awsConnectionResource{}
}

type awsConnectionResource struct {
	data   *providerData
	client *client.Client
}

type awsConnectionResourceModel struct {
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

// awsConnectionIdentityModel is the connection's resource identity.
type awsConnectionIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

// etagKey is the private-state key holding the record's ETag from the last
// read, so an update applies only to the record the plan was made against.
const etagKey = "etag"

func (r *awsConnectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_aws_connection"
}

func (r *awsConnectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Registers an AWS account with costlink: a `resource` connection lets the platform read a member " +
			"account's resources and metrics through a cross-account role; a `billing` connection does the same for the " +
			"management (payer) account and its billing export. An organization needs a billing connection before any resource connection.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the connection, for example `conn_0123456789abcdefghij`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the connection, unique in the organization: " + validate.ConnectionNameRule + ".",
				Required:            true,
				Validators:          []validator.String{connectionNameValidator()},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`resource` (default) for a member account, or `billing` for the management (payer) account " +
					"whose billing export the platform reads. Changing it replaces the connection.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(validate.TypeResource),
				Validators:    []validator.String{stringvalidator.OneOf(validate.ConnectionTypes...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"role_arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the cross-account IAM role the platform assumes, in any AWS partition (`aws`, " +
					"`aws-cn`, `aws-us-gov`, the ISO partitions, `aws-eusc`). A role in another account replaces the connection; another role in the same account updates it.",
				Required:      true,
				Validators:    []validator.String{roleARNValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(roleInAnotherAccount, "A role in another account replaces the connection.", "A role in another account replaces the connection.")},
			},
			"account_id": schema.StringAttribute{
				MarkdownDescription: "ID of the connected AWS account, taken from `role_arn`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{accountIDFromRoleARN{}},
			},
			"billing_bucket": schema.StringAttribute{
				MarkdownDescription: "S3 bucket that receives the billing export (Cost and Usage Report or Data Exports). " +
					"Required for `billing` connections and not allowed for `resource` connections.",
				Optional:   true,
				Validators: []validator.String{bucketNameValidator()},
			},
			"regions": schema.SetAttribute{
				MarkdownDescription: "AWS regions the connection covers, for example `[\"us-east-1\", \"eu-south-1\"]`, checked at plan " +
					"against the regions AWS knows. An opt-in region (such as `ap-east-1` or `eu-south-1`) must be enabled for the " +
					"account, and STS must be active in every listed region: health reports `region_not_enabled` or `sts_region_inactive`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
				Validators:  []validator.Set{setvalidator.ValueStringsAre(regionValidator())},
			},
			"assume_role_arn": schema.StringAttribute{
				MarkdownDescription: "Role the provider assumes to read `role_arn` when the platform cannot use it, to tell why " +
					"(role missing, trust policy wrong, policy missing) instead of waiting. Defaults to the provider's own credentials " +
					"when `role_arn` is in their account, else to the account's `OrganizationAccountAccessRole`. Only the provider " +
					"uses it; the record does not change.",
				Optional:   true,
				Validators: []validator.String{roleARNValidator()},
			},
			"assume_role_external_id": schema.StringAttribute{
				MarkdownDescription: "External ID that the trust policy of `assume_role_arn` requires, if any.",
				Optional:            true,
				Sensitive:           true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the connection was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"wait_for_healthy": schema.BoolAttribute{
				MarkdownDescription: "Whether create and update wait until the platform can use the role (health `healthy`). " +
					"Waiting rides out IAM propagation (minutes). It fails at once, with the cause and its fix, for a mistake: " +
					"the role missing, a trust policy that does not let the platform in with the external ID, the generated policy " +
					"missing or outdated, a region that is not enabled or whose STS is not active. When AWS only tells the platform " +
					"`AccessDenied`, the provider reads the role itself to tell which (see `assume_role_arn`). While the connection " +
					"is not healthy, every plan proposes to wait again. Defaults to `true`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"health_status": schema.StringAttribute{
				MarkdownDescription: "Health of the connection when Terraform last read or waited for it: `pending`, `healthy` or `unhealthy`.",
				Computed:            true,
			},
			"health_details": schema.ListNestedAttribute{
				MarkdownDescription: "Why the connection is not healthy, when Terraform last read or waited for it; empty when healthy.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"code":        schema.StringAttribute{MarkdownDescription: "What is wrong, as the `costlink_connection_health` data source lists the codes.", Computed: true},
						"message":     schema.StringAttribute{MarkdownDescription: "What the check found.", Computed: true},
						"remediation": schema.StringAttribute{MarkdownDescription: "What to change.", Computed: true},
					},
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": healthTimeoutsBlock(ctx,
				"How long create waits, once the connection is registered, until its health is `healthy` (when `wait_for_healthy` is true).",
				"How long update waits, once the changes are saved, until the connection's health is `healthy` (when `wait_for_healthy` is true)."),
		},
	}
}

func (r *awsConnectionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				Description:       "ID of the connection, for example `conn_0123456789abcdefghij`.",
				RequiredForImport: true,
			},
		},
	}
}

func (r *awsConnectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := configuredData(req.ProviderData, &resp.Diagnostics); data != nil {
		r.data, r.client = data, data.client
	}
}

// ValidateConfig checks the rules that span attributes, as the service does.
// It reads only the attributes it checks: Terraform validates every instance
// of a for_each, a thousand for an organization.
func (r *awsConnectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var connectionType, billingBucket types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("type"), &connectionType)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("billing_bucket"), &billingBucket)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateBillingBucket(connectionType, billingBucket, &resp.Diagnostics)
}

// ModifyPlan proposes to wait again for a connection that is not healthy,
// as the error of the wait that failed promised: the plan shows its health
// as known after apply, and the update checks it and waits.
func (r *awsConnectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan awsConnectionResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !plan.WaitHealthy.ValueBool() || state.HealthStatus.ValueString() == client.HealthHealthy {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("health_status"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("health_details"), types.ListUnknown(healthDetailType))...)
}

func (r *awsConnectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan awsConnectionResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	regions, diags := stringsFromSet(ctx, plan.Regions)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	conn, err := r.createConnection(ctx, client.CreateConnectionRequest{
		Name:          plan.Name.ValueString(),
		Type:          plan.Type.ValueString(),
		RoleARN:       plan.RoleARN.ValueString(),
		BillingBucket: plan.BillingBucket.ValueString(),
		Regions:       regions,
	}, plan.AccountID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the connection", apiErrorDetail(err))
		return
	}
	tflog.Info(ctx, "created connection", map[string]any{"id": conn.ID, "name": conn.Name, "adopted": conn.Replayed})
	r.data.connections.record(conn)

	// The record is in state before the wait, so a failed wait never leads
	// to a second record.
	resp.Diagnostics.Append(plan.save(ctx, conn, &resp.State, resp.Identity, resp.Private)...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultHealthTimeout)
	resp.Diagnostics.Append(diags...)
	if !resp.Diagnostics.HasError() {
		r.awaitHealth(ctx, &plan, timeout, &resp.State, &resp.Diagnostics,
			"Terraform marks a resource whose creation failed as tainted, so the next terraform apply replaces this "+
				"connection: it deletes the record and registers it again under the same name, with a new ID, and waits again. "+
				"To keep this record and its ID instead, run terraform untaint on this resource's address first: the next apply "+
				"then only checks the connection and waits again.")
	}
}

// Read serves the connection from the operation's snapshot (one list for
// every resource) and writes state and private state only where they differ
// from what the service holds.
func (r *awsConnectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state awsConnectionResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Set first, from state: state written before identities existed gets
	// one, and a connection gone keeps it while it leaves state.
	resp.Diagnostics.Append(resp.Identity.Set(ctx, awsConnectionIdentityModel{ID: state.ID})...)

	conn, err := r.data.connections.connection(ctx, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "connection not found, removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the connection", err.Error())
		return
	}

	current := state
	resp.Diagnostics.Append(current.fromAPI(ctx, conn)...)
	if !current.equal(&state) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &current)...)
	}
	// An ETag that cannot be read is replaced, as a read always replaced it.
	if etag, diags := getETag(ctx, req.Private); diags.HasError() || etag != conn.ETag {
		resp.Diagnostics.Append(setETag(ctx, resp.Private, conn.ETag)...)
	}
}

func (r *awsConnectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state awsConnectionResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	regions, diags := stringsFromSet(ctx, plan.Regions)
	resp.Diagnostics.Append(diags...)
	etag, diags := getETag(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	conn, err := r.updateRecord(ctx, &state, &plan, regions, etag)
	if client.IsPreconditionFailed(err) {
		// A retry of a PATCH whose response was lost meets its own change.
		conn, err = r.appliedUpdate(ctx, plan.ID.ValueString(), &plan, err)
	}
	if client.IsPreconditionFailed(err) {
		resp.Diagnostics.AddError("The connection changed outside Terraform",
			fmt.Sprintf("Connection %s was changed by someone else after Terraform last read it, so this update was not applied. "+
				"Run terraform apply again: it reads the current record and plans the changes against it.", plan.ID.ValueString()))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot update the connection", apiErrorDetail(err))
		return
	}
	r.data.connections.record(conn)

	resp.Diagnostics.Append(plan.save(ctx, conn, &resp.State, resp.Identity, resp.Private)...)
	timeout, diags := plan.Timeouts.Update(ctx, defaultHealthTimeout)
	resp.Diagnostics.Append(diags...)
	if !resp.Diagnostics.HasError() {
		r.awaitHealth(ctx, &plan, timeout, &resp.State, &resp.Diagnostics,
			"The connection's changes are saved. After fixing the cause, run terraform apply again: its plan shows "+
				"health_status as known after apply, and the apply checks the connection and waits again.")
	}
}

// updateRecord sends the planned record to the service, or, when only the
// health wait was planned, reads it.
func (r *awsConnectionResource) updateRecord(ctx context.Context, state, plan *awsConnectionResourceModel, regions []string, etag string) (*client.Connection, error) {
	if plan.sameRecord(state) {
		return r.client.GetConnection(ctx, plan.ID.ValueString())
	}
	name, roleARN, bucket := plan.Name.ValueString(), plan.RoleARN.ValueString(), plan.BillingBucket.ValueString()
	return r.client.UpdateConnection(ctx, plan.ID.ValueString(), client.UpdateConnectionRequest{
		Name:          &name,
		RoleARN:       &roleARN,
		BillingBucket: &bucket,
		Regions:       &regions,
	}, etag)
}

// appliedUpdate returns the record when it already holds the plan, as after
// a PATCH whose response was lost and whose retry was refused for the ETag
// the PATCH itself moved on; else it returns refused, the 412.
func (r *awsConnectionResource) appliedUpdate(ctx context.Context, id string, plan *awsConnectionResourceModel, refused error) (*client.Connection, error) {
	conn, err := r.client.GetConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	var current awsConnectionResourceModel
	if d := current.fromAPI(ctx, conn); d.HasError() || !current.sameRecord(plan) {
		return nil, refused
	}
	tflog.Info(ctx, "the connection already holds the planned change", map[string]any{"id": id})
	return conn, nil
}

// awaitHealth waits, when wait_for_healthy is set, until the connection is
// healthy, and records the health it ends with in state. next says what the
// next apply does when the wait fails.
func (r *awsConnectionResource) awaitHealth(ctx context.Context, m *awsConnectionResourceModel, timeout time.Duration, state *tfsdk.State, diags *diag.Diagnostics, next string) {
	if !m.WaitHealthy.ValueBool() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h, err := waitForHealthy(ctx, r.client, m.ID.ValueString(), newRoleInspector(r.data, *m).judge)
	if h != nil {
		r.data.connections.recordHealth(m.ID.ValueString(), *h)
		var d diag.Diagnostics
		m.HealthStatus = types.StringValue(h.Status)
		m.HealthDetails, d = healthDetailsList(ctx, h.Details)
		diags.Append(d...)
		diags.Append(state.SetAttribute(ctx, path.Root("health_status"), m.HealthStatus)...)
		diags.Append(state.SetAttribute(ctx, path.Root("health_details"), m.HealthDetails)...)
	}
	if err != nil {
		diags.AddError("The connection is not healthy", err.Error()+"\n\n"+next)
	}
}

func (r *awsConnectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state awsConnectionResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteConnection(ctx, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Cannot delete the connection", err.Error())
		return
	}
	r.data.connections.recordDeleted(state.ID.ValueString())
}

// importAccountPattern matches the import ID form that selects a connection
// by account: account:<12 digits>, optionally followed by :<type>.
var importAccountPattern = regexp.MustCompile(`^account:(\d{12})(?::(resource|billing))?$`)

// ImportState accepts a connection ID (conn_...), a connection name, or
// account:<account ID>[:<type>]. The forms cannot be confused: names have
// neither underscores nor colons. An import block may give the identity
// instead, whose id must be a connection ID.
func (r *awsConnectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if id == "" {
		var identity awsConnectionIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if id = identity.ID.ValueString(); !strings.HasPrefix(id, "conn_") {
			resp.Diagnostics.AddError("Invalid import identity", fmt.Sprintf("id %q is not a connection ID (conn_...). "+
				"To import a connection by name or account, give an import ID instead of the identity.", id))
			return
		}
	}
	if !strings.HasPrefix(id, "conn_") {
		opts, err := importLookup(id)
		if err != nil {
			resp.Diagnostics.AddError("Invalid import ID", err.Error())
			return
		}
		id, err = r.findConnectionID(ctx, id, opts)
		if err != nil {
			resp.Diagnostics.AddError("Cannot import the connection", err.Error())
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// importLookup turns a name or account import ID into list filters.
func importLookup(importID string) (client.ListConnectionsOptions, error) {
	if m := importAccountPattern.FindStringSubmatch(importID); m != nil {
		return client.ListConnectionsOptions{AccountID: m[1], Type: m[2]}, nil
	}
	if err := validate.ConnectionName(importID); err != nil {
		return client.ListConnectionsOptions{}, fmt.Errorf("%q is neither a connection ID (conn_...), an account "+
			"(account:123456789012 or account:123456789012:billing) nor a connection name: %w", importID, err)
	}
	return client.ListConnectionsOptions{Name: importID}, nil
}

// findConnectionID resolves a name or account import ID to exactly one connection.
func (r *awsConnectionResource) findConnectionID(ctx context.Context, importID string, opts client.ListConnectionsOptions) (string, error) {
	conns, err := r.client.ListAllConnections(ctx, opts)
	if err != nil {
		return "", err
	}
	switch len(conns) {
	case 0:
		return "", fmt.Errorf("no connection matches %q in this organization", importID)
	case 1:
		return conns[0].ID, nil
	}
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = fmt.Sprintf("%s (%s)", c.ID, c.Type)
	}
	return "", fmt.Errorf("%q matches %d connections: %s. Import by ID, or add the type: %s:resource or %s:billing",
		importID, len(conns), strings.Join(ids, ", "), importID, importID)
}

// save records the connection as the API returned it: in the model, in
// state and its identity, and its ETag in private state.
func (m *awsConnectionResourceModel) save(ctx context.Context, c *client.Connection, state *tfsdk.State, identity *tfsdk.ResourceIdentity, private privateState) diag.Diagnostics {
	diags := m.fromAPI(ctx, c)
	diags.Append(state.Set(ctx, m)...)
	diags.Append(identity.Set(ctx, awsConnectionIdentityModel{ID: m.ID})...)
	diags.Append(setETag(ctx, private, c.ETag)...)
	return diags
}

// fromAPI copies a connection from the API into the model.
func (m *awsConnectionResourceModel) fromAPI(ctx context.Context, c *client.Connection) diag.Diagnostics {
	m.ID = types.StringValue(c.ID)
	m.Name = types.StringValue(c.Name)
	m.Type = types.StringValue(c.Type)
	m.RoleARN = types.StringValue(c.RoleARN)
	m.AccountID = types.StringValue(c.AccountID)
	m.BillingBucket = optionalString(c.BillingBucket)
	m.CreatedAt = types.StringValue(c.CreatedAt.UTC().Format(time.RFC3339))
	m.HealthStatus = types.StringValue(c.Health.Status)
	details, diags := healthDetailsList(ctx, c.Health.Details)
	m.HealthDetails = details
	if m.WaitHealthy.IsNull() { // imported
		m.WaitHealthy = types.BoolValue(true)
	}
	regions, d := types.SetValueFrom(ctx, types.StringType, c.Regions)
	m.Regions = regions
	return append(diags, d...)
}

// equal reports whether m and o agree on every attribute, so that Read
// leaves state as it is when nothing changed.
func (m *awsConnectionResourceModel) equal(o *awsConnectionResourceModel) bool {
	return m.sameRecord(o) && m.ID.Equal(o.ID) && m.Type.Equal(o.Type) && m.AccountID.Equal(o.AccountID) &&
		m.AssumeRoleARN.Equal(o.AssumeRoleARN) && m.AssumeRoleExternalID.Equal(o.AssumeRoleExternalID) &&
		m.CreatedAt.Equal(o.CreatedAt) && m.WaitHealthy.Equal(o.WaitHealthy) && m.HealthStatus.Equal(o.HealthStatus) &&
		m.HealthDetails.Equal(o.HealthDetails) && m.Timeouts.Equal(o.Timeouts)
}

// sameRecord reports whether m and o agree on every field of the record
// that an update sends.
func (m *awsConnectionResourceModel) sameRecord(o *awsConnectionResourceModel) bool {
	return m.Name.Equal(o.Name) && m.RoleARN.Equal(o.RoleARN) && m.BillingBucket.Equal(o.BillingBucket) && m.Regions.Equal(o.Regions)
}

// apiErrorDetail explains an API error, with the way out of a conflict.
func apiErrorDetail(err error) string {
	if existing := client.ConflictingID(err); existing != "" {
		return fmt.Sprintf("%s\n\nTo manage the existing connection %s with Terraform, import it: "+
			"terraform import <resource address> %s (or an import block with id = %q).", err, existing, existing, existing)
	}
	return err.Error()
}

// privateState is the part of resource private state used here; the
// request and response types of every operation satisfy it.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func setETag(ctx context.Context, private privateState, etag string) diag.Diagnostics {
	value, _ := json.Marshal(etag) // a string always marshals
	return private.SetKey(ctx, etagKey, value)
}

// getETag returns the ETag of the last read, or "" (no precondition) for
// state written before ETags were kept.
func getETag(ctx context.Context, private privateState) (string, diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, etagKey)
	if diags.HasError() || len(raw) == 0 {
		return "", diags
	}
	var etag string
	if err := json.Unmarshal(raw, &etag); err != nil {
		diags.AddError("Corrupt private state", "The stored ETag of this connection cannot be read: "+err.Error())
	}
	return etag, diags
}

// roleInAnotherAccount requires replacement when the new role ARN names
// another account. An unknown ARN does not: the update applies either way.
func roleInAnotherAccount(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	before, after := roleARNAccount(req.StateValue), roleARNAccount(req.PlanValue)
	resp.RequiresReplace = before != "" && after != "" && before != after
}

// accountIDFromRoleARN plans account_id from role_arn, so it is known at
// plan time whenever the ARN is.
type accountIDFromRoleARN struct{}

func (accountIDFromRoleARN) Description(_ context.Context) string {
	return "The account ID is taken from role_arn."
}

func (m accountIDFromRoleARN) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (accountIDFromRoleARN) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.Plan.Raw.IsNull() { // destroy
		return
	}
	var roleARN types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("role_arn"), &roleARN)...)
	if roleARN.IsUnknown() || roleARN.IsNull() {
		resp.PlanValue = types.StringUnknown()
		return
	}
	if accountID := roleARNAccount(roleARN); accountID != "" {
		resp.PlanValue = types.StringValue(accountID)
	}
}
