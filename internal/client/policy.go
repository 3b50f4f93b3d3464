package client

import (
	"context"
	"net/http"
	"net/url"
)

// Policy is what the platform generates for a connection type: the trust
// policy and the read-only permissions a connected account's role grants.
type Policy struct {
	Version           string           `json:"version"` // content hash; changes when the permissions change
	TrustPolicy       string           `json:"trust_policy"`
	Documents         []PolicyDocument `json:"documents"`
	ManagedPolicyARNs []string         `json:"managed_policy_arns"`
	ExternalID        string           `json:"external_id"`
	PrincipalARN      string           `json:"principal_arn"`
}

// PolicyDocument is one inline policy of the generated permissions.
type PolicyDocument struct {
	Name string `json:"name"`
	JSON string `json:"json"`
}

// GetPolicy returns the generated policy of a connection type; billingBucket
// is required for, and only for, the billing type.
func (c *Client) GetPolicy(ctx context.Context, connectionType, billingBucket string) (*Policy, error) {
	q := url.Values{"type": {connectionType}}
	if billingBucket != "" {
		q.Set("billing_bucket", billingBucket)
	}
	var p Policy
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/aws/policy", query: q}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
