package health

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// checkMetrics makes one read the platform depends on, CloudWatch
// ListMetrics, with the role's client in region.
func checkMetrics(ctx context.Context, client *cloudwatch.Client, region string) []Detail {
	inRegion := func(o *cloudwatch.Options) { o.Region = region }
	if _, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{}, inRegion); err != nil {
		return []Detail{cannotRead("list CloudWatch metrics in "+region, "cloudwatch:ListMetrics", err)}
	}
	return nil
}
