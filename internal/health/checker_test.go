package health_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/costlink/terraform-provider-costlink/internal/health"
)

const fakeRoleARN = "arn:aws:iam::210987654321:role/costlink/costlink"

// healthyFake is a role as the platform wants it, and the target checking it.
func healthyFake(t *testing.T) (*fakeAWS, health.Target) {
	t.Helper()
	p := resourcePolicy(t)
	inline := map[string]string{}
	for _, d := range p.Documents {
		inline[d.Name] = d.JSON
	}
	f := &fakeAWS{
		roleARN:    fakeRoleARN,
		externalID: externalID,
		trust:      trustPolicy(t, principalARN, externalID),
		inline:     inline,
		attached:   p.ManagedPolicyARNs,
	}
	return f, health.Target{
		RoleARN:      fakeRoleARN,
		ExternalID:   externalID,
		PrincipalARN: principalARN,
		Regions:      []string{"eu-west-1", "ap-east-1"},
		Policy:       p,
	}
}

// checkFake runs a check of target against the fake.
func checkFake(t *testing.T, f *fakeAWS, target health.Target, opts ...health.Option) health.Result {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(baseKey, "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	}
	return health.NewChecker(cfg, opts...).Check(context.Background(), target)
}

func TestCheckHealthy(t *testing.T) {
	f, target := healthyFake(t)
	now := time.Date(2026, 11, 26, 14, 30, 0, 0, time.FixedZone("CET", 3600))
	res := checkFake(t, f, target, health.WithClock(func() time.Time { return now }))
	assertDetails(t, res)
	if !res.CheckedAt.Equal(now) || res.CheckedAt.Location() != time.UTC {
		t.Errorf("CheckedAt = %v, want %v in UTC", res.CheckedAt, now)
	}
	if res.PolicyVersion != target.Policy.Version {
		t.Errorf("PolicyVersion = %q, want %q", res.PolicyVersion, target.Policy.Version)
	}
	for _, call := range []string{
		"sts AssumeRole us-east-1",
		"iam GetRole us-east-1",
		"sts GetCallerIdentity eu-west-1",
		"sts GetCallerIdentity ap-east-1",
		"monitoring ListMetrics eu-west-1", // the first region
	} {
		if !f.called(call) {
			t.Errorf("no call %q among %v", call, f.calls)
		}
	}
}

func TestCheckAssumeRoleDenied(t *testing.T) {
	f, target := healthyFake(t)
	f.assumeDenied = true
	res := checkFake(t, f, target)
	assertDetails(t, res, health.CodeAssumeRoleDenied)
	assertMessage(t, res, []string{fakeRoleARN, "is not authorized to perform: sts:AssumeRole"}, nil)
	if f.called("iam GetRole us-east-1") {
		t.Error("the check went on after AssumeRole failed")
	}
}

func TestCheckRegionInactive(t *testing.T) {
	f, target := healthyFake(t)
	f.disabledRegions = []string{"ap-east-1"}
	res := checkFake(t, f, target)
	assertDetails(t, res, health.CodeSTSRegionInactive)
	assertMessage(t, res, []string{"ap-east-1"}, []string{"eu-west-1"})
	if !strings.Contains(res.Details[0].Remediation, "ap-east-1") {
		t.Errorf("remediation %q does not name the region", res.Details[0].Remediation)
	}
}

func TestCheckListMetricsDenied(t *testing.T) {
	f, target := healthyFake(t)
	f.cloudWatchDenied = true
	res := checkFake(t, f, target)
	assertDetails(t, res, health.CodePermissionDenied)
	assertMessage(t, res, []string{"CloudWatch", "eu-west-1", "AccessDenied"}, nil)
	if !strings.Contains(res.Details[0].Remediation, "cloudwatch:ListMetrics") {
		t.Errorf("remediation %q does not name the action", res.Details[0].Remediation)
	}
}

func TestCheckRole(t *testing.T) {
	tests := []struct {
		name   string
		change func(*fakeAWS)
		codes  []string
	}{
		{"role missing", func(f *fakeAWS) { f.roleMissing = true }, []string{health.CodeRoleNotFound}},
		// The rest of the check still runs: the role may read nothing else either.
		{"role may not read itself", func(f *fakeAWS) { f.getRoleDenied = true }, []string{health.CodePermissionDenied}},
		{"no external ID condition", func(f *fakeAWS) {
			f.trust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}}`
		}, []string{health.CodeExternalIDConditionMissing}},
		{"another external ID", func(f *fakeAWS) { f.trust = strings.Replace(f.trust, externalID, "someone-else", 1) },
			[]string{health.CodeExternalIDMismatch}},
		{"another principal", func(f *fakeAWS) { f.trust = strings.Replace(f.trust, "123456789012", "111122223333", 1) },
			[]string{health.CodeTrustPrincipalMismatch}},
		// AWS lets the platform in when any listed external ID is the organization's.
		{"the external ID among others", func(f *fakeAWS) {
			f.trust = strings.Replace(f.trust, `"`+externalID+`"`, `["someone-else","`+externalID+`"]`, 1)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, target := healthyFake(t)
			tt.change(f)
			assertDetails(t, checkFake(t, f, target), tt.codes...)
		})
	}
}

// TestCheckTrustExplicitDeny: a Deny outweighs the Allow, and one whose
// condition the check cannot evaluate (the caller's IP) counts.
func TestCheckTrustExplicitDeny(t *testing.T) {
	f, target := healthyFake(t)
	f.trust = strings.Replace(f.trust, `]}`,
		`,{"Effect":"Deny","Principal":{"AWS":"`+principalARN+`"},"Action":"sts:AssumeRole",`+
			`"Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`, 1)
	res := checkFake(t, f, target)
	assertDetails(t, res, health.CodeTrustExplicitDeny)
	assertMessage(t, res, []string{fakeRoleARN, principalARN, "Deny"}, nil)
	if r := res.Details[0].Remediation; !strings.Contains(r, "Remove the Deny statement") || !strings.Contains(r, principalARN) {
		t.Errorf("remediation %q does not say to remove the Deny statement matching %s", r, principalARN)
	}
}

func TestCheckPolicy(t *testing.T) {
	f, target := healthyFake(t)
	doc := target.Policy.Documents[0]
	arn := target.Policy.ManagedPolicyARNs[0]
	reduced, removed := withoutStatement(t, doc.JSON)
	extended := strings.Replace(doc.JSON, `"Statement":[`,
		`"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},`, 1)

	tests := []struct {
		name   string
		inline map[string]string
		code   string
		names  []string
	}{
		{"document missing", map[string]string{}, health.CodePolicyMissing, []string{doc.Name, "ec2:DescribeInstances"}},
		{"statement removed", map[string]string{doc.Name: reduced}, health.CodePolicyOutdated, append([]string{doc.Name}, removed...)},
		{"moved to another document", map[string]string{doc.Name: reduced, "mine": doc.JSON}, health.CodePolicyOutdated,
			[]string{doc.Name, "differs from the current version"}},
		{"statement added", map[string]string{doc.Name: extended}, health.CodePolicyOutdated,
			[]string{doc.Name, "differs from the current version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.inline = tt.inline
			res := checkFake(t, f, target)
			assertDetails(t, res, tt.code)
			assertMessage(t, res, tt.names, nil)
		})
	}
	t.Run("managed policy detached", func(t *testing.T) {
		f, target := healthyFake(t)
		f.attached = nil
		res := checkFake(t, f, target)
		assertDetails(t, res, health.CodePolicyMissing)
		assertMessage(t, res, []string{arn}, nil)
	})
}

func TestCheckTimeout(t *testing.T) {
	f, target := healthyFake(t)
	f.hang = true
	start := time.Now()
	res := checkFake(t, f, target, health.WithTimeout(200*time.Millisecond))
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("check took %s with a 200ms timeout", elapsed)
	}
	assertDetails(t, res, health.CodeAssumeRoleDenied)
	assertMessage(t, res, []string{"did not answer"}, nil)
}

func TestCheckInvalidRoleARN(t *testing.T) {
	f, target := healthyFake(t)
	target.RoleARN = "arn:aws:iam::210987654321:user/costlink"
	res := checkFake(t, f, target)
	assertDetails(t, res, health.CodeRoleNotFound)
	if len(f.calls) != 0 {
		t.Errorf("calls %v for an ARN that is not a role's", f.calls)
	}
}
