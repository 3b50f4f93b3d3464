package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

// The list resources driven as Terraform drives them, over the plugin
// protocol, against fakes of the service and of IAM: no TF_ACC, no
// terraform CLI.

// TestAWSConnectionList_protocol drives the list resource as Terraform does,
// over the plugin protocol, against a fake service of 1,200 connections: it
// lists them in pages of 1,000 and stops at the limit Terraform gives.
func TestAWSConnectionList_protocol(t *testing.T) {
	const total = 1200
	var requests []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/organization":
			_, _ = fmt.Fprint(w, `{"id":"org_1","name":"acme","external_id":"acme-external-id-0123456789abcdef","principal_arn":"arn:aws:iam::123456789012:root"}`)
		case "/v1/aws/connections":
			start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
			limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			page := []map[string]any{}
			for i := start; i < min(start+limit, total); i++ {
				account := fmt.Sprintf("%012d", 500000000000+i)
				page = append(page, map[string]any{"id": fmt.Sprintf("conn_%05d", i), "name": "member-" + account, "type": "resource",
					"role_arn": "arn:aws:iam::" + account + ":role/costlink-access", "account_id": account, "regions": []string{"us-east-1"},
					"created_at": "2026-01-02T03:04:05Z", "version": 1, "health": map[string]any{"status": "healthy", "details": []any{}}})
			}
			next := ""
			if start+limit < total {
				next = strconv.Itoa(start + limit)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"connections": page, "next_cursor": next})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)

	server, schemas := servedSchemas(t)
	configured, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{Config: configOf(t, schemas.Provider, map[string]tftypes.Value{
		"api_url": tftypes.NewValue(tftypes.String, api.URL),
		"api_key": tftypes.NewValue(tftypes.String, "clk_0123456789abcdef0123456789abcdef01234567"),
	})})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %s", err, diagnosticsText(configured.Diagnostics))
	}

	lister, ok := server.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatalf("the provider server %T serves no list resources", server)
	}
	list := func(limit int64, config map[string]tftypes.Value) []tfprotov6.ListResourceResult {
		t.Helper()
		stream, err := lister.ListResource(t.Context(), &tfprotov6.ListResourceRequest{
			TypeName: "costlink_aws_connection", Config: configOf(t, schemas.ListResourceSchemas["costlink_aws_connection"], config),
			IncludeResource: true, Limit: limit,
		})
		if err != nil {
			t.Fatal(err)
		}
		return slices.Collect(stream.Results)
	}

	requests = nil
	results := list(5, map[string]tftypes.Value{"name_prefix": tftypes.NewValue(tftypes.String, "member-5000000011")})
	if len(results) != 5 {
		t.Fatalf("listed %d connections, want the limit, 5", len(results))
	}
	identityType := resourceIdentityType(t, server, "costlink_aws_connection")
	resourceType := schemas.ResourceSchemas["costlink_aws_connection"].ValueType()
	for i, result := range results {
		if len(result.Diagnostics) > 0 {
			t.Fatalf("result %d: %s", i, diagnosticsText(result.Diagnostics))
		}
		wantID := fmt.Sprintf("conn_%05d", 1100+i) // member-500000001100 onwards, on the second page
		if got := stringAttribute(t, result.Identity.IdentityData, identityType, "id"); got != wantID {
			t.Errorf("result %d has identity %s, want %s", i, got, wantID)
		}
		if got := stringAttribute(t, result.Resource, resourceType, "role_arn"); !strings.HasSuffix(got, ":role/costlink-access") {
			t.Errorf("result %d has role_arn %q, want the record's", i, got)
		}
	}
	if want := []string{"/v1/aws/connections?limit=1000", "/v1/aws/connections?cursor=1000&limit=1000"}; !slices.Equal(requests, want) {
		t.Errorf("requests %q, want %q: one list of the largest pages", requests, want)
	}

	if results := list(2000, nil); len(results) != total {
		t.Errorf("listed %d connections without a filter, want %d", len(results), total)
	}
}

