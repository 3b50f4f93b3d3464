package iampolicy

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// longBucket is the longest valid bucket name, the worst case for size.
var longBucket = strings.Repeat("b", 63)

// allInputs covers every connection type and partition.
func allInputs() []Input {
	var ins []Input
	for _, partition := range []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-eusc"} {
		ins = append(ins,
			Input{Type: validate.TypeResource, Partition: partition},
			Input{Type: validate.TypeBilling, BillingBucket: longBucket, Partition: partition},
			Input{Type: validate.TypeBilling, BillingBucket: "cur.export-1", Partition: partition},
		)
	}
	return ins
}

func mustGenerate(t *testing.T, in Input) Policy {
	t.Helper()
	p, err := Generate(in)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", in, err)
	}
	return p
}

// generatedStatements parses the statements back out of p's documents, so
// tests check what IAM would receive.
func generatedStatements(t *testing.T, p Policy) []statement {
	t.Helper()
	var all []statement
	for _, doc := range p.Documents {
		d, err := parse(doc.JSON)
		if err != nil {
			t.Fatalf("%s: %v", doc.Name, err)
		}
		all = append(all, d.Statement...)
	}
	return all
}

// listOrRead are the access levels of the Service Authorization Reference
// that an allowed action may have; the others are Write, Permissions
// management and Tagging.
var listOrRead = []string{"List", "Read"}

// accessLevels reads testdata/access-levels.tsv: lower-case action or
// wildcard to its level, or the levels of what it matches joined by "/".
func accessLevels(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "access-levels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		action, level, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("access-levels.tsv:%d: want action<TAB>level: %q", i+1, line)
		}
		levels[strings.ToLower(action)] = level
	}
	return levels
}

// accessLevelProblems checks each action p allows against levels: it must
// have an entry (a wildcard one of its own, with the levels of what it
// matches), and each entry it covers must be List or Read. It returns what
// is wrong and adds every entry an action covers to covered.
func accessLevelProblems(p Policy, levels map[string]string, covered map[string]bool) []string {
	var problems []string
	for _, action := range p.Actions {
		lower := strings.ToLower(action)
		own, ok := levels[lower]
		if !ok {
			problems = append(problems, action+" has no line in testdata/access-levels.tsv: add its access level from the Service Authorization Reference")
			continue
		}
		matched := map[string]bool{}
		for entry, level := range levels {
			if strings.ContainsAny(entry, "*?") || !covers(lower, entry) {
				continue
			}
			covered[entry] = true
			matched[level] = true
			if !slices.Contains(listOrRead, level) {
				problems = append(problems, fmt.Sprintf("%s allows %s, whose access level is %s", action, entry, level))
			}
		}
		if strings.ContainsAny(lower, "*?") {
			covered[lower] = true
			if want := strings.Join(slices.Sorted(maps.Keys(matched)), "/"); own != want {
				problems = append(problems, fmt.Sprintf("%s: its line says %q, the actions listed for it are %q: list every action of the Reference it matches", action, own, want))
			}
		}
	}
	return problems
}

// TestAllowedActionsAreListOrRead holds every allowed action to the access
// level the Service Authorization Reference gives it.
func TestAllowedActionsAreListOrRead(t *testing.T) {
	levels := accessLevels(t)
	covered := map[string]bool{}
	// Actions differ by connection type only.
	for _, in := range []Input{{Type: validate.TypeResource}, {Type: validate.TypeBilling, BillingBucket: "cur-bucket"}} {
		p := mustGenerate(t, in)
		for _, problem := range accessLevelProblems(p, levels, covered) {
			t.Errorf("%s: %s", in.Type, problem)
		}
	}
	for entry, level := range levels {
		if !covered[entry] && slices.Contains(listOrRead, level) {
			t.Errorf("access-levels.tsv lists %s, which no generated action allows: remove it", entry)
		}
	}
}

