package iampolicy

// This file is the data: every permission the platform asks a connected
// account for. Editing it changes every generated Version, which the health
// check then reports as outdated until customers apply the new documents.
//
// Actions are named explicitly wherever a service's Get*/List*/Describe*
// family would also reach data, credentials or secrets (object contents, table
// items, stream records, query results, function code, VPN pre-shared keys);
// prefix wildcards are used only for families that are metadata throughout.

// grant is one statement of the generated policy.
type grant struct {
	sid     string
	actions []string
	// resources are ARN templates (see expand); nil means "*".
	resources []string
}

// Placeholders in resource and managed policy ARN templates.
const (
	partitionVar = "{partition}"
	bucketVar    = "{bucket}"
)

// managedPolicies are the AWS managed policies attached beside the inline
// documents. ViewOnlyAccess is AWS's own metadata-only job-function policy: it
// keeps list/describe coverage current for services this file does not name,
// and moto ships it, so acceptance tests attach a real managed policy.
var managedPolicies = []string{
	"arn:" + partitionVar + ":iam::aws:policy/job-function/ViewOnlyAccess",
}

// resourceGrants are what every connection needs: member-account metadata,
// CloudWatch metrics, tags, organization structure and self-inspection.
var resourceGrants = []grant{
	{sid: "ComputeMetadata", actions: []string{
		"autoscaling:DescribeAutoScalingGroups",
		"autoscaling:DescribeAutoScalingInstances",
		"autoscaling:DescribeLaunchConfigurations",
		// EBS volumes and snapshots are EC2 APIs; the "ebs:" direct APIs read
		// snapshot blocks (data) and are left out.
		"ec2:DescribeAddresses",
		"ec2:DescribeAvailabilityZones",
		"ec2:DescribeCapacityReservations",
		"ec2:DescribeFleets",
		"ec2:DescribeHosts",
		"ec2:DescribeImages",
		"ec2:DescribeInstanceStatus",
		"ec2:DescribeInstanceTypes",
		"ec2:DescribeInstances",
		"ec2:DescribeNatGateways",
		"ec2:DescribeNetworkInterfaces",
		"ec2:DescribeRegions",
		"ec2:DescribeSnapshots",
		"ec2:DescribeSpotFleetRequests",
		"ec2:DescribeSpotInstanceRequests",
		"ec2:DescribeSubnets",
		"ec2:DescribeTags",
		"ec2:DescribeTransitGatewayAttachments",
		"ec2:DescribeTransitGateways",
		"ec2:DescribeVolumes",
		"ec2:DescribeVolumesModifications",
		"ec2:DescribeVpcEndpoints",
		"ec2:DescribeVpcs",
		"ecr:DescribeImages",
		"ecr:DescribeRepositories",
		"ecr:GetLifecyclePolicy",
		"ecr:ListTagsForResource",
		"ecs:DescribeCapacityProviders",
		"ecs:DescribeClusters",
		"ecs:DescribeContainerInstances",
		"ecs:DescribeServices",
		"ecs:DescribeTasks",
		"ecs:ListClusters",
		"ecs:ListContainerInstances",
		"ecs:ListServices",
		"ecs:ListTagsForResource",
		"ecs:ListTasks",
		"eks:DescribeCluster",
		"eks:DescribeFargateProfile",
		"eks:DescribeNodegroup",
		"eks:ListClusters",
		"eks:ListFargateProfiles",
		"eks:ListNodegroups",
		"lambda:GetAccountSettings",
		"lambda:GetFunctionConcurrency",
		"lambda:GetFunctionConfiguration",
		"lambda:ListEventSourceMappings",
		"lambda:ListFunctions",
		"lambda:ListProvisionedConcurrencyConfigs",
		"lambda:ListTags",
	}},
	{sid: "StorageMetadata", actions: []string{
		"backup:ListBackupPlans",
		"backup:ListBackupVaults",
		"backup:ListRecoveryPointsByBackupVault",
		"elasticfilesystem:DescribeFileSystems",
		"elasticfilesystem:DescribeLifecycleConfiguration",
		"elasticfilesystem:DescribeMountTargets",
		"fsx:DescribeBackups",
		"fsx:DescribeFileSystems",
		"fsx:DescribeStorageVirtualMachines",
		"fsx:DescribeVolumes",
		"fsx:ListTagsForResource",
		// Bucket configuration only: no s3:ListBucket or s3:GetObject here.
		"s3:GetBucketLocation",
		"s3:GetBucketLogging",
		"s3:GetBucketTagging",
		"s3:GetBucketVersioning",
		"s3:GetEncryptionConfiguration",
		"s3:GetIntelligentTieringConfiguration",
		"s3:GetInventoryConfiguration",
		"s3:GetLifecycleConfiguration",
		"s3:GetMetricsConfiguration",
		"s3:GetReplicationConfiguration",
		"s3:ListAllMyBuckets",
	}},
	{sid: "DatabaseMetadata", actions: []string{
		"aoss:BatchGetCollection",
		"aoss:ListCollections",
		"dynamodb:DescribeContinuousBackups",
		"dynamodb:DescribeGlobalTable",
		"dynamodb:DescribeLimits",
		"dynamodb:DescribeTable",
		"dynamodb:DescribeTimeToLive",
		"dynamodb:ListBackups",
		"dynamodb:ListGlobalTables",
		"dynamodb:ListTables",
		"dynamodb:ListTagsOfResource",
		"elasticache:DescribeCacheClusters",
		"elasticache:DescribeReplicationGroups",
		"elasticache:DescribeServerlessCaches",
		"elasticache:DescribeSnapshots",
		"elasticache:ListTagsForResource",
		// OpenSearch Service authorizes under the "es" prefix.
		"es:DescribeDomain",
		"es:DescribeDomains",
		"es:ListDomainNames",
		"es:ListTags",
		"memorydb:DescribeClusters",
		"rds:DescribeDBClusterSnapshots",
		"rds:DescribeDBClusters",
		"rds:DescribeDBInstances",
		"rds:DescribeDBProxies",
		"rds:DescribeDBSnapshots",
		"rds:DescribeGlobalClusters",
		"rds:ListTagsForResource",
		"redshift-serverless:ListNamespaces",
		"redshift-serverless:ListWorkgroups",
		"redshift:DescribeClusterSnapshots",
		"redshift:DescribeClusters",
		"redshift:DescribeTags",
	}},
	{sid: "NetworkMetadata", actions: []string{
		"cloudfront:GetDistribution",
		"cloudfront:ListDistributions",
		"cloudfront:ListTagsForResource",
		"directconnect:DescribeConnections",
		"directconnect:DescribeVirtualInterfaces",
		"elasticloadbalancing:DescribeListeners",
		"elasticloadbalancing:DescribeLoadBalancerAttributes",
		"elasticloadbalancing:DescribeLoadBalancers",
		"elasticloadbalancing:DescribeTags",
		"elasticloadbalancing:DescribeTargetGroups",
		"elasticloadbalancing:DescribeTargetHealth",
		"route53:GetHostedZone",
		"route53:ListHealthChecks",
		"route53:ListHostedZones",
		"route53:ListResourceRecordSets",
		"route53:ListTagsForResource",
	}},
	{sid: "AnalyticsMetadata", actions: []string{
		"athena:GetWorkGroup",
		"athena:ListDataCatalogs",
		"athena:ListWorkGroups",
		"elasticmapreduce:DescribeCluster",
		"elasticmapreduce:ListClusters",
		"elasticmapreduce:ListInstanceFleets",
		"elasticmapreduce:ListInstanceGroups",
		"elasticmapreduce:ListInstances",
		"firehose:DescribeDeliveryStream",
		"firehose:ListDeliveryStreams",
		"firehose:ListTagsForDeliveryStream",
		"glue:GetCrawlers",
		"glue:GetDatabases",
		"glue:GetDevEndpoints",
		"glue:GetJobs",
		"glue:GetTags",
		"kafka:DescribeClusterV2",
		"kafka:ListClustersV2",
		"kinesis:DescribeStreamSummary",
		"kinesis:ListShards",
		"kinesis:ListStreams",
		"kinesis:ListTagsForStream",
		"sagemaker:DescribeEndpoint",
		"sagemaker:DescribeEndpointConfig",
		"sagemaker:DescribeNotebookInstance",
		"sagemaker:ListApps",
		"sagemaker:ListDomains",
		"sagemaker:ListEndpoints",
		"sagemaker:ListNotebookInstances",
		"sagemaker:ListProcessingJobs",
		"sagemaker:ListTags",
		"sagemaker:ListTrainingJobs",
		"sagemaker:ListTransformJobs",
		"sns:GetTopicAttributes",
		"sns:ListSubscriptions",
		"sns:ListTagsForResource",
		"sns:ListTopics",
		"sqs:GetQueueAttributes",
		"sqs:ListQueueTags",
		"sqs:ListQueues",
	}},
	// apigateway:GET is scoped to API, stage, usage plan and tag paths so it
	// never reaches /apikeys, whose GET can return key values.
	{sid: "APIGatewayMetadata", actions: []string{"apigateway:GET"}, resources: []string{
		"arn:" + partitionVar + ":apigateway:*::/apis",
		"arn:" + partitionVar + ":apigateway:*::/apis/*/stages",
		"arn:" + partitionVar + ":apigateway:*::/restapis",
		"arn:" + partitionVar + ":apigateway:*::/restapis/*/stages",
		"arn:" + partitionVar + ":apigateway:*::/tags/*",
		"arn:" + partitionVar + ":apigateway:*::/usageplans",
	}},
	{sid: "CloudWatchRead", actions: []string{
		"cloudwatch:Describe*",
		"cloudwatch:Get*",
		"cloudwatch:List*",
		"logs:DescribeLogGroups",
	}},
	{sid: "TagRead", actions: []string{
		"tag:GetResources",
		"tag:GetTagKeys",
		"tag:GetTagValues",
	}},
	{sid: "OrganizationsRead", actions: []string{
		"organizations:Describe*",
		"organizations:List*",
	}},
	{sid: "Identity", actions: []string{
		"sts:GetCallerIdentity",
	}},
	// The role's own name and path are chosen after the policy is generated
	// (the policy API takes no role), so self-inspection is scoped to roles
	// rather than to one ARN: a /costlink/ path scope would break any role
	// created outside that path, and these four reads expose no data.
	{sid: "RoleSelfInspection", actions: []string{
		"iam:GetRole",
		"iam:GetRolePolicy",
		"iam:ListAttachedRolePolicies",
		"iam:ListRolePolicies",
	}, resources: []string{
		"arn:" + partitionVar + ":iam::*:role/*",
	}},
}

