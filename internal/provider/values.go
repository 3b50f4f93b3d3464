package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// optionalString maps the empty string, which AWS and the API return for an
// unset value, to null.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// stringMap converts a map of strings; null is an empty map.
func stringMap(ctx context.Context, m types.Map) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}

func stringsFromSet(ctx context.Context, set types.Set) ([]string, diag.Diagnostics) {
	values := []string{}
	diags := set.ElementsAs(ctx, &values, false)
	return values, diags
}

// healthDetail is one reason a connection is not healthy, in state.
type healthDetail struct {
	Code        types.String `tfsdk:"code"`
	Message     types.String `tfsdk:"message"`
	Remediation types.String `tfsdk:"remediation"`
}

// healthDetailType is healthDetail as an object type, for list attributes.
var healthDetailType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"code": types.StringType, "message": types.StringType, "remediation": types.StringType,
}}

// healthDetails converts the API's health details for state.
func healthDetails(details []client.HealthDetail) []healthDetail {
	out := make([]healthDetail, len(details))
	for i, d := range details {
		out[i] = healthDetail{
			Code:        types.StringValue(d.Code),
			Message:     types.StringValue(d.Message),
			Remediation: types.StringValue(d.Remediation),
		}
	}
	return out
}

// healthDetailsList converts the API's health details to a list attribute.
func healthDetailsList(ctx context.Context, details []client.HealthDetail) (types.List, diag.Diagnostics) {
	return types.ListValueFrom(ctx, healthDetailType, healthDetails(details))
}