func TestAccessLevelCheckRejects(t *testing.T) {
	levels := accessLevels(t)
	for _, action := range []string{
		"billing:Get*",         // covers billing:GetResourcePolicy, Permissions management
		"ec2:RunInstances",     // no entry
		"ec2:Describe*",        // an unreviewed wildcard
		"lambda:ListFunctions", // no entry: out for its data
		"organizations:Desc*",  // a wildcard without its own line
		"s3:PutBucketTagging",  // no entry
	} {
		p := Policy{Actions: []string{action}}
		if problems := accessLevelProblems(p, levels, map[string]bool{}); problems == nil {
			t.Errorf("accessLevelProblems accepts %s", action)
		}
	}
}

func TestGeneratedStatements(t *testing.T) {
	for _, in := range allInputs() {
		p := mustGenerate(t, in)
		var allowed []string
		for _, st := range generatedStatements(t, p) {
			plain := st.NotAction == nil && st.Condition == nil && st.Action != nil
			switch {
			case st.Effect == "Allow" && plain && st.NotResource == nil:
				allowed = append(allowed, st.Action...)
			case st.Effect == "Deny" && plain && (st.Resource == nil) != (st.NotResource == nil):
			default:
				t.Errorf("%s: statement %s is neither an Allow of Action on Resource nor a Deny of Action", in.Type, st.Sid)
			}
		}
		// Actions must be exactly what the documents allow.
		if got, want := p.Actions, sortActions(allowed); !slices.Equal(got, want) {
			t.Errorf("%s: Actions = %v, want %v", in.Type, got, want)
		}
	}
}

// dataActions return customer data rather than metadata: object keys and
// contents, table items, stream records, log events, query text and results,
// function code, secrets and credentials, and the values customers hand their
// workloads (environment, user data, arguments). A role holding the
// generated policy must be allowed none of them, whatever allows them.
var dataActions = []string{
	"athena:GetQueryResults",
	"autoscaling:DescribeLaunchConfigurations",
	"cloudformation:DescribeStacks",
	"cloudformation:ListExports",
	"cloudtrail:LookupEvents",
	"cloudwatch:GetInsightRuleReport",
	"codeartifact:GetAuthorizationToken",
	"codecommit:GetFile",
	"codecommit:ListFileCommitHistory",
	"cognito-identity:ListIdentities",
	"cognito-idp:ListUserPoolClientSecrets",
	"cognito-idp:ListUsers",
	"cognito-idp:ListUsersInGroup",
	"cognito-sync:ListDatasets",
	"connect:ListContactReferences",
	"connect:ListDataTableValues",
	"connect:ListRealtimeContactAnalysisSegmentsV2",
	"dynamodb:BatchGetItem",
	"dynamodb:GetItem",
	"dynamodb:GetRecords",
	"dynamodb:Query",
	"dynamodb:Scan",
	"ec2:DescribeInstanceAttribute",      // user data
	"ec2:DescribeLaunchTemplateVersions", // user data
	"ec2:DescribeSpotFleetRequests",
	"ec2:DescribeSpotInstanceRequests",
	"ec2:DescribeVpnConnections", // tunnel pre-shared keys
	"ec2:GetConsoleOutput",
	"ec2:GetLaunchTemplateData",
	"ec2:GetPasswordData",
	"ecr:BatchGetImage",
	"ecr:GetAuthorizationToken",
	"ecr:GetDownloadUrlForLayer",
	"ecs:DescribeTaskDefinition",
	"ecs:DescribeTasks",
	"elasticmapreduce:DescribeCluster",
	"elasticmapreduce:ListInstanceGroups",
	"elasticmapreduce:ListSteps",
	"firehose:DescribeDeliveryStream",
	"glue:GetConnection",
	"glue:GetConnections",
	"glue:GetDevEndpoints",
	"glue:GetJob",
	"glue:GetJobs",
	"kinesis:GetRecords",
	"kinesis:GetShardIterator",
	"lambda:GetFunction", // code download URL
	"lambda:GetFunctionConfiguration",
	"lambda:ListFunctions",
	"lambda:ListVersionsByFunction",
	"lex:GetUtterancesView",
	"logs:FilterLogEvents",
	"logs:GetLogEvents",
	"logs:GetQueryResults",
	"mobiletargeting:GetCampaigns",
	"opsworks:DescribeApps",
	"redshift-data:GetStatementResult",
	"redshift-serverless:GetCredentials",
	"redshift:GetClusterCredentials",
	"redshift:GetClusterCredentialsWithIAM",
	"redshift:ViewQueriesInConsole",
	"s3:GetObject",
	"s3:GetObjectVersion",
	"s3:ListBucket",
	"s3:ListBucketVersions",
	"sagemaker:DescribeModel",
	"sagemaker:DescribeNotebookInstanceLifecycleConfig",
	"sagemaker:DescribeProcessingJob",
	"sagemaker:DescribeTrainingJob",
	"sagemaker:DescribeTransformJob",
	"secretsmanager:GetSecretValue",
	"ses:ListContacts",
	"ses:ListSuppressedDestinations",
	"sns:ListPhoneNumbersOptedOut",
	"sns:ListSubscriptions",
	"sns:ListSubscriptionsByTopic",
	"sqs:ReceiveMessage",
	"ssm:GetParameter",
	"ssm:GetParameterHistory",
	"ssm:GetParameters",
	"ssm:GetParametersByPath",
	"sso:GetRoleCredentials",
	"states:DescribeExecution",
	"states:GetExecutionHistory",
	"sts:GetFederationToken",
	"sts:GetSessionToken",
	"xray:BatchGetTraces",
}

