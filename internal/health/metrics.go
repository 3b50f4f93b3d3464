package health

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// checkMetrics makes one read the platform depends on, CloudWatch
// ListMetrics, with the role's credentials in region.
func checkMetrics(ctx context.Context, cfg aws.Config, region string) []Detail {
	client := cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		o.Region = region
		// CloudWatch speaks awsJson1_0 as well as the SDK's default
		// rpcv2Cbor; emulators such as moto 5 speak only JSON and query.
		o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
	})
	if _, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{}); err != nil {
		return []Detail{cannotRead("list CloudWatch metrics in "+region, "cloudwatch:ListMetrics", err)}
	}
	return nil
}
