package server

import (
	"context"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// check runs one check of c and stores its result.
func (s *server) check(ctx context.Context, c store.Connection) (store.Health, error) {
	org, err := s.store.Organization(ctx, c.OrgID)
	if err != nil {
		return store.Health{}, err
	}
	policy, err := s.generatedPolicy(c.Type, c.BillingBucket)
	if err != nil {
		return store.Health{}, err
	}
	res := s.checks.prober.Check(ctx, health.Target{
		RoleARN: c.RoleARN, ExternalID: org.ExternalID, PrincipalARN: s.principalARN, Regions: c.Regions, Policy: policy,
	})
	h := store.Health{Status: store.HealthHealthy, CheckedAt: res.CheckedAt, PolicyVersion: res.PolicyVersion}
	codes := make([]string, len(res.Details))
	for i, d := range res.Details {
		h.Status = store.HealthUnhealthy
		h.Details = append(h.Details, store.HealthDetail{Code: d.Code, Message: d.Message, Remediation: d.Remediation})
		codes[i] = d.Code
	}
	saved, err := s.store.SaveHealth(ctx, c.ID, c.Version, h)
	if err != nil {
		return store.Health{}, err
	}
	result := h.Status
	if !saved {
		result = "stale" // the connection changed while the check ran
	}
	s.checks.results.inc(result)
	s.log.Info("health check", "connection", c.ID, "org", c.OrgID, "result", result, "codes", codes)

	current, err := s.store.Connection(ctx, c.OrgID, c.ID)
	return current.Health, err
}

// generatedPolicy is the policy a connection type's role must have now.
func (s *server) generatedPolicy(connType, bucket string) (iampolicy.Policy, error) {
	principal, err := validate.ParsePrincipalARN(s.principalARN)
	if err != nil {
		return iampolicy.Policy{}, err
	}
	return s.generate(iampolicy.Input{Type: connType, BillingBucket: bucket, Partition: principal.Partition})
}
