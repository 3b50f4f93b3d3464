package health_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// fakeAccountID is the account of fakeRoleARN.
const fakeAccountID = "210987654321"

func TestCheckRegionNotEnabled(t *testing.T) {
	f, target := healthyFake(t)
	f.notEnabledRegions = []string{"ap-east-1"}
	res := checkFake(t, f, target)
	assertDetails(t, res, health.CodeRegionNotEnabled)
	assertMessage(t, res, []string{"ap-east-1", fakeAccountID, "InvalidClientTokenId"}, []string{"eu-west-1"})
	remediation := res.Details[0].Remediation
	for _, want := range []string{
		"aws account enable-region --region-name ap-east-1",
		"--account-id " + fakeAccountID,
		"AWS Regions",
		"remove ap-east-1 from the connection's regions",
	} {
		if !strings.Contains(remediation, want) {
			t.Errorf("remediation %q does not say %q", remediation, want)
		}
	}
}

// The CloudWatch read goes, after every region's STS call, to the first
// listed region that answered, or to the checker's own region when none
// did: a region that refused the role has its detail already, and a
// CloudWatch failure there would be reported as a missing permission.
func TestCheckMetricsRegion(t *testing.T) {
	tests := []struct {
		name        string
		regions     []string
		notEnabled  []string
		deactivated []string
		codes       []string
		metrics     string // the region ListMetrics is signed for
	}{
		{"first region answers", []string{"eu-west-1", "ap-east-1"}, nil, nil, nil, "eu-west-1"},
		{"first region not enabled", []string{"ap-east-1", "eu-west-1"}, []string{"ap-east-1"}, nil,
			[]string{health.CodeRegionNotEnabled}, "eu-west-1"},
		{"first region's STS deactivated", []string{"eu-south-1", "eu-west-1"}, nil, []string{"eu-south-1"},
			[]string{health.CodeSTSRegionInactive}, "eu-west-1"},
		{"no region answers", []string{"ap-east-1", "eu-south-1"}, []string{"ap-east-1"}, []string{"eu-south-1"},
			[]string{health.CodeRegionNotEnabled, health.CodeSTSRegionInactive}, "us-east-1"},
		{"no regions listed", nil, nil, nil, nil, "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, target := healthyFake(t)
			target.Regions = tt.regions
			f.notEnabledRegions = tt.notEnabled
			f.disabledRegions = tt.deactivated
			res := checkFake(t, f, target)
			assertDetails(t, res, tt.codes...)
			for _, d := range res.Details {
				if strings.Contains(d.Remediation, "Attach the generated policy") {
					t.Errorf("region problem %s tells to attach the policy: %q", d.Code, d.Remediation)
				}
			}
			calls := callsOf(f)
			metrics := slices.DeleteFunc(slices.Clone(calls), func(c string) bool { return !strings.HasPrefix(c, "monitoring ListMetrics ") })
			if want := []string{"monitoring ListMetrics " + tt.metrics}; !slices.Equal(metrics, want) {
				t.Fatalf("CloudWatch calls %v, want %v", metrics, want)
			}
			if at := slices.Index(calls, metrics[0]); slices.ContainsFunc(calls[at:], isRegionCall) {
				t.Errorf("ListMetrics was called before the region checks ended: %v", calls)
			}
		})
	}
}

// callsOf is what the fake received, in order.
func callsOf(f *fakeAWS) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func isRegionCall(call string) bool { return strings.HasPrefix(call, "sts GetCallerIdentity ") }

// Against moto behind the harness's AWS-faithful layer, whose opt-in
// regions answer InvalidClientTokenId until the account enables them: the
// first listed region not enabled is reported, and the CloudWatch read in the
// next region finds nothing else wrong.
func TestCheckMotoRegionNotEnabled(t *testing.T) {
	t.Parallel()
	_, target := motoRole(t)
	target.Regions = []string{"eu-south-1", "eu-west-1"}
	m := acctest.Moto(t)
	m.AwaitPropagation(t, target.RoleARN)
	res := health.NewChecker(m.AWSConfig()).Check(context.Background(), target)
	assertDetails(t, res, health.CodeRegionNotEnabled)
	role, err := validate.ParseRoleARN(target.RoleARN)
	if err != nil {
		t.Fatal(err)
	}
	assertMessage(t, res, []string{"eu-south-1", role.AccountID}, []string{"eu-west-1"})
}
