package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// These tests read, as Terraform 1.12 and later do, state written before
// the resources had an identity (by an older provider, or by Terraform
// 1.11): ReadResource with no current identity. Read fills the identity in,
// and an object deleted since leaves state instead of failing for want of
// an identity. terraform-plugin-testing cannot write such state, so the
// tests speak the plugin protocol themselves.

// olderStateReader is a provider server, configured, that reads state
// without an identity.
type olderStateReader struct {
	t      *testing.T
	server tfprotov6.ProviderServer
}

// newOlderStateReader starts and configures a provider for org, and for
// moto when it is not nil. Each reader is one Terraform operation: the
// connections it reads come from one list.
func newOlderStateReader(t *testing.T, org *acctest.Org, moto *acctest.MotoServer) *olderStateReader {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	var schemaResp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	values := map[string]any{"api_url": org.APIURL, "api_key": org.APIKey}
	if moto != nil {
		values["aws.region"] = acctest.MotoRegion
		values["aws.shared_credentials_files"] = []string{moto.CredentialsFile(t)}
		values["aws.endpoints.iam"] = moto.Endpoint
		values["aws.endpoints.sts"] = moto.Endpoint
	}
	server, err := providerserver.NewProtocol6WithError(p)()
	if err != nil {
		t.Fatal(err)
	}
	config := newObject(t, tfsdk.State{Schema: schemaResp.Schema}, values)
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.12.0", Config: config})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "ConfigureProvider", resp.Diagnostics)
	return &olderStateReader{t: t, server: server}
}

// read reads the resource r, whose state holds values, with no current
// identity, and returns the new state (nil when removed) and identity.
func (o *olderStateReader) read(r fwresource.Resource, typeName string, values map[string]any) (tftypes.Value, map[string]tftypes.Value) {
	o.t.Helper()
	ctx := context.Background()
	var schemaResp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &schemaResp)
	var identityResp fwresource.IdentitySchemaResponse
	r.(fwresource.ResourceWithIdentity).IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &identityResp)

	resp, err := o.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
		TypeName:     typeName,
		CurrentState: newObject(o.t, tfsdk.State{Schema: schemaResp.Schema}, values),
	})
	if err != nil {
		o.t.Fatal(err)
	}
	failOnDiagnostics(o.t, "ReadResource", resp.Diagnostics)
	state, err := resp.NewState.Unmarshal(schemaResp.Schema.Type().TerraformType(ctx))
	if err != nil {
		o.t.Fatal(err)
	}
	if resp.NewIdentity == nil || resp.NewIdentity.IdentityData == nil {
		o.t.Fatalf("ReadResource of %s returned no identity", typeName)
	}
	identity, err := resp.NewIdentity.IdentityData.Unmarshal(identityResp.IdentitySchema.Type().TerraformType(ctx))
	if err != nil {
		o.t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := identity.As(&attrs); err != nil {
		o.t.Fatal(err)
	}
	return state, attrs
}

// newObject is the value of data's schema with the given attributes set,
// by dotted path, and the others null, as Terraform sends it.
func newObject(t *testing.T, data tfsdk.State, values map[string]any) *tfprotov6.DynamicValue {
	t.Helper()
	ctx := context.Background()
	typ := data.Schema.Type().TerraformType(ctx)
	data.Raw = tftypes.NewValue(typ, nil)
	for name, v := range values {
		steps := strings.Split(name, ".")
		p := path.Root(steps[0])
		for _, step := range steps[1:] {
			p = p.AtName(step)
		}
		if diags := data.SetAttribute(ctx, p, v); diags.HasError() {
			t.Fatalf("setting %s: %v", name, diags)
		}
	}
	value, err := tfprotov6.NewDynamicValue(typ, data.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return &value
}

func failOnDiagnostics(t *testing.T, call string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", call, d.Summary, d.Detail)
		}
	}
}

