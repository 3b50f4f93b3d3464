package provider

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var (
	_ resource.Resource                   = &awsRolePolicyResource{}
	_ resource.ResourceWithConfigure      = &awsRolePolicyResource{}
	_ resource.ResourceWithModifyPlan     = &awsRolePolicyResource{}
	_ resource.ResourceWithImportState    = &awsRolePolicyResource{}
	_ resource.ResourceWithValidateConfig = &awsRolePolicyResource{}
	_ resource.ResourceWithIdentity       = &awsRolePolicyResource{}
)

// NewAWSRolePolicyResource returns the costlink_aws_role_policy resource.
func NewAWSRolePolicyResource() resource.Resource {
	return &awsRolePolicyResource{}
}

type awsRolePolicyResource struct {
	data *providerData
}

type awsRolePolicyResourceModel struct {
	ID                   types.String `tfsdk:"id"`
	RoleName             types.String `tfsdk:"role_name"`
	Type                 types.String `tfsdk:"type"`
	BillingBucket        types.String `tfsdk:"billing_bucket"`
	AssumeRoleARN        types.String `tfsdk:"assume_role_arn"`
	AssumeRoleExternalID types.String `tfsdk:"assume_role_external_id"`
	Version              types.String `tfsdk:"version"`
	PolicyNames          types.List   `tfsdk:"policy_names"`
	Documents            types.Map    `tfsdk:"documents"`
	ManagedPolicyARNs    types.Set    `tfsdk:"managed_policy_arns"`
}

// awsRolePolicyIdentityModel is the role policy's resource identity: a role
// has at most one generated policy of each connection type.
type awsRolePolicyIdentityModel struct {
	AccountID types.String `tfsdk:"account_id"`
	RoleName  types.String `tfsdk:"role_name"`
	Type      types.String `tfsdk:"type"`
}

// rolePolicy is what is, or should be, on the role: inline documents by name
// and attached managed policies.
type rolePolicy struct {
	documents map[string]string
	managed   []string
}

func (r *awsRolePolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_aws_role_policy"
}

func (r *awsRolePolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Grants a role the read-only permissions the platform generates for a connection type: puts the " +
			"generated documents as inline policies and attaches the generated managed policies. A statement removed or a " +
			"managed policy detached in AWS, or a newer generated version in the service, shows as an update in the plan; " +
			"a document IAM merely reformatted never does. The policy the role gets is known after apply: the service may " +
			"generate a newer one between plan and apply, and the role gets the one generated then (the `costlink_aws_policy` " +
			"data source shows what it is now).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The role name.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"role_name": schema.StringAttribute{
				MarkdownDescription: "Name of the role, for example `costlink_aws_role.this.name`. Changing it replaces the resource.",
				Required:            true,
				Validators:          []validator.String{roleNameValidator()},
				PlanModifiers:       replace,
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Connection type whose permissions to grant: `resource` (default) or `billing`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(validate.TypeResource),
				Validators:          []validator.String{stringvalidator.OneOf(validate.ConnectionTypes...)},
				PlanModifiers:       replace,
			},
			"billing_bucket": schema.StringAttribute{
				MarkdownDescription: "S3 bucket of the billing export. Required for `billing`, not allowed for `resource`.",
				Optional:            true,
				Validators:          []validator.String{bucketNameValidator()},
			},
			"assume_role_arn":         assumeRoleARNAttribute(),
			"assume_role_external_id": assumeRoleExternalIDAttribute(),
			"version": schema.StringAttribute{
				MarkdownDescription: "Version (content hash) of the generated permissions the role has.",
				Computed:            true,
			},
			"policy_names": schema.ListAttribute{
				MarkdownDescription: "Names of the inline policies this resource puts on the role.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"documents": schema.MapAttribute{
				MarkdownDescription: "The inline policies on the role, by name, as JSON.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"managed_policy_arns": schema.SetAttribute{
				MarkdownDescription: "The generated managed policies attached to the role.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (r *awsRolePolicyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"account_id": identityAccountIDAttribute(),
			"role_name":  identityRoleNameAttribute(),
			"type": identityschema.StringAttribute{
				Description: "Connection type whose generated permissions the role has: `resource` or `billing`. A `billing` " +
					"policy cannot be imported, as its documents depend on the billing export bucket.",
				RequiredForImport: true,
			},
		},
	}
}