// billingGrants are added to resourceGrants for billing (payer) connections:
// cost and usage, commitments, prices, and the billing export bucket.
var billingGrants = []grant{
	{sid: "CostAndUsageRead", actions: []string{
		// account: only the reads the platform uses (account name, region
		// opt-in); the family also holds contact details it has no need for.
		"account:GetAccountInformation",
		"account:GetRegionOptStatus",
		"account:ListRegions",
		"bcm-data-exports:Get*",
		"bcm-data-exports:List*",
		"billing:Get*",
		"billing:List*",
		"ce:Describe*",
		"ce:Get*",
		"ce:List*",
		"cur:Describe*",
		"cur:Get*",
		"pricing:Describe*",
		"pricing:Get*",
	}},
	{sid: "CommitmentsRead", actions: []string{
		"dynamodb:DescribeReservedCapacity*",
		"ec2:DescribeReservedInstances*",
		"elasticache:DescribeReservedCacheNodes*",
		"es:DescribeReserved*",
		"memorydb:DescribeReservedNodes*",
		"rds:DescribeReserved*",
		"redshift:DescribeReservedNode*",
		"savingsplans:Describe*",
		"savingsplans:List*",
	}},
	{sid: "BillingExportRead", actions: []string{
		"s3:GetBucketLocation",
		"s3:GetObject",
		"s3:ListBucket",
	}, resources: []string{
		"arn:" + partitionVar + ":s3:::" + bucketVar,
		"arn:" + partitionVar + ":s3:::" + bucketVar + "/*",
	}},
}
