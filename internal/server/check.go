package server

import (
	"context"
	"errors"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// check runs one check of job.conn and stores its result, under the
// connection's lease: the periodic claim's, or one taken here. While
// another replica holds the lease, its check is awaited instead: its
// result answers this one. Once leased, the check is bounded to well
// within the lease, so that the lease outlives it.
func (s *server) check(ctx context.Context, job checkJob) (store.Health, error) {
	c := job.conn
	if !job.leased {
		h, awaited, err := s.leaseOrAwait(ctx, c)
		if awaited || err != nil {
			return h, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.checks.checkTimeout())
	defer cancel()
	h, err := s.probe(ctx, c)
	if err != nil {
		s.releaseLease(c)
		return store.Health{}, err
	}
	saved, err := s.store.SaveHealth(ctx, c.ID, c.Version, h, store.CheckRun{Owner: s.checks.owner, NextCheckAt: s.checks.nextAfter(job)})
	if err != nil {
		s.releaseLease(c)
		return store.Health{}, err
	}
	result := h.Status
	if !saved {
		result = "stale" // the connection changed while the check ran
	}
	s.checks.results.inc(result)
	s.log.Info("health check", "connection", c.ID, "org", c.OrgID, "result", result, "codes", codes(h))

	current, err := s.store.Connection(ctx, c.OrgID, c.ID)
	return current.Health, err
}

// probe checks c's role against the policy its type needs now.
func (s *server) probe(ctx context.Context, c store.Connection) (store.Health, error) {
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
	for _, d := range res.Details {
		h.Status = store.HealthUnhealthy
		h.Details = append(h.Details, store.HealthDetail{Code: d.Code, Message: d.Message, Remediation: d.Remediation})
	}
	return h, nil
}

func codes(h store.Health) []string {
	out := make([]string, len(h.Details))
	for i, d := range h.Details {
		out[i] = d.Code
	}
	return out
}

// leaseOrAwait takes c's check lease for this replica and reports awaited
// false; or, while another replica holds it, waits until that replica's
// check of c's version is saved and returns its health with awaited true.
// A lease the other replica gives up without a result, or holds past its
// deadline (it died), is taken over.
func (s *server) leaseOrAwait(ctx context.Context, c store.Connection) (h store.Health, awaited bool, err error) {
	k := s.checks
	checksBefore := int64(-1) // the other replica's check is saved when the count grows past it
	for {
		if checksBefore >= 0 {
			current, err := s.store.Connection(ctx, c.OrgID, c.ID)
			switch {
			case err != nil:
				return store.Health{}, false, err
			case current.Version != c.Version:
				return current.Health, true, nil // changed since: this check is moot, one of the new version is queued
			case current.Health.Checks > checksBefore:
				return current.Health, true, nil
			}
		}
		leased, err := s.store.ClaimCheck(ctx, c.ID, k.owner, time.Now(), k.lease)
		if err != nil || leased {
			return store.Health{}, false, err
		}
		if checksBefore < 0 {
			current, err := s.store.Connection(ctx, c.OrgID, c.ID)
			if err != nil {
				return store.Health{}, false, err
			}
			checksBefore = current.Health.Checks
		}
		if !sleepUntil(ctx, time.Now().Add(leasePoll)) {
			return store.Health{}, false, ctx.Err()
		}
	}
}

// releaseLease gives up the lease of a check that ends without a result,
// so that another replica need not wait for it to expire.
func (s *server) releaseLease(c store.Connection) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.ReleaseCheck(ctx, c.ID, s.checks.owner); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("releasing a health check's lease", "connection", c.ID, "error", err)
	}
}

// nextAfter is when the connection's next periodic check is due after
// job's: what the periodic claim computed, or one interval from now for a
// check after a change or on demand (it counts as the interval's check).
// Zero, leaving it as it is, when periodic checks do not run.
func (k *checks) nextAfter(job checkJob) time.Time {
	if !job.next.IsZero() {
		return job.next
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.interval <= 0 {
		return time.Time{}
	}
	return time.Now().Add(k.interval)
}

// generatedPolicy is the policy a connection type's role must have now.
func (s *server) generatedPolicy(connType, bucket string) (iampolicy.Policy, error) {
	principal, err := validate.ParsePrincipalARN(s.principalARN)
	if err != nil {
		return iampolicy.Policy{}, err
	}
	return s.generate(iampolicy.Input{Type: connType, BillingBucket: bucket, Partition: principal.Partition})
}