func (r *awsRolePolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *awsRolePolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config awsRolePolicyResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateBillingBucket(config.Type, config.BillingBucket, &resp.Diagnostics)
}

// ModifyPlan plans an update when the role lacks the generated policy. What
// the role will get is known after apply, as it is on create: Terraform plans
// again at apply and requires every value known in the plan to come out the
// same, but the service may generate a newer policy in between (an upgrade
// between `plan -out` and `apply`). Apply puts what the service generates
// then, and records exactly that.
func (r *awsRolePolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() || r.data == nil {
		return // a create, whose policy the framework plans as unknown
	}
	var plan, state awsRolePolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || plan.Type.IsUnknown() || plan.BillingBucket.IsUnknown() {
		return
	}
	want, err := r.data.policies.get(ctx, plan.Type.ValueString(), plan.BillingBucket.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the generated policy", err.Error())
		return
	}
	have, diags := state.rolePolicy(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || have.satisfies(generated(want)) {
		return // no change, or another one, for which the framework planned the policy unknown
	}
	plan.Version = types.StringUnknown()
	plan.PolicyNames = types.ListUnknown(types.StringType)
	plan.Documents = types.MapUnknown(types.StringType)
	plan.ManagedPolicyARNs = types.SetUnknown(types.StringType)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

func (r *awsRolePolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan awsRolePolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, rolePolicy{}, resp.Identity, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *awsRolePolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state awsRolePolicyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	found := r.read(ctx, &state, resp.Identity, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !found {
		tflog.Warn(ctx, "role not found, removing its policy from state", map[string]any{"role": state.RoleName.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *awsRolePolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state awsRolePolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	had, diags := state.rolePolicy(ctx)
	resp.Diagnostics.Append(diags...)
	r.apply(ctx, &plan, had, resp.Identity, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *awsRolePolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state awsRolePolicyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	had, diags := state.rolePolicy(ctx)
	resp.Diagnostics.Append(diags...)
	account, diags := memberAccount(ctx, r.data, state.AssumeRoleARN, state.AssumeRoleExternalID)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := removePolicy(ctx, account, state.RoleName.ValueString(), had, rolePolicy{}); err != nil {
		resp.Diagnostics.AddError("Cannot remove the policies from the role", err.Error())
		return
	}
	recheckConnections(ctx, r.data, account, state.RoleName.ValueString())
}

// ImportState takes ROLE_NAME or ASSUME_ROLE_ARN,ROLE_NAME, or an import
// block's identity.
func (r *awsRolePolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != "" {
		importMemberRole(ctx, req, resp, "role_name")
		return
	}
	var identity awsRolePolicyIdentityModel
	resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := validate.ConnectionType(identity.Type.ValueString()); err != nil {
		resp.Diagnostics.AddError("Invalid import identity", err.Error())
		return
	}
	importMemberRoleByIdentity(ctx, r.data, identity.AccountID.ValueString(), identity.RoleName.ValueString(), "role_name", resp)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("type"), identity.Type)...)
}

// apply puts the generated policy on the role, removes what an earlier one
// had that the generated one no longer has, and reads the result into plan
// and its identity.
func (r *awsRolePolicyResource) apply(ctx context.Context, plan *awsRolePolicyResourceModel, had rolePolicy, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	account, d := memberAccount(ctx, r.data, plan.AssumeRoleARN, plan.AssumeRoleExternalID)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(setRolePolicyIdentity(ctx, identity, account, plan)...)
	if diags.HasError() {
		return
	}
	// The plan left the policy unknown (see ModifyPlan); in an update, the
	// cache makes it the one Terraform's final plan, made at apply, saw.
	want, err := r.data.policies.get(ctx, plan.Type.ValueString(), plan.BillingBucket.ValueString())
	if err != nil {
		diags.AddError("Cannot read the generated policy", err.Error())
		return
	}
	role, policy := plan.RoleName.ValueString(), generated(want)
	for _, name := range slices.Sorted(maps.Keys(policy.documents)) {
		if err := account.PutRolePolicy(ctx, role, name, policy.documents[name]); err != nil {
			diags.AddError("Cannot put the inline policy "+name, err.Error())
			return
		}
	}
	for _, arn := range policy.managed {
		if err := account.AttachRolePolicy(ctx, role, arn); err != nil {
			diags.AddError("Cannot attach the managed policy "+arn, err.Error())
			return
		}
	}
	if err := removePolicy(ctx, account, role, had, policy); err != nil {
		diags.AddError("Cannot remove the policies the role no longer needs", err.Error())
		return
	}
	diags.Append(plan.setPolicy(ctx, want.Version, policy)...)
	plan.ID = plan.RoleName
	recheckConnections(ctx, r.data, account, role)
}

// removePolicy deletes the inline policies and detaches the managed policies
// of had that keep does not have.
func removePolicy(ctx context.Context, account *awsiam.Account, role string, had, keep rolePolicy) error {
	for name := range had.documents {
		if _, ok := keep.documents[name]; !ok {
			if err := account.DeleteRolePolicy(ctx, role, name); err != nil && !awsiam.IsNotFound(err) {
				return err
			}
		}
	}
	for _, arn := range had.managed {
		if !slices.Contains(keep.managed, arn) {
			if err := account.DetachRolePolicy(ctx, role, arn); err != nil && !awsiam.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// read fills state and its identity with what the role has of the
// generated policy; false when the role does not exist.
func (r *awsRolePolicyResource) read(ctx context.Context, state *awsRolePolicyResourceModel, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) bool {
	state.ID = state.RoleName
	account, d := memberAccount(ctx, r.data, state.AssumeRoleARN, state.AssumeRoleExternalID)
	diags.Append(d...)
	if diags.HasError() {
		return false
	}
	// Set before the read: a role gone keeps its identity while its policy
	// leaves state, without a type when it was just imported by ID.
	diags.Append(setRolePolicyIdentity(ctx, identity, account, state)...)
	if diags.HasError() {
		return false
	}
	if state.Type.IsNull() { // imported by ID: the role's inline policies tell the type
		connType, err := importedType(ctx, account, state.RoleName.ValueString())
		if awsiam.IsNotFound(err) {
			return false
		}
		if err != nil {
			diags.AddError("Cannot read the role's inline policies", err.Error())
			return false
		}
		state.Type = types.StringValue(connType)
		diags.Append(setRolePolicyIdentity(ctx, identity, account, state)...)
	}
	// Only an import leaves a billing policy without its bucket (the
	// configuration requires one).
	if state.Type.ValueString() == validate.TypeBilling && state.BillingBucket.IsNull() {
		diags.AddError("Cannot import a billing role policy",
			"Role "+state.RoleName.ValueString()+" has the billing policy, whose generated documents depend on the billing "+
				"export bucket, which neither an import ID nor an identity carries. Remove the role's costlink-billing-* inline "+
				"policies and let costlink_aws_role_policy put them again, or import the role only (costlink_aws_role).")
		return false
	}
	prior, d := state.rolePolicy(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return false
	}
	want, err := r.data.policies.get(ctx, state.Type.ValueString(), state.BillingBucket.ValueString())
	if err != nil {
		diags.AddError("Cannot read the generated policy", err.Error())
		return false
	}
	wanted := generated(want)
	role := state.RoleName.ValueString()

	attached, err := account.ListAttachedRolePolicyARNs(ctx, role)
	if awsiam.IsNotFound(err) {
		return false
	}
	if err != nil {
		diags.AddError("Cannot read the role's managed policies", err.Error())
		return false
	}
	have := rolePolicy{documents: map[string]string{}}
	for _, arn := range attached { // only the policies this resource manages
		if slices.Contains(wanted.managed, arn) || slices.Contains(prior.managed, arn) {
			have.managed = append(have.managed, arn)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(mergeKeys(prior.documents, wanted.documents))) {
		doc, err := account.FindRolePolicy(ctx, role, name)
		if awsiam.IsNotFound(err) {
			continue
		}
		if err != nil {
			diags.AddError("Cannot read the inline policy "+name, err.Error())
			return false
		}
		have.documents[name] = keepEquivalent(types.StringValue(prior.documents[name]), doc).ValueString()
	}

	version := state.Version
	if have.satisfies(wanted) {
		version = types.StringValue(want.Version)
	}
	diags.Append(state.setPolicy(ctx, "", have)...)
	state.Version = version
	return true
}

// setRolePolicyIdentity records the identity of the policy in m, on the
// role in account.
func setRolePolicyIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, account *awsiam.Account, m *awsRolePolicyResourceModel) diag.Diagnostics {
	accountID, diags := memberAccountID(ctx, account, m.AssumeRoleARN)
	if diags.HasError() {
		return diags
	}
	return append(diags, identity.Set(ctx, awsRolePolicyIdentityModel{AccountID: accountID, RoleName: m.RoleName, Type: m.Type})...)
}

// importedType tells the connection type of an imported role's policy from
// the names of its inline policies; the billing bucket is left for the
// configuration to set on the first apply.
func importedType(ctx context.Context, account *awsiam.Account, role string) (string, error) {
	names, err := account.ListRolePolicyNames(ctx, role)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		if strings.HasPrefix(name, iampolicy.DocumentNamePrefix(validate.TypeBilling)) {
			return validate.TypeBilling, nil
		}
	}
	return validate.TypeResource, nil
}

// generated is the policy the service generates, as it should be on the role.
func generated(p *client.Policy) rolePolicy {
	docs := make(map[string]string, len(p.Documents))
	for _, d := range p.Documents {
		docs[d.Name] = d.JSON
	}
	return rolePolicy{documents: docs, managed: slices.Sorted(slices.Values(p.ManagedPolicyARNs))}
}

// satisfies tells whether the role has exactly the wanted documents, each
// meaning the same as wanted, and every wanted managed policy.
func (have rolePolicy) satisfies(wanted rolePolicy) bool {
	if len(have.documents) != len(wanted.documents) || !slices.Equal(slices.Sorted(slices.Values(have.managed)), wanted.managed) {
		return false
	}
	for name, doc := range wanted.documents {
		same, err := iampolicy.Equivalent(have.documents[name], doc)
		if err != nil || !same {
			return false
		}
	}
	return true
}

// rolePolicy is what the model records of the role's policy.
func (m *awsRolePolicyResourceModel) rolePolicy(ctx context.Context) (rolePolicy, diag.Diagnostics) {
	p := rolePolicy{documents: map[string]string{}}
	var diags diag.Diagnostics
	if !m.Documents.IsNull() && !m.Documents.IsUnknown() {
		diags.Append(m.Documents.ElementsAs(ctx, &p.documents, false)...)
	}
	if !m.ManagedPolicyARNs.IsNull() && !m.ManagedPolicyARNs.IsUnknown() {
		diags.Append(m.ManagedPolicyARNs.ElementsAs(ctx, &p.managed, false)...)
	}
	return p, diags
}

// setPolicy records a policy, and its version when known, in the model.
func (m *awsRolePolicyResourceModel) setPolicy(ctx context.Context, version string, p rolePolicy) diag.Diagnostics {
	var diags, d diag.Diagnostics
	if version != "" {
		m.Version = types.StringValue(version)
	}
	m.PolicyNames, d = types.ListValueFrom(ctx, types.StringType, slices.Sorted(maps.Keys(p.documents)))
	diags.Append(d...)
	m.Documents, d = types.MapValueFrom(ctx, types.StringType, p.documents)
	diags.Append(d...)
	m.ManagedPolicyARNs, d = types.SetValueFrom(ctx, types.StringType, nonNil(p.managed))
	diags.Append(d...)
	return diags
}

func mergeKeys(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
