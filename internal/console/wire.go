package console

import "time"

// The API's bodies the console reads and sends, as internal/server/openapi.yaml
// defines them.

// API paths the console calls.
const (
	apiOrganization  = "/v1/organization"
	apiPolicy        = "/v1/aws/policy"
	apiConnections   = "/v1/aws/connections"
	apiConnectionFmt = "/v1/aws/connections/%s"
)

type organization struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"` // of the key that asked
}

type connection struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Type      string           `json:"type"`
	RoleARN   string           `json:"role_arn"`
	AccountID string           `json:"account_id"`
	Regions   []string         `json:"regions"`
	Health    connectionHealth `json:"health"`
}

type connectionHealth struct {
	Status        string         `json:"status"`
	CheckedAt     *time.Time     `json:"checked_at"`
	LastHealthyAt *time.Time     `json:"last_healthy_at"`
	Details       []healthDetail `json:"details"`
}

type healthDetail struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
}

type connectionList struct {
	Connections []connection `json:"connections"`
	NextCursor  string       `json:"next_cursor"`
}

type policy struct {
	Version           string           `json:"version"`
	TrustPolicy       string           `json:"trust_policy"`
	Documents         []policyDocument `json:"documents"`
	ManagedPolicyARNs []string         `json:"managed_policy_arns"`
	ExternalID        string           `json:"external_id"`
	PrincipalARN      string           `json:"principal_arn"`
}

type policyDocument struct {
	Name string `json:"name"`
	JSON string `json:"json"`
}

type createRequest struct {
	Name    string   `json:"name"`
	RoleARN string   `json:"role_arn"`
	Regions []string `json:"regions,omitempty"`
}
