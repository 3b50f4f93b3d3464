package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// checkServiceAccess makes the provider's first contact with the service
// when it is configured: Terraform shows a Configure error once and plans
// nothing, so a wrong URL or API key costs one error within seconds, instead
// of one per resource after every retry. It returns the API key's
// organization, nil after an error.
func checkServiceAccess(ctx context.Context, c *client.Client, cfg client.Config, diags *diag.Diagnostics) *client.Organization {
	org, err := c.CheckAccess(ctx)
	var unreachable *client.UnreachableError
	switch {
	case err == nil:
	case errors.As(err, &unreachable):
		diags.AddError("Cannot reach the costlink service", fmt.Sprintf(
			"No connection could be made to %s, the URL from %s, in %d attempt(s): %v.\n\n"+
				"Check that the URL is right, that the connection service is running, and that this machine can reach it "+
				"(a proxy, firewall or VPN in between).",
			c.BaseURL(), cfg.BaseURLSource(), unreachable.Attempts, unreachable.Err))
	case client.IsUnauthorized(err):
		diags.AddError("The costlink API key was not accepted", fmt.Sprintf(
			"The service at %s refused the API key from %s (401)%s.\n\n"+
				"Check that this key is complete and current (not revoked or expired) and that it was issued by this service.",
			c.BaseURL(), cfg.APIKeySource(), serviceSaid(err)))
	default:
		diags.AddError("Cannot use the costlink service", fmt.Sprintf(
			"The first request to %s, the URL from %s, failed: %v", c.BaseURL(), cfg.BaseURLSource(), err))
	}
	return org
}

// serviceSaid quotes the detail of an API error, when it has one.
func serviceSaid(err error) string {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Detail != "" {
		return fmt.Sprintf("; it said: %q", apiErr.Detail)
	}
	return ""
}
