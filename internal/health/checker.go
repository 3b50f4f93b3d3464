// Package health checks a connection the way the platform will use it,
// with the connection service's own AWS credentials: assume the connected
// role with the organization's external ID, read the role with the assumed
// credentials to verify its trust policy and its generated policy, call STS
// in each region the connection covers, and make one read the platform
// needs. Each problem found is a Detail; a connection is healthy when there
// is none.
package health

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

const (
	// DefaultTimeout bounds one whole check.
	DefaultTimeout = 30 * time.Second
	// maxAttempts keeps SDK retries few: a check is repeated anyway, and an
	// endpoint that does not answer must not hold it for long.
	maxAttempts = 2
	// defaultRegion signs STS and CloudWatch calls when neither the
	// connection nor the service's configuration names a region.
	defaultRegion = "us-east-1"
)

// Target is the connection to check.
type Target struct {
	// RoleARN is the connected role.
	RoleARN string
	// ExternalID is the organization's external ID.
	ExternalID string
	// PrincipalARN is the platform's principal the role must trust.
	PrincipalARN string
	// Regions are the regions the connection covers.
	Regions []string
	// Policy is the currently generated policy for the connection's type.
	Policy iampolicy.Policy
}

// Result is the outcome of one check.
type Result struct {
	// Healthy is true when Details is empty.
	Healthy bool
	// CheckedAt is when the check started, in UTC.
	CheckedAt time.Time
	// PolicyVersion is the version of the generated policy checked against.
	PolicyVersion string
	// Details are the problems found, in the order the check met them.
	Details []Detail
}

// Checker checks connections. It is safe for concurrent use, and a
// prometheus.Collector of the AWS requests its checks make.
type Checker struct {
	base     aws.Config
	sts      *sts.Client
	requests *prometheus.CounterVec
	timeout  time.Duration
	now      func() time.Time
}

// Option configures a Checker.
type Option func(*Checker)

// WithTimeout bounds each check (DefaultTimeout by default).
func WithTimeout(d time.Duration) Option {
	return func(c *Checker) { c.timeout = d }
}

// WithClock sets the clock that stamps results (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(c *Checker) { c.now = now }
}

// NewChecker returns a Checker calling AWS with cfg: the service's own
// credentials, region and, for emulators, BaseEndpoint.
func NewChecker(cfg aws.Config, opts ...Option) *Checker {
	base := cfg.Copy()
	base.RetryMaxAttempts = maxAttempts
	if base.Region == "" {
		base.Region = defaultRegion
	}
	base.HTTPClient = sharedHTTPClient(base.HTTPClient)
	requests := newRequestCounter()
	base.APIOptions = append(base.APIOptions, countRequests(requests))
	c := &Checker{base: base, sts: sts.NewFromConfig(base), requests: requests, timeout: DefaultTimeout, now: time.Now}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// sharedHTTPClient is client, or the SDK's default one, frozen: a client
// the SDK may still configure is copied, with a new connection pool, into
// every service client built from it, so each check would open (and
// TLS-handshake) connections of its own instead of reusing the checker's.
// The timeouts the SDK would add to a copy are not lost: Check bounds
// every call.
func sharedHTTPClient(client aws.HTTPClient) aws.HTTPClient {
	switch c := client.(type) {
	case nil:
		return awshttp.NewBuildableClient().Freeze()
	case *awshttp.BuildableClient:
		return c.Freeze()
	default:
		return client
	}
}

// Check runs one check of t. Problems are reported in the Result, never
// as an error: a check that cannot finish in time names the step that did
// not answer.
func (c *Checker) Check(ctx context.Context, t Target) Result {
	res := Result{CheckedAt: c.now().UTC(), PolicyVersion: t.Policy.Version}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res.Details = c.run(ctx, t)
	res.Healthy = len(res.Details) == 0
	return res
}

// run checks t step by step, stopping where the later steps cannot run.
func (c *Checker) run(ctx context.Context, t Target) []Detail {
	role, err := validate.ParseRoleARN(t.RoleARN)
	if err != nil {
		return []Detail{invalidRoleARN(err)}
	}
	cfg, err := c.assumeRole(ctx, t)
	if err != nil {
		return []Detail{assumeRoleDenied(t, err)}
	}
	clients := newRoleClients(cfg)
	details, found := checkRole(ctx, clients.iam, role, t)
	if !found {
		return details
	}
	details = append(details, checkPolicy(ctx, clients.iam, t.RoleARN, role.Name, t.Policy)...)
	regionDetails, answered := checkRegions(ctx, clients.sts, role.AccountID, t.Regions)
	details = append(details, regionDetails...)
	return append(details, checkMetrics(ctx, clients.cloudwatch, metricsRegion(cfg, answered))...)
}

// metricsRegion is where the CloudWatch read goes: the first listed region
// whose STS answered, else the checker's own region. A region that refused
// the role already has its detail; reading there too would only add a
// misleading permission problem.
func metricsRegion(cfg aws.Config, answered []string) string {
	if len(answered) > 0 {
		return answered[0]
	}
	return cfg.Region
}
