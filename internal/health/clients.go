package health

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// roleClients are one check's clients, built once from the role's assumed
// credentials and shared by every step of the check; a call to another
// region passes the region as a per-call option instead of a new client.
type roleClients struct {
	iam        *iam.Client
	sts        *sts.Client
	cloudwatch *cloudwatch.Client
}

func newRoleClients(cfg aws.Config) roleClients {
	return roleClients{
		iam: iam.NewFromConfig(cfg),
		sts: sts.NewFromConfig(cfg),
		cloudwatch: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
			// CloudWatch speaks awsJson1_0 as well as the SDK's default
			// rpcv2Cbor; emulators such as moto 5 speak only JSON and query.
			o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
		}),
	}
}
