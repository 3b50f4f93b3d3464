package health

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// newRequestCounter counts the AWS requests checks make. Its labels come
// from the SDK's fixed service and operation names, never from input.
func newRequestCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "costlink_health_aws_requests_total",
		Help: "AWS requests made by health checks, retries included, by service and operation.",
	}, []string{"service", "operation"})
}

// countRequests adds a step to every client's stack that counts each
// attempt: placed after the retry step, a retried call counts each time AWS
// is asked, as AWS's own quotas do.
func countRequests(requests *prometheus.CounterVec) func(*middleware.Stack) error {
	count := middleware.FinalizeMiddlewareFunc("CostlinkCountRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			requests.WithLabelValues(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)).Inc()
			return next.HandleFinalize(ctx, in)
		})
	return func(stack *middleware.Stack) error { return stack.Finalize.Add(count, middleware.After) }
}

// Describe makes the Checker a prometheus.Collector of its AWS requests.
func (c *Checker) Describe(ch chan<- *prometheus.Desc) { c.requests.Describe(ch) }

// Collect makes the Checker a prometheus.Collector of its AWS requests.
func (c *Checker) Collect(ch chan<- prometheus.Metric) { c.requests.Collect(ch) }