// expectIdentity fails unless identity holds exactly want.
func expectIdentity(t *testing.T, identity map[string]tftypes.Value, want map[string]string) {
	t.Helper()
	if len(identity) != len(want) {
		t.Errorf("identity = %v; want %v", identity, want)
	}
	for name, value := range want {
		if got := identity[name]; !got.Equal(tftypes.NewValue(tftypes.String, value)) {
			t.Errorf("identity %s = %v; want %q", name, got, value)
		}
	}
}

func TestAccAWSConnection_identityOfOlderState(t *testing.T) {
	org := acctest.NewOrg(t)
	conn, err := org.Client.CreateConnection(context.Background(), client.CreateConnectionRequest{
		Name: "payer", Type: validate.TypeBilling, RoleARN: roleARN(testPayerAccount, "costlink-billing-access"),
		BillingBucket: "acme-billing-export",
	}, "")
	if err != nil {
		t.Fatalf("creating a connection through the API: %v", err)
	}
	olderState := map[string]any{"id": conn.ID, "name": conn.Name}

	state, identity := newOlderStateReader(t, org, nil).read(NewAWSConnectionResource(), "costlink_aws_connection", olderState)
	if state.IsNull() {
		t.Fatal("the connection left state")
	}
	expectIdentity(t, identity, map[string]string{"id": conn.ID})

	// Deleted since: it leaves state, still with its identity.
	if err := org.Client.DeleteConnection(context.Background(), conn.ID); err != nil {
		t.Fatalf("deleting the connection through the API: %v", err)
	}
	state, identity = newOlderStateReader(t, org, nil).read(NewAWSConnectionResource(), "costlink_aws_connection", olderState)
	if !state.IsNull() {
		t.Errorf("the deleted connection is still in state: %v", state)
	}
	expectIdentity(t, identity, map[string]string{"id": conn.ID})
}

func TestAccAWSRole_identityOfOlderState(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	const role = "costlink-resource-access"
	memberIAM := moto.DirectIAM(account)
	if _, err := memberIAM.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(role), Path: aws.String("/costlink/"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"AWS":"` + acctest.ServicePrincipalARN + `"},"Action":"sts:AssumeRole"}]}`),
	}); err != nil {
		t.Fatalf("creating the role: %v", err)
	}
	// State written before identities, but after an import by ID: without
	// account_id, which only the role's read records.
	roleState := map[string]any{
		"id": role, "name": role, "assume_role_arn": moto.MemberAccountRoleARN(account),
	}
	policyState := map[string]any{
		"id": role, "role_name": role, "type": validate.TypeResource,
		"assume_role_arn": moto.MemberAccountRoleARN(account),
	}
	wantRole := map[string]string{"account_id": account, "name": role}
	wantPolicy := map[string]string{"account_id": account, "role_name": role, "type": validate.TypeResource}

	reader := newOlderStateReader(t, org, moto)
	state, identity := reader.read(NewAWSRoleResource(), "costlink_aws_role", roleState)
	if state.IsNull() {
		t.Fatal("the role left state")
	}
	expectIdentity(t, identity, wantRole)
	state, identity = reader.read(NewAWSRolePolicyResource(), "costlink_aws_role_policy", policyState)
	if state.IsNull() {
		t.Fatal("the role policy left state")
	}
	expectIdentity(t, identity, wantPolicy)

	// Deleted since: both leave state, still with their identity.
	if _, err := memberIAM.DeleteRole(context.Background(), &iam.DeleteRoleInput{RoleName: aws.String(role)}); err != nil {
		t.Fatalf("deleting the role: %v", err)
	}
	state, identity = reader.read(NewAWSRoleResource(), "costlink_aws_role", roleState)
	if !state.IsNull() {
		t.Errorf("the deleted role is still in state: %v", state)
	}
	expectIdentity(t, identity, wantRole)
	state, identity = reader.read(NewAWSRolePolicyResource(), "costlink_aws_role_policy", policyState)
	if !state.IsNull() {
		t.Errorf("the deleted role's policy is still in state: %v", state)
	}
	expectIdentity(t, identity, wantPolicy)
}
