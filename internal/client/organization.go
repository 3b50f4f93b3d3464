package client

import (
	"context"
	"net/http"
)

// Organization is the organization the API key belongs to, with what a
// member account's role must trust.
type Organization struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ExternalID   string `json:"external_id"`   // for the sts:ExternalId condition of the trust policy
	PrincipalARN string `json:"principal_arn"` // the principal the role trusts; may be ""
}

// GetOrganization returns the organization of the API key. Any valid key may
// read it, whatever its scopes.
func (c *Client) GetOrganization(ctx context.Context) (*Organization, error) {
	var org Organization
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/organization"}, &org); err != nil {
		return nil, err
	}
	return &org, nil
}
