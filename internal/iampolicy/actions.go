package iampolicy

// This file is the data: every permission the platform asks a connected
// account for. Editing it changes every generated Version, which the health
// check then reports as outdated until customers apply the new documents.
//
// The rule: the platform reads metadata, never customer data.
//
//   - Every allowed action has the access level List or Read in the Service
//     Authorization Reference
//     (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html);
//     testdata/access-levels.tsv holds that level for each one and a test
//     refuses an action without it.
//   - A read is out when its answer carries what customers keep in their
//     resources rather than describes them: object keys or contents, table
//     items, stream records, log events, query text or results, function
//     code, and the free-form values customers hand their workloads
//     (environment variables, user data, job arguments, hyperparameters,
//     stack parameters), which hold secrets in practice. Where the platform
//     only needs to know a resource exists and what it costs, the Resource
//     Groups Tagging API (tag:GetResources), the service's CloudWatch
//     metrics and name-only List actions serve instead.
//   - Actions are named explicitly wherever a family (Get*, List*,
//     Describe*) also holds data or non-read actions; prefix wildcards are
//     used only for families that are List or Read metadata throughout.
//
// The managed policy ViewOnlyAccess stays attached (see managedPolicies) and
// denials take back what it allows that returns customer data.

// grant is one Allow statement of the generated policy.
type grant struct {
	sid     string
	actions []string
	// resources are ARN templates (see expand); nil means "*".
	resources []string
}

// denial is one Deny statement of the generated policy: actions no policy on
// the role may grant, because an explicit Deny in any policy overrides every
// Allow ("Policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
type denial struct {
	sid     string
	actions []string
	// exceptBillingExport leaves the billing export out of the Deny for
	// billing connections (NotResource), so the bucket the billing role
	// exists to read stays readable.
	exceptBillingExport bool
}

// Placeholders in resource and managed policy ARN templates.
const (
	partitionVar = "{partition}"
	bucketVar    = "{bucket}"
)

// managedPolicies are the AWS managed policies attached beside the inline
// documents. ViewOnlyAccess
// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ViewOnlyAccess.html)
// keeps list/describe coverage current for services this file does not name,
// the health check reports a role without it, and moto ships it, so
// acceptance tests attach a real managed policy. It is "view only", not "no
// customer data" (s3:ListBucket, ecs:Describe*, lambda:List*, ...), so
// denials take back each of its reads that returns customer data; a test
// evaluates the whole role against AWS's copy in testdata/.
var managedPolicies = []string{
	"arn:" + partitionVar + ":iam::aws:policy/job-function/ViewOnlyAccess",
}

// billingExportResources are the billing export bucket and its objects.
var billingExportResources = []string{
	"arn:" + partitionVar + ":s3:::" + bucketVar,
	"arn:" + partitionVar + ":s3:::" + bucketVar + "/*",
}

