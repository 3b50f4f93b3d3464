package server

import (
	"net/http"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// policyJSON is the generated policy of a connection type on the wire.
type policyJSON struct {
	Version           string         `json:"version"`
	TrustPolicy       string         `json:"trust_policy"`
	Documents         []documentJSON `json:"documents"`
	ManagedPolicyARNs []string       `json:"managed_policy_arns"`
	ExternalID        string         `json:"external_id"`
	PrincipalARN      string         `json:"principal_arn"`
}

type documentJSON struct {
	Name string `json:"name"`
	JSON string `json:"json"`
}

// getPolicy renders the trust policy and the read-only permissions a role
// of the caller's organization needs for a connection type.
func (s *server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	connType, bucket := q.Get("type"), q.Get("billing_bucket")
	if connType == "" {
		connType = validate.TypeResource
	}
	var errs fieldErrors
	errs.add("type", validate.ConnectionType(connType))
	if len(errs) == 0 {
		errs.add("billing_bucket", validate.BillingBucket(connType, bucket))
	}
	if err := errs.problem(); err != nil {
		return err
	}
	if s.principalARN == "" {
		return newProblem(serviceMisconfigured, "the service has no AWS principal to trust: start it with --principal-arn or with AWS credentials")
	}

	org, err := s.store.Organization(r.Context(), orgID(r))
	if err != nil {
		return err
	}
	policy, err := s.generatedPolicy(connType, bucket)
	if err != nil {
		return err
	}
	trust, err := iampolicy.TrustPolicy(s.principalARN, org.ExternalID)
	if err != nil {
		return err
	}

	out := policyJSON{
		Version:           policy.Version,
		TrustPolicy:       trust,
		Documents:         make([]documentJSON, len(policy.Documents)),
		ManagedPolicyARNs: policy.ManagedPolicyARNs,
		ExternalID:        org.ExternalID,
		PrincipalARN:      s.principalARN,
	}
	for i, d := range policy.Documents {
		out.Documents[i] = documentJSON{Name: d.Name, JSON: d.JSON}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