// resourceIdentityType is the identity type Terraform is served for a resource.
func resourceIdentityType(t *testing.T, server tfprotov6.ProviderServer, typeName string) tftypes.Type {
	t.Helper()
	resp, err := server.GetResourceIdentitySchemas(t.Context(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || resp.IdentitySchemas[typeName] == nil {
		t.Fatalf("GetResourceIdentitySchemas: %v, no identity of %s", err, typeName)
	}
	return resp.IdentitySchemas[typeName].ValueType()
}

// stringAttribute is the string attribute name of an object value.
func stringAttribute(t *testing.T, value *tfprotov6.DynamicValue, typ tftypes.Type, name string) string {
	t.Helper()
	if value == nil {
		t.Fatalf("no value holding %s", name)
	}
	raw, err := value.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := attrs[name].As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeIAMRole is a role as IAM's query API answers it; tags, as GetRole
// alone returns them.
func fakeIAMRole(name, trustPolicy, tags string) string {
	return `<RoleName>` + name + `</RoleName><Path>/costlink/</Path><RoleId>AROA` + strings.ToUpper(strings.ReplaceAll(name, "-", "")) +
		`</RoleId><Arn>arn:aws:iam::123456789012:role/costlink/` + name + `</Arn><CreateDate>2026-01-02T03:04:05Z</CreateDate>` +
		`<MaxSessionDuration>3600</MaxSessionDuration><AssumeRolePolicyDocument>` + url.PathEscape(trustPolicy) +
		`</AssumeRolePolicyDocument>` + tags
}

// TestAWSRoleList_protocol drives the role list resource over the plugin
// protocol against a fake IAM that answers as AWS does: ListRoles without
// tags, GetRole with them. Only the role trusting the platform with the
// organization's external ID is listed, and its tags come from GetRole.
func TestAWSRoleList_protocol(t *testing.T) {
	const principal, externalID = "arn:aws:iam::999999999999:root", "acme-external-id-0123456789abcdef"
	trusting, err := iampolicy.TrustPolicy(principal, externalID)
	if err != nil {
		t.Fatal(err)
	}
	otherOrganization, err := iampolicy.TrustPolicy(principal, "another-organizations-external-id")
	if err != nil {
		t.Fatal(err)
	}
	withoutExternalID := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
	tags := `<Tags><member><Key>team</Key><Value>platform</Value></member></Tags>`

	var calls []string
	iamAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.FormValue("Action")
		calls = append(calls, action)
		var result string
		switch action {
		case "ListRoles":
			result = `<Roles><member>` + fakeIAMRole("costlink-resource-access", trusting, "") + `</member><member>` +
				fakeIAMRole("OrganizationAccountAccessRole", withoutExternalID, "") + `</member><member>` +
				fakeIAMRole("another-organization", otherOrganization, "") + `</member></Roles><IsTruncated>false</IsTruncated>`
		case "GetRole":
			result = `<Role>` + fakeIAMRole(r.FormValue("RoleName"), trusting, tags) + `</Role>`
		default:
			http.Error(w, "unexpected action "+action, http.StatusNotImplemented)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = fmt.Fprintf(w, `<%[1]sResponse><%[1]sResult>%s</%[1]sResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%[1]sResponse>`, action, result)
	}))
	t.Cleanup(iamAPI.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":"org_1","name":"acme","external_id":%q,"principal_arn":%q}`, externalID, principal)
	}))
	t.Cleanup(api.Close)
	credentials := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(credentials, []byte("[default]\naws_access_key_id = fake\naws_secret_access_key = fake\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	server, schemas := servedSchemas(t)
	awsType := schemas.Provider.ValueType().(tftypes.Object).AttributeTypes["aws"].(tftypes.Object)
	endpointsType := awsType.AttributeTypes["endpoints"].(tftypes.Object)
	configured, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{Config: configOf(t, schemas.Provider, map[string]tftypes.Value{
		"api_url": tftypes.NewValue(tftypes.String, api.URL),
		"api_key": tftypes.NewValue(tftypes.String, "clk_0123456789abcdef0123456789abcdef01234567"),
		"aws": objectOf(awsType, map[string]tftypes.Value{
			"region":                   tftypes.NewValue(tftypes.String, "us-east-1"),
			"shared_credentials_files": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, credentials)}),
			"endpoints": objectOf(endpointsType, map[string]tftypes.Value{
				"iam": tftypes.NewValue(tftypes.String, iamAPI.URL),
				"sts": tftypes.NewValue(tftypes.String, iamAPI.URL),
			}),
		}),
	})})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %s", err, diagnosticsText(configured.Diagnostics))
	}
	lister, ok := server.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatalf("the provider server %T serves no list resources", server)
	}
	list := func(includeResource bool) []tfprotov6.ListResourceResult {
		t.Helper()
		calls = nil
		stream, err := lister.ListResource(t.Context(), &tfprotov6.ListResourceRequest{
			TypeName: "costlink_aws_role", Config: configOf(t, schemas.ListResourceSchemas["costlink_aws_role"], nil),
			IncludeResource: includeResource, Limit: 100,
		})
		if err != nil {
			t.Fatal(err)
		}
		return slices.Collect(stream.Results)
	}

	identityType := resourceIdentityType(t, server, "costlink_aws_role")
	results := list(false)
	if len(results) != 1 || len(results[0].Diagnostics) > 0 {
		t.Fatalf("listed %d roles, want costlink-resource-access alone: %+v", len(results), results)
	}
	if name := stringAttribute(t, results[0].Identity.IdentityData, identityType, "name"); name != "costlink-resource-access" {
		t.Errorf("listed %s, want costlink-resource-access", name)
	}
	if account := stringAttribute(t, results[0].Identity.IdentityData, identityType, "account_id"); account != "123456789012" {
		t.Errorf("identity account_id %s, want the role's account, 123456789012", account)
	}
	if !slices.Equal(calls, []string{"ListRoles"}) {
		t.Errorf("IAM calls %v, want one ListRoles and no GetRole without include_resource", calls)
	}

	results = list(true)
	if len(results) != 1 || results[0].Resource == nil {
		t.Fatalf("listed %+v, want costlink-resource-access with its state", results)
	}
	raw, err := results[0].Resource.Unmarshal(schemas.ResourceSchemas["costlink_aws_role"].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]tftypes.Value
	if err := raw.As(&state); err != nil {
		t.Fatal(err)
	}
	want := tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"team": tftypes.NewValue(tftypes.String, "platform")})
	if !state["tags"].Equal(want) {
		t.Errorf("tags %v, want GetRole's %v", state["tags"], want)
	}
	if !slices.Equal(calls, []string{"ListRoles", "GetRole"}) {
		t.Errorf("IAM calls %v, want ListRoles, then GetRole for the one listed role", calls)
	}
}

// objectOf is a value of an object type: the attributes given, null elsewhere.
func objectOf(typ tftypes.Object, values map[string]tftypes.Value) tftypes.Value {
	attrs := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(attrType, nil)
		if v, ok := values[name]; ok {
			attrs[name] = v
		}
	}
	return tftypes.NewValue(typ, attrs)
}
