package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// recheckConnections has the service check now every connection of the
// organization on the role, after a change to the role's trust policy or
// policies: the apply that fixes or breaks a role ends with the health of
// its connections saying so, whether or not they wait, without the
// periodic check. The IAM change itself succeeded, so a failure here is
// only logged.
func recheckConnections(ctx context.Context, data *providerData, account *awsiam.Account, roleName string) {
	accountID, err := account.CallerAccountID(ctx)
	if err != nil {
		tflog.Warn(ctx, "cannot tell the role's account to check its connections", map[string]any{"role": roleName, "error": err.Error()})
		return
	}
	conns, err := data.client.ListAllConnections(ctx, client.ListConnectionsOptions{AccountID: accountID})
	if err != nil {
		tflog.Warn(ctx, "cannot list the connections of the changed role", map[string]any{"role": roleName, "error": err.Error()})
		return
	}
	for _, c := range conns {
		if role, err := validate.ParseRoleARN(c.RoleARN); err != nil || role.Name != roleName {
			continue
		}
		h, err := data.client.CheckHealth(ctx, c.ID)
		if err != nil {
			tflog.Warn(ctx, "cannot check the connection of the changed role", map[string]any{"id": c.ID, "error": err.Error()})
			continue
		}
		tflog.Info(ctx, "checked the connection of the changed role", map[string]any{"id": c.ID, "status": h.Status, "codes": detailCodes(h.Details)})
	}
}