// resourceGrants are what every connection needs: member-account metadata,
// CloudWatch metrics, tags, organization structure and self-inspection.
var resourceGrants = []grant{
	{sid: "ComputeMetadata", actions: []string{
		// Out: autoscaling:DescribeLaunchConfigurations (user data); instance
		// types come from DescribeAutoScalingInstances.
		"autoscaling:DescribeAutoScalingGroups",
		"autoscaling:DescribeAutoScalingInstances",
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
		// DescribeInstances returns no user data (that is
		// DescribeInstanceAttribute, denied). Out: DescribeSpotFleetRequests
		// and DescribeSpotInstanceRequests (launch specifications carry user
		// data); spot capacity shows in DescribeInstances (InstanceLifecycle).
		"ec2:DescribeInstances",
		"ec2:DescribeNatGateways",
		"ec2:DescribeNetworkInterfaces",
		"ec2:DescribeRegions",
		"ec2:DescribeSnapshots",
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
		// Out: ecs:DescribeTasks (container overrides carry environment
		// variables) and DescribeTaskDefinition; tasks are counted by ListTasks,
		// DescribeServices and Container Insights metrics.
		"ecs:DescribeCapacityProviders",
		"ecs:DescribeClusters",
		"ecs:DescribeContainerInstances",
		"ecs:DescribeServices",
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
		// Out: lambda:GetFunctionConfiguration and ListFunctions (environment
		// variables). Functions are found by tag:GetResources and by the
		// AWS/Lambda metrics' FunctionName dimension; GetAccountSettings
		// gives their count and code size.
		"lambda:GetAccountSettings",
		"lambda:GetFunctionConcurrency",
		"lambda:ListEventSourceMappings",
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
		// Bucket configuration only: no s3:ListBucket (object keys) or
		// s3:GetObject. Object counts and sizes come from the AWS/S3 daily
		// storage metrics (NumberOfObjects, BucketSizeBytes).
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
		// Out: elasticmapreduce:DescribeCluster, ListInstanceFleets and
		// ListInstanceGroups (application configurations, including *-env
		// exports) and ListSteps (step arguments); ListInstances gives each
		// instance's type, market and group.
		"elasticmapreduce:ListClusters",
		"elasticmapreduce:ListInstances",
		// Out: firehose:DescribeDeliveryStream (destination settings include
		// the Splunk HEC token); the AWS/Firehose metrics give volumes.
		"firehose:ListDeliveryStreams",
		"firehose:ListTagsForDeliveryStream",
		// Out: glue:GetJobs (job arguments, script location) and
		// GetDevEndpoints (arguments); ListJobs names the jobs and nothing else.
		"glue:GetCrawlers",
		"glue:GetDatabases",
		"glue:GetTags",
		"glue:ListJobs",
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
		// Out: sns:ListSubscriptions (subscriber e-mail addresses, phone
		// numbers, URLs); GetTopicAttributes counts subscriptions.
		"sns:GetTopicAttributes",
		"sns:ListTagsForResource",
		"sns:ListTopics",
		"sqs:GetQueueAttributes",
		"sqs:ListQueueTags",
		"sqs:ListQueues",
	}},
	// apigateway:GET is scoped to API, stage, usage plan and tag paths so it
	// never reaches /apikeys, whose GET can return key values. Stages carry
	// stage variables, which AWS says are not for sensitive data
	// ("Use stage variables for a REST API in API Gateway",
	// https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html).
	{sid: "APIGatewayMetadata", actions: []string{"apigateway:GET"}, resources: []string{
		"arn:" + partitionVar + ":apigateway:*::/apis",
		"arn:" + partitionVar + ":apigateway:*::/apis/*/stages",
		"arn:" + partitionVar + ":apigateway:*::/restapis",
		"arn:" + partitionVar + ":apigateway:*::/restapis/*/stages",
		"arn:" + partitionVar + ":apigateway:*::/tags/*",
		"arn:" + partitionVar + ":apigateway:*::/usageplans",
	}},
	// Metrics only: cloudwatch:Get* would include GetInsightRuleReport (top
	// contributors read from log events).
	{sid: "CloudWatchRead", actions: []string{
		"cloudwatch:GetMetricData",
		"cloudwatch:GetMetricStatistics",
		"cloudwatch:ListMetrics",
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
		// Named, not billing:Get*: GetResourcePolicy is Permissions
		// management, not Read.
		"billing:GetBillingData",
		"billing:GetBillingDetails",
		"billing:GetBillingNotifications",
		"billing:GetBillingPreferences",
		"billing:GetBillingView",
		"billing:GetBillingViewData",
		"billing:GetContractInformation",
		"billing:GetCreditAllocationHistory",
		"billing:GetCredits",
		"billing:GetIAMAccessPreference",
		"billing:GetSellerOfRecord",
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
	// The billing export is the one place the platform reads object data:
	// it is the cost data the billing role exists to read.
	{sid: "BillingExportRead", actions: []string{
		"s3:GetBucketLocation",
		"s3:GetObject",
		"s3:ListBucket",
	}, resources: billingExportResources},
}

// denials take back each read ViewOnlyAccess allows that returns customer
// data (a test holds every entry to one it allows). Wildcards cover a family
// where all of it returns data and the platform reads none of it.
var denials = []denial{
	{sid: "DenyCustomerData", actions: []string{
		// User data and launch specifications.
		"autoscaling:DescribeLaunchConfigurations",
		"ec2:DescribeInstanceAttribute",
		"ec2:DescribeSpot*Requests",
		// Stack parameters and outputs, exported output values.
		"cloudformation:DescribeStacks",
		"cloudformation:ListExports",
		// Management events with their request parameters.
		"cloudtrail:LookupEvents",
		// Top contributors read from log events.
		"cloudwatch:GetInsightRuleReport",
		// Commit messages and file paths of customer code.
		"codecommit:ListFileCommitHistory",
		// End users of the customer's applications.
		"cognito-identity:ListIdentities",
		"cognito-idp:ListUserPoolClientSecrets",
		"cognito-idp:ListUsers*",
		"cognito-sync:ListDatasets",
		// Contact-center contacts, transcripts and data table values.
		"connect:ListAssociatedContacts",
		"connect:ListContactReferences",
		"connect:ListDataTable*Values",
		"connect:ListRealtimeContactAnalysisSegments*",
		// Task definitions and task overrides: environment variables.
		"ecs:Describe*TaskDefinition",
		"ecs:DescribeExpressGatewayService",
		"ecs:DescribeTasks",
		// Application configurations and step arguments.
		"elasticmapreduce:ListInstanceFleets",
		"elasticmapreduce:ListInstanceGroups",
		"elasticmapreduce:ListSteps",
		// Destination settings: the Splunk HEC token.
		"firehose:DescribeDeliveryStream",
		// Function configurations: environment variables.
		"lambda:ListFunctions",
		"lambda:ListVersionsByFunction",
		// Not data, but rated Write in the Service Authorization Reference:
		// the role stays within List and Read.
		"iot:ListSubscriptions",
		// End users' utterances, campaign message content.
		"lex:GetUtterancesView",
		"mobiletargeting:GetCampaigns",
		// App environment variables, agent provisioning parameters.
		"opsworks:DescribeApps",
		"opsworks:DescribeStackProvisioningParameters",
		// SQL text of the customer's queries.
		"redshift:ViewQueriesInConsole",
		// Environment, hyperparameters, arguments and lifecycle scripts of
		// jobs, models, trials and notebooks.
		"sagemaker:Describe*Job*",
		"sagemaker:Describe*LifecycleConfig",
		"sagemaker:DescribeInferenceComponent",
		"sagemaker:DescribeModel*",
		"sagemaker:DescribeMonitoringSchedule",
		"sagemaker:DescribePipelineDefinitionForExecution",
		"sagemaker:DescribeTrialComponent",
		// Recipients' e-mail addresses and phone numbers.
		"ses:ListContacts",
		"ses:ListSuppressedDestinations",
		"sns:ListPhoneNumbersOptedOut",
		"sns:ListSMSSandboxPhoneNumbers",
		"sns:ListSubscriptions*",
	}},
	// Object keys: in every bucket for resource connections, and in every
	// bucket but the billing export for billing connections.
	{sid: "DenyObjectListing", exceptBillingExport: true, actions: []string{
		"s3:ListBucket*",
	}},
}