// roleStatements are every statement of a role holding p, normalized: its
// documents and the managed policies it attaches, from AWS's copies in
// testdata (ViewOnlyAccess.json is version v45 of 2026-04-22, as moto 5.2.1
// ships it in moto/iam/aws_managed_policies.py).
func roleStatements(t *testing.T, p Policy) []statement {
	t.Helper()
	all := generatedStatements(t, p)
	for _, arn := range p.ManagedPolicyARNs {
		data, err := os.ReadFile(filepath.Join("testdata", path.Base(arn)+".json"))
		if err != nil {
			t.Fatalf("managed policy %s: %v", arn, err)
		}
		d, err := parse(string(data))
		if err != nil {
			t.Fatalf("managed policy %s: %v", arn, err)
		}
		all = append(all, d.Statement...)
	}
	for i := range all {
		if err := normalizeStatement(&all[i]); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

// allowed evaluates stmts for one request as IAM does for a role's
// identity-based policies: denied if any Deny applies, else allowed if any
// Allow applies ("Policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
// Wildcards match as IAM matches them, actions case-insensitively. To err
// towards "allowed", an Allow counts whatever its Condition and a Deny
// counts only without one.
func allowed(stmts []statement, action, resource string) bool {
	action = strings.ToLower(action)
	allow := false
	for _, st := range stmts {
		if !st.coversAction(action) || !coversResource(st, resource) {
			continue
		}
		if strings.EqualFold(st.Effect, "Deny") {
			if len(st.Condition) == 0 {
				return false
			}
			continue
		}
		allow = true
	}
	return allow
}

// coversResource reports whether st's Resource or NotResource element
// covers the resource.
func coversResource(st statement, resource string) bool {
	if st.NotResource != nil {
		return !anyCovers(st.NotResource, resource)
	}
	return anyCovers(st.Resource, resource)
}

// customerResources are resources a data action may name: a bucket, an
// object in it, and any other resource of the action's service.
func customerResources(partition, action string) []string {
	service, _, _ := strings.Cut(action, ":")
	return []string{
		"arn:" + partition + ":s3:::customer-data",
		"arn:" + partition + ":s3:::customer-data/private.csv",
		"arn:" + partition + ":" + service + ":us-east-1:111122223333:customer-resource",
	}
}

func TestRoleReachesNoCustomerData(t *testing.T) {
	for _, in := range allInputs() {
		p := mustGenerate(t, in)
		role := roleStatements(t, p)
		partition := cmp.Or(in.Partition, DefaultPartition)
		for _, action := range dataActions {
			for _, resource := range customerResources(partition, action) {
				if allowed(role, action, resource) {
					t.Errorf("%s/%s: the role is allowed %s on %s", partition, in.Type, action, resource)
				}
			}
		}
		// What the platform does need stays allowed, from the documents and
		// from the managed policy alike.
		needed := map[string]string{
			"ec2:DescribeInstances":  "*",
			"cloudwatch:ListMetrics": "*",
			"kms:ListKeys":           "*",
			"s3:ListAllMyBuckets":    "*",
		}
		if in.Type == validate.TypeBilling {
			export := "arn:" + partition + ":s3:::" + in.BillingBucket
			maps.Copy(needed, map[string]string{"s3:ListBucket": export, "s3:GetObject": export + "/cur/2026/11/part-1.parquet"})
		}
		for action, resource := range needed {
			if !allowed(role, action, resource) {
				t.Errorf("%s/%s: the role is not allowed %s on %s", partition, in.Type, action, resource)
			}
		}
	}
}

func TestDenialsAreWhatKeepsDataOut(t *testing.T) {
	saved := denials
	t.Cleanup(func() { denials = saved })
	denials = nil
	p := mustGenerate(t, Input{Type: validate.TypeResource})
	role := roleStatements(t, p)
	for _, action := range []string{"s3:ListBucket", "ecs:DescribeTaskDefinition", "lambda:ListFunctions", "sns:ListSubscriptions"} {
		if !allowed(role, action, "arn:aws:s3:::customer-data") {
			t.Errorf("without denials, ViewOnlyAccess should allow %s: the evaluation misses it", action)
		}
	}
}

// TestDenialsTakeBackManagedReads holds every denied action to something
// the managed policies allow, so the list holds what they need taken back
// and nothing else.
func TestDenialsTakeBackManagedReads(t *testing.T) {
	p := mustGenerate(t, Input{Type: validate.TypeResource})
	role := roleStatements(t, p)
	var managedAllows []string
	for _, st := range role[len(generatedStatements(t, p)):] {
		if st.Effect == "Allow" {
			managedAllows = append(managedAllows, st.Action...)
		}
	}
	for _, d := range denials {
		for _, action := range d.actions {
			if !slices.ContainsFunc(managedAllows, func(a string) bool { return overlaps(strings.ToLower(a), strings.ToLower(action)) }) {
				t.Errorf("%s denies %s, which no managed policy allows", d.sid, action)
			}
		}
	}
}

// overlaps reports whether two IAM wildcard patterns (* only) match at least
// one name in common.
func overlaps(a, b string) bool {
	switch {
	case a == "" || b == "":
		return strings.Trim(a+b, "*") == ""
	case a[0] == '*':
		return overlaps(a[1:], b) || overlaps(a, b[1:])
	case b[0] == '*':
		return overlaps(a, b[1:]) || overlaps(a[1:], b)
	default:
		return a[0] == b[0] && overlaps(a[1:], b[1:])
	}
}

func TestOverlaps(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"ecs:describe*", "ecs:describe*taskdefinition", true},
		{"ecs:list*", "ecs:describe*taskdefinition", false},
		{"s3:listbucket", "s3:listbucket*", true},
		{"sns:list*", "sns:listsubscriptions*", true},
		{"ec2:describespot*", "ec2:describe*requests", true},
		{"ec2:describevolume*", "ec2:describespot*requests", false},
		{"lambda:listfunctions", "lambda:listfunction", false},
	} {
		if got := overlaps(tt.a, tt.b); got != tt.want {
			t.Errorf("overlaps(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBillingIncludesResource(t *testing.T) {
	resource := mustGenerate(t, Input{Type: validate.TypeResource})
	billing := mustGenerate(t, Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket"})
	missing, err := MissingActions(resource, docsJSON(billing))
	if err != nil {
		t.Fatal(err)
	}
	if missing != nil {
		t.Errorf("billing policy lacks resource actions %v", missing)
	}
	for _, want := range []string{"ce:Get*", "s3:GetObject", "savingsplans:Describe*"} {
		if !slices.Contains(billing.Actions, want) || slices.Contains(resource.Actions, want) {
			t.Errorf("%s should be in billing actions only", want)
		}
	}
}

func TestGeneratedDocumentsFitIAMLimits(t *testing.T) {
	for _, in := range allInputs() {
		p := mustGenerate(t, in)
		total := 0
		for i, doc := range p.Documents {
			n := iamLength(doc.JSON)
			total += n
			if n > RoleInlinePolicyLimit {
				t.Errorf("%s: %s is %d characters, over %d", in.Type, doc.Name, n, RoleInlinePolicyLimit)
			}
			if want := "costlink-" + in.Type + "-" + string(rune('1'+i)); doc.Name != want {
				t.Errorf("document %d is named %q, want %q", i, doc.Name, want)
			}
			if strings.ContainsFunc(doc.JSON, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) {
				t.Errorf("%s: %s is not compact", in.Type, doc.Name)
			}
			if !strings.HasPrefix(doc.JSON, `{"Version":"2012-10-17","Statement":[{"Sid":`) {
				t.Errorf("%s: %s is not in canonical key order: %.60s", in.Type, doc.Name, doc.JSON)
			}
		}
		// IAM limits the sum of a role's inline policies, not each one.
		if total > RoleInlinePolicyLimit {
			t.Errorf("%s: documents total %d characters, over %d", in.Type, total, RoleInlinePolicyLimit)
		}
		t.Logf("%s/%s: %d documents, %d characters", in.Partition, in.Type, len(p.Documents), total)
	}
}

func TestGenerateUsesPartitionAndBucket(t *testing.T) {
	p := mustGenerate(t, Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket", Partition: "aws-cn"})
	if want := []string{"arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess"}; !slices.Equal(p.ManagedPolicyARNs, want) {
		t.Errorf("ManagedPolicyARNs = %v, want %v", p.ManagedPolicyARNs, want)
	}
	all := strings.Join(docsJSON(p), "")
	for _, want := range []string{`"arn:aws-cn:s3:::cur-bucket"`, `"arn:aws-cn:s3:::cur-bucket/*"`, `"arn:aws-cn:iam::*:role/*"`} {
		if !strings.Contains(all, want) {
			t.Errorf("documents lack %s", want)
		}
	}
	if strings.Contains(all, "arn:aws:") || strings.Contains(all, partitionVar) || strings.Contains(all, bucketVar) {
		t.Errorf("documents keep another partition or a placeholder: %s", all)
	}
}

func TestGenerateVersion(t *testing.T) {
	base := Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket"}
	v := mustGenerate(t, base).Version
	if len(v) != 16 || strings.Trim(v, "0123456789abcdef") != "" {
		t.Errorf("Version %q is not 16 hex characters", v)
	}
	if again := mustGenerate(t, base).Version; again != v {
		t.Errorf("same input, versions %s and %s", v, again)
	}
	explicit := base
	explicit.Partition = DefaultPartition
	if got := mustGenerate(t, explicit).Version; got != v {
		t.Errorf("default and explicit aws partition give versions %s and %s", v, got)
	}
	for name, in := range map[string]Input{
		"type":      {Type: validate.TypeResource},
		"bucket":    {Type: validate.TypeBilling, BillingBucket: "other-bucket"},
		"partition": {Type: validate.TypeBilling, BillingBucket: "cur-bucket", Partition: "aws-us-gov"},
	} {
		if got := mustGenerate(t, in).Version; got == v {
			t.Errorf("changing the %s keeps version %s", name, v)
		}
	}

	saved := slices.Clone(resourceGrants)
	t.Cleanup(func() { resourceGrants = saved })
	resourceGrants = append(resourceGrants, grant{sid: "Extra", actions: []string{"ec2:DescribeKeyPairs"}})
	if got := mustGenerate(t, base).Version; got == v {
		t.Errorf("adding an action keeps version %s", v)
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	for _, in := range []Input{
		{Type: "payer"},
		{Type: validate.TypeResource, BillingBucket: "cur-bucket"},
		{Type: validate.TypeBilling},
		{Type: validate.TypeBilling, BillingBucket: "Bad_Bucket"},
		{Type: validate.TypeResource, Partition: "aws-mars"},
	} {
		if _, err := Generate(in); err == nil {
			t.Errorf("Generate(%+v) succeeded, want an error", in)
		}
	}
}

func docsJSON(p Policy) []string {
	var out []string
	for _, d := range p.Documents {
		out = append(out, d.JSON)
	}
	return out
}
